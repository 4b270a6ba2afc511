import * as fs from 'node:fs';
import {
  authAttempts,
  baseInputs,
  deploy,
  hosts,
  makeApp,
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
