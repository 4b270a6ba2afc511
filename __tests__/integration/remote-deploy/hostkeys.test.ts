import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { waitFor } from '@deploy-kit/harness';
import {
  authAttempts,
  baseInputs,
  deploy,
  hosts,
  makeApp,
  privateSshdPlace,
  sandbox,
  startPrivateSshd,
  type App,
  type PrivateSshd,
} from './helpers';

jest.setTimeout(120_000);

// A private sshd whose only authorized key forces `touch CANARY`: proof that nothing
// (no auth request, no session) reached it when the host key was not the expected one.
let sshd: PrivateSshd;
let app: App;

beforeAll(async () => {
  sshd = await startPrivateSshd();
  app = makeApp([]);
});
afterAll(() => sshd.stop());

let mark = 0;
beforeEach(() => {
  mark = fs.existsSync(sshd.log) ? fs.statSync(sshd.log).size : 0;
  fs.rmSync(sshd.canary, { force: true });
});

function inputs(knownHosts: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...baseInputs(app, []),
    hosts: `${sshd.host}:${sshd.port}`,
    'project-dir': '/tmp/rd-never-created',
    'known-hosts': knownHosts,
    version: '1.0',
    'connect-timeout': '3s',
    ...extra,
  };
}

test('control: with the right fingerprint the key is accepted and the canary command runs', async () => {
  const result = await deploy(app, inputs(sshd.fingerprint, { 'dry-run': 'true' }));
  // the forced command answers every command with `touch`, so the dry run cannot succeed — but auth did
  expect(authAttempts(sshd.log, mark).length).toBeGreaterThan(0);
  expect(fs.existsSync(sshd.canary)).toBe(true);
  expect(result.exitCode).toBe(1);
});

test('wrong host key (MITM) → refused before authentication, naming both fingerprints', async () => {
  const other = hosts[0]!;
  const result = await deploy(
    app,
    inputs(`[${sshd.host}]:${sshd.port} ${other.knownHostsLine.split(' ').slice(1).join(' ')}`),
  );
  expect(result.exitCode).toBe(1);
  expect(result.error).toContain(`expected ${other.hostKeyFingerprint}, got ${sshd.fingerprint}`);
  expect(result.error).toMatch(/nothing was sent to the host/);
  expect(authAttempts(sshd.log, mark)).toEqual([]);
  expect(fs.existsSync(sshd.canary)).toBe(false);
});

test('wrong pinned fingerprint → refused before authentication', async () => {
  const result = await deploy(app, inputs(hosts[1]!.hostKeyFingerprint));
  expect(result.error).toMatch(/host key mismatch/);
  expect(authAttempts(sshd.log, mark)).toEqual([]);
  expect(fs.existsSync(sshd.canary)).toBe(false);
});

test('no fingerprint at all → refused, and told how to get one', async () => {
  const result = await deploy(app, inputs(''));
  expect(result.exitCode).toBe(1);
  expect(result.error).toMatch(/no fingerprint or known_hosts line is given/);
  expect(result.error).toContain(sshd.fingerprint);
  expect(authAttempts(sshd.log, mark)).toEqual([]);
  expect(fs.existsSync(sshd.canary)).toBe(false);
});

test('the explicitly named insecure opt-out connects with a warning', async () => {
  const result = await deploy(app, inputs('', { 'insecure-skip-host-key-check': 'true', 'dry-run': 'true' }));
  expect(result.annotations.some((a) => a.level === 'warning' && /NOT verified/.test(a.message))).toBe(true);
  expect(fs.existsSync(sshd.canary)).toBe(true);
});

test('auth failure names the key type offered and what the server still accepts', async () => {
  const result = await deploy(app, {
    ...inputs(sshd.fingerprint),
    'private-key': fs.readFileSync(sandbox.ssh.rsaClientKey, 'utf8'),
  });
  expect(result.error).toMatch(
    /authentication as 'deploykit' on .* failed: the server refused the ssh-rsa key SHA256:\S+ \(server still accepts: publickey\)/,
  );
});

test('an unparseable key fails at once, before connecting', async () => {
  const result = await deploy(app, { ...inputs(sshd.fingerprint), 'private-key': 'not a key\r\n' });
  expect(result.error).toMatch(/Invalid input: 'private-key' could not be parsed/);
  expect(fs.readFileSync(sshd.log, 'utf8').slice(mark)).not.toMatch(/Connection from/);
});

/**
 * #14 B: a stock sshd offering RSA, ECDSA and ed25519 host keys (Debian's default HostKey set).
 * ssh2 negotiates ed25519 first, so before the fix a genuine RSA or ECDSA fingerprint was
 * refused as a man-in-the-middle. Its only authorized key forces `touch CANARY`, so the canary
 * shows whether our key was ever used there.
 */
