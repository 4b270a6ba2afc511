import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { waitFor, type RunActionResult } from '@deploy-kit/harness';
import {
  baseInputs,
  buildAppImages,
  cleanup,
  currentRelease,
  deploy,
  hosts,
  makeApp,
  served,
  uniqueId,
  type App,
} from './helpers';

jest.setTimeout(300_000);

const targets = [hosts[2]!];
const host = targets[0]!;
let images: ReturnType<typeof buildAppImages>;
let app: App;
let projectDir: string;
let lockDir: string;
const uid = Number(execFileSync('id', ['-u', 'deploykit'], { encoding: 'utf8' }).trim());
const gid = Number(execFileSync('id', ['-g', 'deploykit'], { encoding: 'utf8' }).trim());

beforeAll(async () => {
  images = buildAppImages();
  app = makeApp(targets);
  projectDir = app.projectDirs[0]!;
  lockDir = path.join(projectDir, '.deploy-kit', 'lock');
  const first = await deploy(app, {
    ...baseInputs(app, targets),
    images: `web=${images.v1}`,
    version: '1.0',
  });
  expect(first.error).toBeUndefined();
});
afterAll(() => cleanup(app, targets));

function inputs(extra: Record<string, string>): Record<string, string> {
  return { ...baseInputs(app, targets), images: `web=${images.v2}`, version: '2.0', ...extra };
}

/** A deploy of 2.0 that holds the lock while its pre-deploy command sleeps `seconds`, once it holds it. */
async function deployHoldingLock(seconds: number): Promise<{ done: Promise<RunActionResult> }> {
  const done = deploy(app, inputs({ 'pre-deploy-command': `sleep ${seconds}`, version: '2.0' }));
  await waitFor(
    'the first deploy to take the lock',
    () => fs.existsSync(path.join(lockDir, 'owner.json')),
    60_000,
  );
  return { done };
}

