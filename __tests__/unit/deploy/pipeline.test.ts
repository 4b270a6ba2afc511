import { InputError, PolicyFailure, ToolError } from '@deploy-kit/shared';
import {
  PipelineCancelled,
  runPipeline,
  type DeployOutcome,
  type SmokeOutcome,
  type Stages,
} from '../../../actions/deploy/src/pipeline';
import { resultsJson, stagesGantt, summaryMarkdown } from '../../../actions/deploy/src/summary';

const HOSTS = [
  { host: 'web1', status: 'deployed' },
  { host: 'web2', status: 'deployed' },
];

function deployed(version: string, previous: string, extra: Partial<DeployOutcome> = {}): DeployOutcome {
  return {
    version,
    previousVersion: previous,
    outcome: `${version} deployed to 2 host(s)`,
    results: HOSTS,
    summary: `### remote-deploy ${version}`,
    ...extra,
  };
}

const green: SmokeOutcome = { passed: 3, failed: 0, results: [], summary: '### smoke green' };
const red = (why: string): SmokeOutcome => ({
  passed: 0,
  failed: 1,
  results: [],
  summary: '### smoke red',
  failure: new PolicyFailure(why),
});

interface Calls {
  calls: string[];
}

function fake(overrides: Partial<Stages> = {}): Stages & Calls {
  const calls: string[] = [];
  return {
    calls,
    async render() {
      calls.push('render');
      return { path: '/w/.env', keys: ['A', 'B'], sha256: 'f'.repeat(64), summary: '### render' };
    },
    async deploy() {
      calls.push('deploy');
      return deployed('2.0', '1.0');
    },
    async smoke(version, phase) {
      calls.push(`${phase} ${version}`);
      return green;
    },
    async rollback(to) {
      calls.push(`rollback ${to}`);
      return deployed(to, '2.0');
    },
    ...overrides,
  } as Stages & Calls;
}

const OPTIONS = { url: 'https://app.example.com', isRollback: false, dryRun: false };

test('green: render, deploy, smoke-test expecting the deployed version; no rollback', async () => {
  const stages = fake();
  const result = await runPipeline(stages, OPTIONS);
  expect(stages.calls).toEqual(['render', 'deploy', 'smoke-test 2.0']);
  expect(result.failure).toBeUndefined();
  expect(result).toMatchObject({ version: '2.0', previousVersion: '1.0', rolledBack: false });
  expect(result.stages.map((s) => [s.stage, s.status])).toEqual([
    ['render-env', 'passed'],
    ['remote-deploy', 'passed'],
    ['smoke-test', 'passed'],
  ]);
});

test('smoke red: every host back on the previous release, verified by a second smoke test', async () => {
  let n = 0;
  const stages = fake({
    async smoke(version) {
      stages.calls.push(`smoke ${version}`);
      return n++ === 0 ? red("check 'home' failed") : green;
    },
  });
  const result = await runPipeline(stages, OPTIONS);
  expect(stages.calls).toEqual(['render', 'deploy', 'smoke 2.0', 'rollback 1.0', 'smoke 1.0']);
  expect(result.rolledBack).toBe(true);
  expect(result.version).toBe('1.0');
  expect(result.failure).toBeInstanceOf(PolicyFailure);
  expect(result.failure?.message).toBe(
    "The smoke test of 2.0 failed (check 'home' failed); every host (web1, web2) is back on 1.0, and the rollback was verified: the smoke test of 1.0 passed on https://app.example.com.",
  );
});

test('smoke red twice: the rollback is not verified, loudly, naming the hosts', async () => {
  const stages = fake({ smoke: async () => red('home 500') });
  const result = await runPipeline(stages, OPTIONS);
  expect(result.rolledBack).toBe(true);
  expect(result.failure?.message).toMatch(
    /^ROLLBACK NOT VERIFIED: the smoke test of 2\.0 failed \(home 500\)/,
  );
  expect(result.failure?.message).toContain('every host (web1, web2) was put back on 1.0');
  expect(result.failure?.message).toContain('the smoke test of 1.0 failed too (home 500)');
});

test('the rollback itself failing says so and names the hosts not back', async () => {
  const stages = fake({
    smoke: async () => red('home 500'),
    rollback: async (to) =>
      deployed(to, '2.0', {
        results: [
          { host: 'web1', status: 'deployed' },
          { host: 'web2', status: 'failed' },
        ],
        failure: new ToolError('web2: pull failed'),
      }),
  });
  const result = await runPipeline(stages, OPTIONS);
  expect(result.rolledBack).toBe(false);
  expect(result.failure).toBeInstanceOf(ToolError);
  expect(result.failure?.message).toMatch(
    /^ROLLBACK FAILED: .*putting every host back on 1\.0 failed \(web2: pull failed\); hosts not on 1\.0: web2/,
  );
  expect(result.stages.map((s) => s.stage)).toEqual([
    'render-env',
    'remote-deploy',
    'smoke-test',
    'rollback',
  ]);
});

test('a first deploy has nothing to go back to: the hosts stay, the sentence says so', async () => {
  const stages = fake({ deploy: async () => deployed('1.0', ''), smoke: async () => red('home 500') });
  const result = await runPipeline(stages, OPTIONS);
  expect(stages.calls.some((c) => c.startsWith('rollback'))).toBe(false);
  expect(result.rolledBack).toBe(false);
  expect(result.failure?.message).toMatch(
    /there is no previous release to go back to, so every host stays on 1\.0/,
  );
});