describe('a stock host with RSA, ECDSA and ed25519 host keys', () => {
  interface StockSshd {
    host: string;
    port: number;
    fingerprints: Record<'rsa' | 'ecdsa' | 'ed25519', string>;
    keyscan: Record<'rsa' | 'ecdsa' | 'ed25519', string>;
    hashed: Record<'rsa' | 'ecdsa' | 'ed25519', string>;
    log: string;
    canary: string;
    pidFile: string;
    dir: string;
  }
  let stock: StockSshd;

  beforeAll(async () => {
    const { dir, host, port, canary } = privateSshdPlace('rd-stock-sshd-');
    const types = {
      rsa: ['-t', 'rsa', '-b', '3072'],
      ecdsa: ['-t', 'ecdsa', '-b', '256'],
      ed25519: ['-t', 'ed25519'],
    };
    const fingerprints = {} as StockSshd['fingerprints'];
    for (const [name, args] of Object.entries(types) as [keyof typeof types, string[]][]) {
      const file = path.join(dir, `ssh_host_${name}_key`);
      const r = spawnSync('ssh-keygen', ['-q', ...args, '-N', '', '-f', file], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`ssh-keygen failed: ${r.stderr}`);
      fingerprints[name] = spawnSync('ssh-keygen', ['-lf', `${file}.pub`], { encoding: 'utf8' }).stdout.split(
        ' ',
      )[1] as string;
    }
    const cfg = path.join(dir, 'sshd_config');
    const pidFile = path.join(dir, 'sshd.pid');
    fs.writeFileSync(
      cfg,
      [
        `Port ${port}`,
        `ListenAddress ${host}`,
        // Debian's stock order and set of host keys.
        `HostKey ${dir}/ssh_host_rsa_key`,
        `HostKey ${dir}/ssh_host_ecdsa_key`,
        `HostKey ${dir}/ssh_host_ed25519_key`,
        `PidFile ${pidFile}`,
        `AuthorizedKeysFile ${dir}/auth/%u`,
        `AllowUsers ${sandbox.ssh.user}`,
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'UsePAM no',
        'StrictModes no',
        'LogLevel DEBUG1',
        '',
      ].join('\n'),
    );
    fs.mkdirSync('/run/sshd', { recursive: true });
    const log = path.join(dir, 'sshd.log');
    const started = spawnSync('/usr/sbin/sshd', ['-f', cfg, '-E', log], { encoding: 'utf8' });
    if (started.status !== 0) throw new Error(`sshd failed: ${started.stderr}`);
    const scan = (t: string, hashed = false): string =>
      spawnSync('ssh-keyscan', [...(hashed ? ['-H'] : []), '-p', String(port), '-t', t, host], {
        encoding: 'utf8',
      }).stdout.trim();
    await waitFor(`stock sshd on ${host}:${port}`, () => scan('ed25519') !== '');
    const keyscan = { rsa: scan('rsa'), ecdsa: scan('ecdsa'), ed25519: scan('ed25519') };
    const hashed = { rsa: scan('rsa', true), ecdsa: scan('ecdsa', true), ed25519: scan('ed25519', true) };
    stock = { host, port, fingerprints, keyscan, hashed, log, canary, pidFile, dir };
  });
  afterAll(async () => {
    if (!stock) return;
    if (fs.existsSync(stock.pidFile)) {
      process.kill(Number(fs.readFileSync(stock.pidFile, 'utf8').trim()));
      // sshd removes its pid file as it exits: only then is its directory ours to remove.
      await waitFor('the stock sshd to exit', () => !fs.existsSync(stock.pidFile));
    }
    fs.rmSync(stock.dir, { recursive: true, force: true, maxRetries: 3 });
  });

  let from = 0;
  beforeEach(() => {
    if (!stock) return;
    from = fs.existsSync(stock.log) ? fs.statSync(stock.log).size : 0;
    fs.rmSync(stock.canary, { force: true });
  });

  function stockInputs(extra: Record<string, string>): Record<string, string> {
    return {
      ...baseInputs(app, []),
      hosts: `${stock.host}:${stock.port}`,
      'project-dir': '/tmp/rd-never-created',
      'known-hosts': '',
      version: '1.0',
      'connect-timeout': '3s',
      'dry-run': 'true',
      ...extra,
    };
  }

  /** Accepted: the key authenticated (the forced command ran), and no host-key error. */
  function expectAccepted(result: Awaited<ReturnType<typeof deploy>>): void {
    expect(result.error ?? '').not.toMatch(/host key|man-in-the-middle/);
    expect(authAttempts(stock.log, from).length).toBeGreaterThan(0);
    expect(fs.existsSync(stock.canary)).toBe(true);
  }

  test.each(['rsa', 'ecdsa', 'ed25519'] as const)(
    "the host's genuine %s fingerprint in 'hosts' is accepted",
    async (type) => {
      expectAccepted(
        await deploy(app, stockInputs({ hosts: `${stock.host}:${stock.port} ${stock.fingerprints[type]}` })),
      );
    },
  );

  test("the genuine RSA fingerprint as a bare SHA256 line of 'known-hosts' (CRLF-pasted) is accepted", async () => {
    expectAccepted(await deploy(app, stockInputs({ 'known-hosts': `${stock.fingerprints.rsa}\r\n` })));
  });

  test('hashed known_hosts lines of one type only (RSA, then ECDSA), CRLF-pasted, are accepted', async () => {
    expectAccepted(await deploy(app, stockInputs({ 'known-hosts': `${stock.hashed.rsa}\r\n` })));
    from = fs.statSync(stock.log).size;
    fs.rmSync(stock.canary, { force: true });
    expectAccepted(
      await deploy(
        app,
        stockInputs({ 'known-hosts': `# pasted from a Windows clipboard\r\n${stock.hashed.ecdsa}\r\n` }),
      ),
    );
  });

  test('a fingerprint of another host is still refused, naming every key this host presented, with nothing sent', async () => {
    const result = await deploy(
      app,
      stockInputs({ hosts: `${stock.host}:${stock.port} ${hosts[0]!.hostKeyFingerprint}` }),
    );
    expect(result.exitCode).toBe(1);
    expect(result.error).toMatch(/host key mismatch .*possible man-in-the-middle/);
    for (const fp of Object.values(stock.fingerprints)) expect(result.error).toContain(fp);
    expect(authAttempts(stock.log, from)).toEqual([]);
    expect(fs.existsSync(stock.canary)).toBe(false);
  });
});
