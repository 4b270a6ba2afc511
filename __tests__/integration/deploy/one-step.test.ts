import * as fs from 'node:fs';
import * as path from 'node:path';
import { runAction, waitFor, type RunActionResult } from '@deploy-kit/harness';
import {
  cleanup,
  currentRelease,
  hosts,
  hostsYaml,
  knownHosts,
  makeApp,
  releaseLog,
  sandbox,
  served,
  type App,
} from '../remote-deploy/helpers';
import {
  buildReleaseImage,
  lockHeld,
  PAGE_PATH,
  startBalancer,
  TEMPLATE,
  versionSuiteInputs,
  type Balancer,
} from './helpers';

// The one-step deploy (the root action's committed bundle, run as the runner runs it) on three
// sandbox hosts behind nginx with TLS: render-env -> remote-deploy -> smoke-test over the public
// URL, and the automatic rollback when the smoke test is red after a healthy switch.

const targets = hosts.slice(0, 3);
const privateKey = fs.readFileSync(sandbox.ssh.clientKey, 'utf8');
let app: App;
let lb: Balancer;
const images: Record<string, string> = {};
let secretValue: string;

beforeAll(async () => {
  expect(targets).toHaveLength(3);
  app = makeApp(targets);
  secretValue = `app-secret-${app.id}-${'x'.repeat(24)}`;
  fs.mkdirSync(path.join(app.workspace, 'deploy'));
  fs.writeFileSync(path.join(app.workspace, 'deploy', 'env.template'), TEMPLATE);
  fs.writeFileSync(
    path.join(app.workspace, 'deploy', 'bad.template'),
    `DEBUG=true\nDJANGO_SECRET_KEY={{ secrets.APP_SECRET }}\n${TEMPLATE}`,
  );
  images['1.0'] = buildReleaseImage('1.0', '1.0');
  images['2.0'] = buildReleaseImage('2.0', '2.0');
  // The fault: 3.0 was built from a stale tree and reports 2.0. Healthy to Compose, wrong to the smoke test.
  images['3.0'] = buildReleaseImage('3.0', '2.0');
  // 4.0 never answers its healthcheck: remote-deploy's health gate puts every host back itself.
  images['4.0'] = buildReleaseImage('4.0', '4.0', { broken: true });
  // 5.0's journey page answers 503 for its first 5 s, then 200; 6.0's answers 500 forever.
  images['5.0'] = buildReleaseImage('5.0', '5.0', { page: 'warming' });
  images['6.0'] = buildReleaseImage('6.0', '6.0', { page: 'broken' });
  lb = await startBalancer(targets.map((h) => `${h.host}:${app.port}`));
}, 120_000);

afterAll(() => {
  lb?.stop();
  if (app) cleanup(app, targets);
});

function inputs(version: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    template: 'deploy/env.template',
    vars: JSON.stringify({ port: app.port, data_dir: app.dataDir }),
    secrets: JSON.stringify({ APP_SECRET: secretValue }),
    output: '.deploy/.env',
    hosts: hostsYaml(app, targets),
    user: sandbox.ssh.user,
    'private-key': privateKey,
    'known-hosts': knownHosts(targets),
    'project-dir': '/unused-overridden-per-host',
    'compose-files': 'docker-compose.yml',
    images: `web=${images[version] ?? ''}`,
    version,
    'health-timeout': '30s',
    'lock-timeout': '5s',
    // busybox httpd cannot listen beside itself (no SO_REUSEPORT): the plain up -d.
    strategy: 'recreate',
    // Every host switches at once, as these tests were written for (rolling batches and their
    // rollback are remote-deploy's fleet tests): a red health gate finds every host switched.
    'max-unavailable': '100%',
    ...versionSuiteInputs(lb.url),
    ...extra,
  };
}

function oneStep(
  version: string,
  extra: Record<string, string> = {},
  options = {},
): Promise<RunActionResult> {
  return runAction({
    action: '.',
    workspace: app.workspace,
    inputs: inputs(version, extra),
    timeoutMs: 240_000,
    ...options,
  });
}

function expectNoLeak(run: RunActionResult): void {
  expect(run.leaks([secretValue, privateKey.trim(), ...privateKey.trim().split('\n').slice(1, -1)])).toEqual(
    [],
  );
}