test('a rollback-to run is not rolled back again', async () => {
  const stages = fake({ smoke: async () => red('home 500') });
  const result = await runPipeline(stages, { ...OPTIONS, isRollback: true });
  expect(stages.calls.some((c) => c.startsWith('rollback'))).toBe(false);
  expect(result.failure?.message).toMatch(/does not roll back a rollback/);
});

test('render-env failing stops before remote-deploy, keeping the error kind and the summary', async () => {
  const violation = Object.assign(new PolicyFailure('1 violation of django-production'), {
    summary: '### policy',
  });
  const stages = fake({
    render: async () => {
      throw violation;
    },
  });
  const result = await runPipeline(stages, OPTIONS);
  expect(stages.calls).toEqual([]);
  expect(result.failure).toBeInstanceOf(PolicyFailure);
  expect(result.failure?.cause).toBe(violation);
  expect(result.failure?.message).toBe(
    'render-env failed, so no host was touched: 1 violation of django-production.',
  );
  expect(result.stages).toEqual([
    expect.objectContaining({ stage: 'render-env', status: 'failed', summary: '### policy' }),
  ]);
  const bad = await runPipeline(
    fake({ render: async () => Promise.reject(new InputError("'template' is required")) }),
    OPTIONS,
  );
  expect(bad.failure).toBeInstanceOf(InputError);
});

test("remote-deploy failing is remote-deploy's own failure: no smoke test, no second rollback", async () => {
  const failure = new PolicyFailure(
    'deploy of 2.0 failed on web1: health check red; rolled back web1 to 1.0 (healthy)',
  );
  const stages = fake({ deploy: async () => deployed('1.0', '1.0', { failure }) });
  const result = await runPipeline(stages, OPTIONS);
  expect(stages.calls).toEqual(['render']); // the overridden deploy records nothing; no smoke test, no rollback
  expect(result.failure).toBe(failure);
  expect(result.stages.map((s) => s.stage)).toEqual(['render-env', 'remote-deploy']);
});

test('no template: render-env is skipped, the rest runs', async () => {
  const stages = fake({ render: async () => undefined });
  const result = await runPipeline(stages, OPTIONS);
  expect(result.stages[0]).toMatchObject({ stage: 'render-env', status: 'skipped' });
  expect(result.failure).toBeUndefined();
});

test('dry run: no smoke test', async () => {
  const stages = fake();
  const result = await runPipeline(stages, { ...OPTIONS, dryRun: true });
  expect(stages.calls).toEqual(['render', 'deploy']);
  expect(result.failure).toBeUndefined();
});

test('cancelled during the smoke test: where every host stands, as a cancellation', async () => {
  const stages = fake({ smoke: async () => ({ ...red('cancelled by SIGINT'), cancelled: true }) });
  const result = await runPipeline(stages, OPTIONS);
  expect(result.failure).toBeInstanceOf(PipelineCancelled);
  expect(result.failure?.message).toMatch(
    /^Cancelled before the smoke test finished: every host \(web1, web2\) is on 2\.0/,
  );
  expect(result.stages.at(-1)).toMatchObject({ stage: 'smoke-test', status: 'cancelled' });
});

test('the summary: one timeline of the stages, a table, then each stage summary; results keyed by stage', async () => {
  let t = 0;
  const stages = fake({ smoke: async (v) => (v === '2.0' ? red('home: 500 # oops') : green) });
  const result = await runPipeline(stages, { ...OPTIONS, now: () => (t += 1000) });
  const gantt = stagesGantt(result.stages);
  expect(gantt.split('\n').slice(0, 5)).toEqual([
    '```mermaid',
    'gantt',
    '  dateFormat x',
    '  axisFormat %M:%S',
    '  title One-step deploy',
  ]);
  expect(gantt).toContain('section smoke-test\n  failed 1.0 s :crit, st2,');
  expect(gantt).toContain('section rollback\n  passed 1.0 s :done, st3,');
  const md = summaryMarkdown(result);
  expect(md).toMatch(/^## One-step deploy failed: The smoke test of 2\.0 failed/);
  for (const part of [
    '### render',
    '### remote-deploy 2.0',
    '### smoke red',
    '### smoke green',
    'Stage: smoke-test of the rollback',
  ])
    expect(md).toContain(part);
  const json = resultsJson(result.stages);
  expect(Object.keys(json)).toEqual([
    'render-env',
    'remote-deploy',
    'smoke-test',
    'rollback',
    'rollback-smoke-test',
  ]);
  expect(json['remote-deploy']).toMatchObject({ status: 'passed', results: HOSTS });
});

test('a cancel between stages starts no other stage, and says where the hosts stand', async () => {
  let signal: NodeJS.Signals | undefined;
  const afterRender = fake({
    async render() {
      signal = 'SIGINT';
      return undefined;
    },
  });
  const r1 = await runPipeline(afterRender, { ...OPTIONS, cancelled: () => signal });
  expect(afterRender.calls).toEqual([]);
  expect(r1.failure?.message).toBe('Cancelled by SIGINT before remote-deploy started: no host was touched.');

  signal = undefined;
  const afterSmoke = fake({
    async smoke() {
      signal = 'SIGTERM';
      return red('home 500');
    },
  });
  const r2 = await runPipeline(afterSmoke, { ...OPTIONS, cancelled: () => signal });
  expect(afterSmoke.calls).toEqual(['render', 'deploy']);
  expect(r2.failure).toBeInstanceOf(PipelineCancelled);
  expect(r2.failure?.message).toBe(
    'NOT ROLLED BACK: cancelled after the smoke test of 2.0 failed (home 500), before the rollback; every host (web1, web2) is still on 2.0: put them back now with rollback-to: 1.0.',
  );
});