describe('locks', () => {
  test('a second deploy while the first holds the lock fails naming the holder; the first succeeds', async () => {
    const first = await deployHoldingLock(4);
    const second = await deploy(
      app,
      inputs({ images: `web=${images.v3}`, version: '3.0', 'lock-timeout': '1s' }),
    );
    expect(second.exitCode).toBe(1);
    expect(second.error).toMatch(
      /is locked by octocat \(run example\/app#4242\.1, version 2\.0, runner deploy-kit-harness, \d+s ago\); waited \d+s/,
    );
    const done = await first.done;
    expect(done.error).toBeUndefined();
    expect(await served(host, app)).toBe('2.0');
    expect(fs.existsSync(lockDir)).toBe(false);
  });

  test('a second deploy with a longer lock-timeout waits, then deploys after the first', async () => {
    const first = await deployHoldingLock(3);
    const second = await deploy(
      app,
      inputs({ images: `web=${images.v3}`, version: '3.0', 'lock-timeout': '90s' }),
    );
    expect((await first.done).error).toBeUndefined();
    expect(second.error).toBeUndefined();
    expect(second.log).toMatch(/locked by octocat .*; waiting up to 90s/);
    expect(await served(host, app)).toBe('3.0');
  });

  test('a lock placed by hand is never taken over, even past lock-expiry', async () => {
    fs.mkdirSync(lockDir);
    try {
      const past = new Date(Date.now() - 7200_000);
      fs.utimesSync(lockDir, past, past);
      const result = await deploy(app, inputs({ 'lock-timeout': '2s', 'lock-expiry': '1s' }));
      expect(result.error).toMatch(/locked by a lock placed by hand or another tool/);
      expect(fs.existsSync(lockDir)).toBe(true);
    } finally {
      fs.rmdirSync(lockDir);
    }
  });

  test('an expired deploy-kit lock is taken over with a warning', async () => {
    fs.mkdirSync(lockDir);
    const owner = {
      tool: 'deploy-kit',
      token: `dead-${uniqueId()}-${uniqueId()}-${uniqueId()}`,
      actor: 'ghost',
      repository: 'example/app',
      run: '1.1',
      version: '0.9',
      runner: 'gone',
      pid: 1,
      time: '2020-01-01T00:00:00Z',
    };
    fs.writeFileSync(path.join(lockDir, 'owner.json'), JSON.stringify(owner));
    fs.chownSync(lockDir, uid, gid);
    fs.chownSync(path.join(lockDir, 'owner.json'), uid, gid);
    const past = new Date(Date.now() - 7200_000);
    fs.utimesSync(path.join(lockDir, 'owner.json'), past, past);
    const result = await deploy(app, inputs({ 'lock-expiry': '1h', version: '2.0' }));
    expect(result.error).toBeUndefined();
    expect(
      result.annotations.some(
        (a) => a.level === 'warning' && /taking over an expired deploy lock held by ghost/.test(a.message),
      ),
    ).toBe(true);
    expect(fs.existsSync(lockDir)).toBe(false);
  });

  test('SIGTERM from the runner releases the lock and leaves the host on its release', async () => {
    const before = currentRelease(projectDir);
    const result = await deploy(
      app,
      inputs({ 'pre-deploy-command': 'sleep 30', version: '3.0', images: `web=${images.v3}` }),
      {
        signal: 'SIGTERM',
        signalWhenStdout: 'lock taken',
      },
    );
    expect(result.exitCode).not.toBe(0);
    expect(result.durationMs).toBeLessThan(25_000);
    expect(result.log).toMatch(/Received SIGTERM: stopping/);
    expect(result.error).toMatch(
      /^Could not run: Cancelled by SIGTERM; no host had switched; released the deploy lock on 127\.0\.\d+\.\d+:\d+\.$/,
    );
    expect(fs.existsSync(lockDir)).toBe(false);
    expect(currentRelease(projectDir)).toBe(before);
  });

  test('a runner cancel after the switch puts the host back on its previous release within the grace time', async () => {
    const before = currentRelease(projectDir);
    const servedBefore = await served(host, app);
    expect(servedBefore).toMatch(/^\d+\.\d+$/);
    // The runner's own sequence: SIGINT, SIGTERM 7.5 s later, SIGKILL 2.5 s after that.
    const result = await deploy(
      app,
      inputs({ version: 'bad-cancelled', images: `web=${images.bad}`, 'health-timeout': '60s' }),
      { signal: 'runner-cancel', signalWhenStdout: 'switched to bad-cancelled' },
    );
    // Exited by itself with a failure, before the runner's SIGKILL.
    expect(result.signal).toBeNull();
    expect(result.exitCode).toBe(1);
    expect(result.error).toBe(
      `Could not run: Cancelled by SIGINT; ${host.host}:${host.port} was put back on ${before} (compose up -d, not health-checked: a cancelled job has 10 s); released the deploy lock on ${host.host}:${host.port}.`,
    );
    expect(fs.existsSync(lockDir)).toBe(false);
    expect(currentRelease(projectDir)).toBe(before);
    // The old release serves again (started by the rollback's `up -d`; it needs a moment to listen).
    await waitFor(
      'the previous release to answer',
      async () => (await served(host, app)) === servedBefore,
      30_000,
    );
  });
});

describe('hostile inputs', () => {
  const canary = `/tmp/rd-canary-${uniqueId()}`;
  const hostile: [string, Record<string, string>][] = [
    ['version with ;', { version: `2.0;touch ${canary}` }],
    ['version with $()', { version: `$(touch ${canary})` }],
    ['version with backticks', { version: `\`touch ${canary}\`` }],
    ['version with a newline', { version: `2.0\ntouch ${canary}` }],
    ['service name with $()', { images: `web$(touch ${canary})=${REPO_IMAGE()}` }],
    ['services with quotes', { services: `web'"; touch ${canary}; "` }],
    ['project-dir with backticks', { 'project-dir': `/tmp/x\`touch ${canary}\`` }],
    ['project-dir with ..', { 'project-dir': '/tmp/../etc' }],
    ['host with ;', { hosts: `127.0.0.4;touch ${canary}` }],
    ['image with $()', { images: `web=busybox:$(touch ${canary})` }],
    ['migrate-command with ;', { 'migrate-command': `echo hi; touch ${canary}` }],
  ];
  function REPO_IMAGE(): string {
    return images?.v2 ?? 'busybox';
  }

  test.each(hostile)('%s → rejected as invalid input, nothing ran', async (_label, extra) => {
    const result = await deploy(
      app,
      inputs({
        ...extra,
        'project-dir': extra['project-dir'] ?? '/x',
        hosts: extra.hosts ?? inputs({}).hosts!,
      }),
    );
    expect(result.exitCode).toBe(1);
    expect(result.error).toMatch(/^Invalid input: '/);
    expect(fs.existsSync(canary)).toBe(false);
  });

  test('shell syntax inside env-file values is inert: uploaded verbatim, never evaluated', async () => {
    const envFile = path.join(app.workspace, 'app.env');
    const original = fs.readFileSync(envFile, 'utf8');
    fs.writeFileSync(
      envFile,
      `${original}EVIL1=$(touch ${canary})\nEVIL2=\`touch ${canary}\`\nEVIL3='; touch ${canary}'\n`,
    );
    try {
      const result = await deploy(app, inputs({ version: '2.0' }));
      expect(result.error).toBeUndefined();
      expect(fs.readFileSync(path.join(projectDir, 'releases', '2.0', '.env'), 'utf8')).toContain(
        `EVIL1=$(touch ${canary})`,
      );
      expect(fs.existsSync(canary)).toBe(false);
    } finally {
      fs.writeFileSync(envFile, original);
    }
  });
});

describe('remote output', () => {
  test('many MB of remote output: no hang, the tail is kept', async () => {
    const result = await deploy(
      app,
      inputs({
        version: '2.0',
        'post-deploy-command': "head -c 40000000 /dev/zero | tr '\\0' x\necho\necho END-OF-OUTPUT",
      }),
    );
    expect(result.error).toBeUndefined();
    expect(result.log).toContain('END-OF-OUTPUT');
    expect(result.stdout.length).toBeLessThan(4 * 1024 * 1024);
  });

  test('a secret echoed by a remote command is masked', async () => {
    const result = await deploy(
      app,
      inputs({ version: '2.0', 'post-deploy-command': 'cat .env\ngrep APP_SECRET .env | cut -d= -f2' }),
    );
    expect(result.error).toBeUndefined();
    // the remote command printed it twice; both reach the log only as ***
    expect(result.log).toContain('APP_SECRET=***');
    expect(result.log).toMatch(/\] \*\*\*$/m);
    expect(result.leaks([app.secret])).toEqual([]);
  });

  test('a failing remote command fails the step with its last lines, and rolls back', async () => {
    const result = await deploy(
      app,
      inputs({
        version: '3.0',
        images: `web=${images.v3}`,
        'post-deploy-command': 'echo about-to-fail\nfalse\necho never',
      }),
    );
    expect(result.exitCode).toBe(1);
    expect(result.error).toMatch(/the post-hook on .* exited with 1; last output: about-to-fail/);
    expect(result.log).not.toContain('never');
    expect(await served(host, app)).toBe('2.0');
  });
});