type Stages = Record<string, { status: string; results: unknown }>;

/** The stages of the one-step deploy's `results` (its envelope first: status, failure). */
function stagesOf(run: { outputs: Record<string, string> }): Stages {
  return (JSON.parse(run.outputs.results ?? '{}') as { stages: Stages }).stages;
}

test('deploys 1.0 then 2.0 to three hosts: rendered, deployed, smoke-tested over TLS', async () => {
  const first = await oneStep('1.0');
  expect(first.error).toBeUndefined();
  expect(first.exitCode).toBe(0);
  const second = await oneStep('2.0');
  expect(second.error).toBeUndefined();
  expect(second.exitCode).toBe(0);
  expect(second.outputs.version).toBe('2.0');
  expect(second.outputs['previous-version']).toBe('1.0');
  expect(second.outputs['rolled-back']).toBe('false');
  expect(JSON.parse(second.outputs.results ?? '{}')).toMatchObject({ status: 'passed', rolledBack: false });
  const stages = stagesOf(second);
  expect(Object.keys(stages)).toEqual(['render-env', 'remote-deploy', 'smoke-test']);
  for (const s of Object.values(stages)) expect(s.status).toBe('passed');
  expect((stages['remote-deploy']!.results as { hosts: unknown[] }).hosts).toHaveLength(3);
  for (const [i, h] of targets.entries()) {
    expect(await served(h, app)).toBe('2.0');
    expect(currentRelease(app.projectDirs[i]!)).toBe('2.0');
    expect(lockHeld(app.projectDirs[i]!)).toBe(false);
  }
  // One timeline for the stages, then each stage's own table.
  expect(second.summary).toMatch(/```mermaid\n%%\{init: .*\}%%\ngantt\n/);
  expect(second.summary).toMatch(/section render-env[\s\S]*section remote-deploy[\s\S]*section smoke-test/);
  // Each stage's own summary follows, under its own heading.
  expect(second.summary).toMatch(/\| Check \| Result \|/);
  // The version suite expected the version just deployed, read over TLS through the balancer.
  expect(second.log).toMatch(/pass version: deployed release answers/);
  expectNoLeak(first);
  expectNoLeak(second);
});

test('a release that passes the health gate but fails the smoke test is rolled back on every host, verified', async () => {
  const run = await oneStep('3.0');
  expect(run.exitCode).toBe(1);
  expect(run.error).toMatch(/The smoke test of 3\.0 failed \(/);
  expect(run.error).toMatch(/every host is back on 2\.0, verified by its smoke test\.$/);
  expect(run.error!.length).toBeLessThanOrEqual(200 + 'Policy failed: '.length);
  expect(run.outputs['rolled-back']).toBe('true');
  expect(run.outputs['rollback-reason']).toBe('smoke-test');
  expect(run.outputs.version).toBe('2.0');
  const stages = stagesOf(run);
  expect(Object.fromEntries(Object.entries(stages).map(([k, v]) => [k, v.status]))).toEqual({
    'render-env': 'passed',
    'remote-deploy': 'passed',
    'smoke-test': 'failed',
    rollback: 'passed',
    'rollback-smoke-test': 'passed',
  });
  for (const [i, h] of targets.entries()) {
    // Over HTTP, on each host directly, and by the release log: 3.0 went out healthy, 2.0 came back.
    expect(await served(h, app)).toBe('2.0');
    expect(currentRelease(app.projectDirs[i]!)).toBe('2.0');
    expect(releaseLog(app.projectDirs[i]!).slice(-2)).toMatchObject([
      { version: '3.0', outcome: 'deployed' },
      { version: '2.0', outcome: 'rollback-to' },
    ]);
    expect(lockHeld(app.projectDirs[i]!)).toBe(false);
  }
  // The rollback's own remote-deploy and smoke-test summaries follow the first ones.
  expect(run.summary.match(/\| Check \| Result \|/g)).toHaveLength(2);
  expectNoLeak(run);
});

test('a smoke test red before and after the rollback fails loudly, naming the hosts', async () => {
  const run = await oneStep('1.0', {
    // A check no release passes: the rollback cannot be verified either.
    checks: JSON.stringify([{ name: 'missing page', url: '/no-such-page', expect: { status: 200 } }]),
  });
  expect(run.exitCode).toBe(1);
  expect(run.error).toMatch(
    /^Policy failed: ROLLBACK NOT VERIFIED: 1\.0 failed its smoke test and every host is back on 2\.0, but 2\.0 failed its smoke test too: check /,
  );
  expect(run.error!.length).toBeLessThanOrEqual(200 + 'Policy failed: '.length);
  expect(run.outputs['rolled-back']).toBe('true');
  for (const [i, h] of targets.entries()) {
    expect(await served(h, app)).toBe('2.0');
    expect(releaseLog(app.projectDirs[i]!).at(-1)).toMatchObject({ version: '2.0', outcome: 'rollback-to' });
  }
  expectNoLeak(run);
});

test('a render-env policy violation stops the step before any host is touched', async () => {
  const logsBefore = app.projectDirs.map((d) => releaseLog(d).length);
  const run = await oneStep('1.0', { template: 'deploy/bad.template', profile: 'django-production' });
  expect(run.exitCode).toBe(1);
  // render-env annotates each violation as an error; the step's own failure is the last one.
  const errors = run.annotations.filter((a) => a.level === 'error').map((a) => a.message);
  expect(errors[0]).toMatch(/^DEBUG must be False/);
  expect(errors.at(-1)).toMatch(
    /^Policy failed: render-env failed, so no host was touched: \d+ violations? of django-production/,
  );
  const stages = stagesOf(run);
  expect(Object.keys(stages)).toEqual(['render-env']);
  expect(run.summary).toMatch(/Policy `django-production`:\*\* failed/);
  expect(run.log).not.toMatch(/connected as/);
  for (const [i, h] of targets.entries()) {
    expect(releaseLog(app.projectDirs[i]!).length).toBe(logsBefore[i]);
    expect(currentRelease(app.projectDirs[i]!)).toBe('2.0');
    expect(await served(h, app)).toBe('2.0');
  }
  expectNoLeak(run);
});

test('a runner cancel during the smoke test leaves every host on the new release and no lock held', async () => {
  const run = await oneStep(
    '1.0',
    {
      // Refused connections are retried until the 60 s timeout: the cancel lands mid-test.
      checks: JSON.stringify([{ name: 'slow to pass', url: 'http://127.0.0.1:9/', expect: { status: 200 } }]),
      'smoke-timeout': '60s',
    },
    { signal: 'runner-cancel', signalWhenStdout: '▶ smoke-test of 1.0' },
  );
  expect(run.signal).toBeNull();
  expect(run.exitCode).toBe(1);
  // Well inside the runner's 10 s: no SIGKILL was needed.
  expect(run.durationMs).toBeLessThan(60_000);
  const names = targets.map((h) => `${h.host}:${h.port}`).join(', ');
  expect(run.error).toContain(`Cancelled during the smoke test: every host (${names}) stays on 1.0`);
  for (const [i, h] of targets.entries()) {
    expect(await served(h, app)).toBe('1.0');
    expect(currentRelease(app.projectDirs[i]!)).toBe('1.0');
    expect(lockHeld(app.projectDirs[i]!)).toBe(false);
    expect(releaseLog(app.projectDirs[i]!).at(-1)).toMatchObject({ version: '1.0', outcome: 'deployed' });
  }
  const stages = stagesOf(run);
  expect(stages['smoke-test']?.status).toBe('cancelled');
  expect(JSON.parse(run.outputs.results ?? '{}')).toMatchObject({ status: 'cancelled', rolledBack: false });
  expectNoLeak(run);
});

test("a release red at remote-deploy's health gate: every host back, rolled-back true with reason health-gate, a rollback stage", async () => {
  const run = await oneStep('4.0');
  expect(run.exitCode).toBe(1);
  expect(run.outputs['rolled-back']).toBe('true');
  expect(run.outputs['rollback-reason']).toBe('health-gate');
  expect(run.outputs.version).toBe('1.0');
  const results = JSON.parse(run.outputs.results ?? '{}') as { status: string; stages: Stages };
  expect(results.status).toBe('failed');
  expect(Object.fromEntries(Object.entries(results.stages).map(([k, v]) => [k, v.status]))).toEqual({
    'render-env': 'passed',
    'remote-deploy': 'failed',
    rollback: 'passed',
  });
  expect((results.stages.rollback as unknown as { detail: string }).detail).toBe(
    'remote-deploy put 3 hosts back on 1.0 (health gate red)',
  );
  for (const [i, h] of targets.entries()) {
    expect(await served(h, app)).toBe('1.0');
    expect(currentRelease(app.projectDirs[i]!)).toBe('1.0');
    expect(lockHeld(app.projectDirs[i]!)).toBe(false);
  }
  expectNoLeak(run);
});

/** workflows-examples/deploy.yml's smoke settings (smoke-timeout 2m, default warm-up) and a journey page. */
const JOURNEY = {
  checks: JSON.stringify([{ name: 'journey page', url: PAGE_PATH, expect: { status: 200 } }]),
  'smoke-timeout': '2m',
};

type TimedStage = { status: string; startMs: number; durationMs: number; results: unknown };

function timedStages(run: { outputs: Record<string, string> }): Record<string, TimedStage> {
  return (JSON.parse(run.outputs.results ?? '{}') as { stages: Record<string, TimedStage> }).stages;
}

function journeyAttempts(stage: TimedStage | undefined): number {
  const checks = (stage?.results as { checks?: { name: string; attempts: number }[] })?.checks ?? [];
  return checks.find((c) => c.name === 'journey page')?.attempts ?? 0;
}

test('a release answering 503 for its first seconds, then 200, passes the smoke test (inside the warm-up)', async () => {
  const run = await oneStep('5.0', JOURNEY);
  expect(run.error).toBeUndefined();
  expect(run.exitCode).toBe(0);
  const stages = timedStages(run);
  expect(stages['smoke-test']?.status).toBe('passed');
  // It did see the 503s: retried, then passed.
  expect(journeyAttempts(stages['smoke-test'])).toBeGreaterThan(1);
  for (const h of targets) expect(await served(h, app)).toBe('5.0');
});

test('a release that keeps answering 500 is rolled back within 15 s of its first 500 (smoke-timeout 2m)', async () => {
  const run = await oneStep('6.0', JOURNEY);
  expect(run.exitCode).toBe(1);
  expect(run.error).toMatch(/The smoke test of 6\.0 failed \(check 'journey page' failed after \d+ attempts/);
  expect(run.error).toMatch(/every host is back on 5\.0, verified by its smoke test\.$/);
  expect(run.outputs['rolled-back']).toBe('true');
  expect(run.outputs['rollback-reason']).toBe('smoke-test');
  const stages = timedStages(run);
  expect(stages.rollback?.status).toBe('passed');
  expect(stages['rollback-smoke-test']?.status).toBe('passed');
  // The first 500 comes with the smoke test's first attempt: from then to the rollback's start.
  const toRollbackMs = (stages.rollback?.startMs ?? Infinity) - (stages['smoke-test']?.startMs ?? 0);
  console.log(`time to rollback (smoke-test start -> rollback start): ${toRollbackMs} ms`);
  expect(toRollbackMs).toBeLessThanOrEqual(15_000);
  for (const h of targets) expect(await served(h, app)).toBe('5.0');
  expectNoLeak(run);
});

// A cancel at each stage, through the committed root bundle: what the README's cancel table says.

test("cancel during the rollback's smoke test: every host stays back on the previous release, rolled-back true", async () => {
  const run = await oneStep('6.0', JOURNEY, {
    signal: 'runner-cancel',
    // 5.0's page answers 503 for 5 s after the rollback restarted it: the cancel lands mid-test.
    signalWhenStdout: '▶ smoke-test of the rollback to 5.0',
  });
  expect(run.signal).toBeNull();
  expect(run.exitCode).toBe(1);
  expect(run.error).toMatch(/Cancelled while verifying the rollback: every host \(.*\) is back on 5\.0/);
  expect(run.outputs['rolled-back']).toBe('true');
  expect(run.outputs['rollback-reason']).toBe('smoke-test');
  expect(run.outputs.version).toBe('5.0');
  const stages = timedStages(run);
  expect(JSON.parse(run.outputs.results ?? '{}')).toMatchObject({ status: 'cancelled' });
  expect(stages.rollback?.status).toBe('passed');
  expect(stages['rollback-smoke-test']?.status ?? 'cancelled').toBe('cancelled');
  for (const [i, h] of targets.entries()) {
    expect(await served(h, app)).toBe('5.0');
    expect(lockHeld(app.projectDirs[i]!)).toBe(false);
  }
});

test('cancel during the rollback: NOT ROLLED BACK, every host on the failed release, rollback-to named', async () => {
  const run = await oneStep('6.0', JOURNEY, {
    signal: 'runner-cancel',
    signalWhenStdout: '▶ rollback: remote-deploy rollback-to 5.0',
  });
  expect(run.signal).toBeNull();
  expect(run.exitCode).toBe(1);
  expect(run.error).toContain(
    'NOT ROLLED BACK: cancelled during the rollback to 5.0; remote-deploy put any host it had switched back on 6.0, which failed its smoke test: run rollback-to: 5.0 now.',
  );
  expect(run.outputs['rolled-back']).toBe('false');
  expect(run.outputs['rollback-reason']).toBe('');
  expect(JSON.parse(run.outputs.results ?? '{}')).toMatchObject({ status: 'cancelled' });
  expect(timedStages(run).rollback?.status).toBe('cancelled');
  for (const [i, h] of targets.entries()) {
    await waitFor(`${h.host} to serve 6.0`, async () => (await served(h, app)) === '6.0', 30_000);
    expect(currentRelease(app.projectDirs[i]!)).toBe('6.0');
    expect(lockHeld(app.projectDirs[i]!)).toBe(false);
  }
});

test('cancel during remote-deploy after a host switched: switched hosts go back, rolled-back true, reason cancel', async () => {
  const run = await oneStep(
    '4.0',
    { 'health-timeout': '60s' },
    { signal: 'runner-cancel', signalWhenStdout: 'switched to 4.0' },
  );
  expect(run.signal).toBeNull();
  expect(run.exitCode).toBe(1);
  expect(run.outputs['rolled-back']).toBe('true');
  expect(run.outputs['rollback-reason']).toBe('cancel');
  expect(run.outputs.version).toBe('6.0');
  const stages = timedStages(run);
  expect(JSON.parse(run.outputs.results ?? '{}')).toMatchObject({ status: 'cancelled' });
  expect(stages['remote-deploy']?.status).toBe('cancelled');
  expect(stages.rollback?.status).toBe('passed');
  expect(stages['smoke-test']).toBeUndefined();
  for (const [i, h] of targets.entries()) {
    await waitFor(`${h.host} to serve 6.0`, async () => (await served(h, app)) === '6.0', 30_000);
    expect(currentRelease(app.projectDirs[i]!)).toBe('6.0');
    expect(lockHeld(app.projectDirs[i]!)).toBe(false);
  }
});

test('cancel during render-env: no host is touched', async () => {
  const logsBefore = app.projectDirs.map((d) => releaseLog(d).length);
  const run = await oneStep('5.0', {}, { signal: 'runner-cancel', signalWhenStdout: '▶ render-env' });
  expect(run.signal).toBeNull();
  expect(run.exitCode).toBe(1);
  // The render is local and takes milliseconds: the cancel lands before remote-deploy starts, or
  // as it starts (connecting): either way before any host switches.
  expect(run.error).toMatch(/before remote-deploy started: no host was touched|Cancelled by SIG/);
  expect(run.outputs['rolled-back']).toBe('false');
  expect(JSON.parse(run.outputs.results ?? '{}')).toMatchObject({ status: 'cancelled' });
  expect(timedStages(run)['smoke-test']).toBeUndefined();
  for (const [i, h] of targets.entries()) {
    expect(currentRelease(app.projectDirs[i]!)).toBe('6.0');
    expect(await served(h, app)).toBe('6.0');
    expect(lockHeld(app.projectDirs[i]!)).toBe(false);
    const added = releaseLog(app.projectDirs[i]!).slice(logsBefore[i]) as { outcome?: string }[];
    expect(added.filter((e) => e.outcome === 'deployed')).toEqual([]);
  }
});
