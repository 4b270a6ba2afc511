import * as fs from 'node:fs';
import { Client } from 'ssh2';
import {
  execSucceeded,
  HostKeyRejected,
  parseClientKey,
  parseKnownHosts,
  SshConnection,
  type SshTarget,
} from '@deploy-kit/shared/ssh';
import { authAttempts, hosts, sandbox, startPrivateSshd, type PrivateSshd } from './helpers';

// The shared ssh2 wrapper against the sandbox's real sshd (the action's tests cover it through the bundle).
jest.setTimeout(120_000);

const host = hosts[0]!;
const key = parseClientKey(fs.readFileSync(sandbox.ssh.clientKey, 'utf8'), undefined);
const target: SshTarget = {
  host: host.host,
  port: host.port,
  user: sandbox.ssh.user,
  key,
  hostKeys: { fingerprints: [], knownHosts: parseKnownHosts(host.knownHostsLine) },
};
let conn: SshConnection;
beforeAll(async () => {
  conn = await SshConnection.connect(target);
});
afterAll(() => conn.close());

test('exec: exit code, signal, stdout/stderr; argv is quoted, never interpreted', async () => {
  const r = await conn.exec(['sh', '-c', 'echo out; echo err >&2; exit 7']);
  expect([r.exitCode, r.stdout, r.stderr]).toEqual([7, 'out\n', 'err\n']);
  const literal = await conn.exec(['echo', '$(id)', '`id`', "'; id"]);
  expect(literal.stdout).toBe("$(id) `id` '; id\n");
  const killed = await conn.exec(['sh', '-c', 'kill -TERM $$']);
  expect(killed.exitCode === null || killed.signal === 'TERM' || killed.exitCode === 143).toBe(true);
  expect(execSucceeded(killed)).toBe(false);
});

test('200 fast commands in a row all report their exit status (no lost exit-status race)', async () => {
  for (let i = 0; i < 200; i++) {
    const r = await conn.exec(['true']);
    expect([i, r.exitCode]).toEqual([i, 0]);
  }
});

test('scripts run with -e and pipefail: a failing pipeline stops the script', async () => {
  const r = await conn.script('echo before\nfalse | cat\necho after', []);
  expect(r.exitCode).not.toBe(0);
  expect(r.stdout).toBe('before\n');
  const args = await conn.script('printf "%s|" "$@"', ['a b', '$(id)', '']);
  expect(args.stdout).toBe('a b|$(id)||');
});

test('many MB of output: kept to the tail, never hangs', async () => {
  const r = await conn.exec(['sh', '-c', "head -c 50000000 /dev/zero | tr '\\0' x; echo; echo END"], {
    maxOutputBytes: 4096,
  });
  expect(r.exitCode).toBe(0);
  expect(r.stdoutBytes).toBe(50_000_005);
  expect(r.stdout.length).toBe(4096);
  expect(r.stdout.endsWith('\nEND\n')).toBe(true);
  expect(r.truncated).toBe(true);
});

test('30 concurrent commands share one connection within MaxSessions', async () => {
  const results = await Promise.all(
    Array.from({ length: 30 }, (_, i) => conn.exec(['sh', '-c', `sleep 0.2; echo ${i}`])),
  );
  expect(results.map((r) => r.stdout.trim())).toEqual(Array.from({ length: 30 }, (_, i) => String(i)));
});

test('atomic SFTP upload with mode 0600', async () => {
  const file = `${host.workDir}/upload-${process.pid}.txt`;
  await conn.upload(file, 'v1\n');
  await conn.upload(file, 'v2\n');
  expect(fs.readFileSync(file, 'utf8')).toBe('v2\n');
  expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  expect(
    fs.readdirSync(host.workDir).filter((f) => f.includes(`upload-${process.pid}`) && f.endsWith('.tmp')),
  ).toEqual([]);
  fs.rmSync(file);
});

describe('ssh2 hostVerifier pitfall', () => {
  let sshd: PrivateSshd;
  beforeAll(async () => {
    sshd = await startPrivateSshd();
  });
  afterAll(() => sshd.stop());

  test('raw ssh2 treats an async verifier resolving false as ACCEPT; the wrapper refuses before auth', async () => {
    // What the wrapper must never do: ssh2 sees a Promise (truthy) and goes on to authenticate.
    const raw = new Client();
    const accepted = await new Promise<boolean>((resolve) => {
      raw.on('ready', () => resolve(true)).on('error', () => resolve(false));
      raw.connect({
        host: sshd.host,
        port: sshd.port,
        username: sandbox.ssh.user,
        privateKey: key.text,
        hostVerifier: (async () => false) as unknown as (key: Buffer) => boolean,
      });
    });
    raw.end();
    expect(accepted).toBe(true);

    const mark = fs.statSync(sshd.log).size;
    fs.rmSync(sshd.canary, { force: true });
    const wrong = { fingerprints: [host.hostKeyFingerprint], knownHosts: [] };
    await expect(
      SshConnection.connect({ ...target, host: sshd.host, port: sshd.port, hostKeys: wrong }),
    ).rejects.toThrow(HostKeyRejected);
    expect(authAttempts(sshd.log, mark)).toEqual([]);
    expect(fs.existsSync(sshd.canary)).toBe(false);
  });
});
