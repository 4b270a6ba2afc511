import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { processExists, REPO_ROOT, type SandboxInfo } from '@deploy-kit/harness';

// The lifecycle of scripts/sandbox itself, on a SECOND sandbox of its own
// (own directory, ports +300, ssh hosts on 127.0.3.x) so the default sandbox
// other tests use keeps running: up, idempotent up, status, a dead service
// brought back, concurrent ups, down (pids gone, nothing mounted), down again.

jest.setTimeout(300_000);

// A fixed path (one lock file in /tmp); its ports would clash between two parallel runs anyway.
const DIR = '/tmp/deploy-kit-sandbox-lifecycle';
const ENV: NodeJS.ProcessEnv = {
  ...process.env,
  DEPLOY_KIT_SANDBOX: DIR,
  DEPLOY_KIT_SANDBOX_PORT_OFFSET: '300',
  DEPLOY_KIT_SANDBOX_SSH_NET: '127.0.3',
  DEPLOY_KIT_SANDBOX_SSH_HOSTS: '2',
};
const SCRIPT = path.join(REPO_ROOT, 'scripts', 'sandbox');

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** scripts/sandbox needs root: run it directly as root, else through non-interactive sudo (CI runners). */
function sandbox(args: string[], env: NodeJS.ProcessEnv = ENV): Promise<Result> {
  const [file, argv] =
    process.getuid?.() === 0
      ? ['bash', [SCRIPT, ...args]]
      : [
          'sudo',
          [
            '-n',
            'env',
            ...Object.entries(env)
              .filter(([k]) => k.startsWith('DEPLOY_KIT_'))
              .map(([k, v]) => `${k}=${v}`),
            'bash',
            SCRIPT,
            ...args,
          ],
        ];
  return new Promise((resolve) => {
    execFile(file, argv as string[], { env, timeout: 280_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

const info = (): SandboxInfo =>
  JSON.parse(fs.readFileSync(path.join(DIR, 'sandbox.json'), 'utf8')) as SandboxInfo;
const pidIn = (file: string) => Number(fs.readFileSync(file, 'utf8').split('\n')[0]);
function allPidFiles(sb: SandboxInfo): string[] {
  return [
    ...sb.ssh.hosts.map((h) => h.pidFile),
    sb.docker.pidFile,
    sb.registry.pidFile,
    sb.authRegistry.pidFile,
    sb.nginx.pidFile,
    sb.postgres.pidFile,
  ];
}
const mountsUnder = (dir: string) =>
  fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((m) => m === dir || m.startsWith(dir + '/'));

afterAll(async () => {
  // Leave nothing behind even when a test failed half-way.
  if (fs.existsSync(DIR)) await sandbox(['down']);
});

test('up, status, idempotent up, a dead service restarted, concurrent ups, down twice', async () => {
  const up = await sandbox(['up']);
  expect(up.stderr).toBe('');
  expect(up.code).toBe(0);
  expect(up.stdout).toMatch(/^sandbox up: /m);
  const sb = info();
  expect(sb.dir).toBe(DIR);
  expect(sb.ssh.hosts.map((h) => `${h.host}:${h.port}`)).toEqual(['127.0.3.2:2522', '127.0.3.3:2522']);
  expect(sb.registry.address).toBe('127.0.0.1:5300');
  expect(sb.authRegistry.address).toBe('127.0.0.1:5301');
  expect(sb.nginx.httpsUrl).toBe('https://127.0.0.1:8743');
  expect(sb.postgres.port).toBe(5733);
  const pids = allPidFiles(sb).map(pidIn);
  for (const pid of pids) expect(processExists(pid)).toBe(true);

  // status needs only DEPLOY_KIT_SANDBOX: the offsets were saved with the sandbox.
  const status = await sandbox(['status'], { ...process.env, DEPLOY_KIT_SANDBOX: DIR });
  expect(status.code).toBe(0);
  expect(status.stdout).not.toMatch(/DOWN/);

  // A second up changes nothing: same pids, same keys.
  const key = fs.readFileSync(sb.ssh.clientKey, 'utf8');
  const again = await sandbox(['up']);
  expect(again.code).toBe(0);
  expect(allPidFiles(info()).map(pidIn)).toEqual(pids);
  expect(fs.readFileSync(sb.ssh.clientKey, 'utf8')).toBe(key);

  // Another offset for the same directory is refused instead of half-applied.
  const clash = await sandbox(['up'], { ...ENV, DEPLOY_KIT_SANDBOX_PORT_OFFSET: '301' });
  expect(clash.code).toBe(2);
  expect(clash.stderr).toMatch(/running with DEPLOY_KIT_SANDBOX_PORT_OFFSET=300, not 301/);

  // Kill the registry: status says so; up brings back only that one.
  const registryPid = pidIn(sb.registry.pidFile);
  process.kill(registryPid, 'SIGTERM');
  const deadline = Date.now() + 10_000;
  while (fs.existsSync(`/proc/${registryPid}/exe`) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 100));
  const degraded = await sandbox(['status']);
  expect(degraded.code).toBe(1);
  expect(degraded.stdout).toMatch(/DOWN registry /);

  // Two ups at once: the lock serialises them and both succeed.
  const [a, b] = await Promise.all([sandbox(['up']), sandbox(['up'])]);
  expect([a.code, b.code]).toEqual([0, 0]);
  const healed = allPidFiles(info()).map(pidIn);
  const registryIndex = allPidFiles(sb).indexOf(sb.registry.pidFile);
  expect(healed[registryIndex]).not.toBe(registryPid);
  expect(healed.filter((_, i) => i !== registryIndex)).toEqual(pids.filter((_, i) => i !== registryIndex));
  expect((await sandbox(['status'])).code).toBe(0);

  const down = await sandbox(['down']);
  expect(down.code).toBe(0);
  expect(down.stdout).toMatch(/sandbox down: .* removed/);
  expect(fs.existsSync(DIR)).toBe(false);
  expect(mountsUnder(DIR)).toEqual([]);
  for (const pid of healed) {
    // Gone, or (reparented, not yet reaped) a zombie.
    const stat = fs.existsSync(`/proc/${pid}/stat`) ? fs.readFileSync(`/proc/${pid}/stat`, 'utf8') : '';
    expect(stat === '' || /\) Z /.test(stat)).toBe(true);
  }

  const downAgain = await sandbox(['down']);
  expect(downAgain.code).toBe(0);
  expect(downAgain.stdout).toMatch(/nothing to stop/);
});
