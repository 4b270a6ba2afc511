import { InputError, PolicyFailure, ToolError, type ActionError } from '@deploy-kit/shared';
import { messages, PipelineCancelled, runPipeline, type Stages } from '../../../actions/deploy/src/pipeline';
import type { DeployRun, RenderRun, SmokeRun } from '../../../actions/deploy/src/stage-results';
import { resultsJson, stagesGantt, summaryMarkdown } from '../../../actions/deploy/src/summary';

const HOSTS = [
  { host: 'web1', status: 'deployed' },
  { host: 'web2', status: 'deployed' },
];

function deployed(
  version: string,
  previous: string,
  extra: { hosts?: unknown[]; failure?: ActionError; status?: string } = {},
): DeployRun {
  return {
    outputs: {
      version,
      'previous-version': previous,
      results: { status: extra.status ?? (extra.failure ? 'failed' : 'passed'), hosts: extra.hosts ?? HOSTS },
    },
    summary: `### remote-deploy ${version}`,
    ...(extra.failure ? { failure: extra.failure } : {}),
  };
}

const green: SmokeRun = {
  outputs: { 'passed-count': 3, results: { status: 'passed' } },
  summary: '### smoke green',
};
const red = (why: string, status = 'failed'): SmokeRun => ({
  outputs: { 'passed-count': 0, results: { status } },
  summary: '### smoke red',
  failure: new PolicyFailure(why),
});
const rendered: RenderRun = {
  outputs: { keys: ['A', 'B'], sha256: 'f'.repeat(64), results: { status: 'passed' } },
  summary: '### render',
};

interface Calls {
  calls: string[];
}

function fake(overrides: Partial<Stages> = {}): Stages & Calls {
  const calls: string[] = [];
  return {
    calls,
    async render() {
      calls.push('render');
      return rendered;
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
  expect(result.rollbackReason).toBe('smoke-test');
  expect(result.failure?.message).toBe(
    "The smoke test of 2.0 failed (check 'home' failed); every host is back on 1.0, verified by its smoke test.",
  );
});

test('smoke red twice: the rollback is not verified, loudly, naming the hosts', async () => {
  const stages = fake({ smoke: async () => red('home 500') });
  const result = await runPipeline(stages, OPTIONS);
  expect(result.rolledBack).toBe(true);
  expect(result.failure?.message).toBe(
    'ROLLBACK NOT VERIFIED: 2.0 failed its smoke test and every host is back on 1.0, but 1.0 failed its smoke test too: check https://app.example.com now.',
  );
  // What each smoke test found is in the stage table, not in the one line.
  expect(result.stages.map((s) => s.detail)).toContain('home 500');
});

test('the rollback itself failing says so and names the hosts not back', async () => {
  const stages = fake({
    smoke: async () => red('home 500'),
    rollback: async (to) =>
      deployed(to, '2.0', {
        hosts: [
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
    /^ROLLBACK FAILED: 2\.0 failed its smoke test and putting the hosts back on 1\.0 failed \(not on 1\.0: web2\)/,
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
    /there is no previous release to go back to: every host stays on 1\.0/,
  );
});

test('a rollback-to run is not rolled back again', async () => {
  const stages = fake({ smoke: async () => red('home 500') });
  const result = await runPipeline(stages, { ...OPTIONS, isRollback: true });
  expect(stages.calls.some((c) => c.startsWith('rollback'))).toBe(false);
  expect(result.failure?.message).toMatch(/a rollback is not rolled back/);
});

test('render-env failing stops before remote-deploy, keeping the error kind and the summary', async () => {
  const violation = new PolicyFailure('1 violation of django-production');
  const stages = fake({
    render: async () => ({ ...rendered, summary: '### policy', failure: violation }),
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
    fake({ render: async () => ({ ...rendered, failure: new InputError("'template' is required") }) }),
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
  expect(result.rolledBack).toBe(false);
});

test('hosts remote-deploy put back after its health gate went red: rolled-back, reason health-gate, a rollback stage', async () => {
  const failure = new PolicyFailure(
    'deploy of 2.0 failed on web2: health check red; rolled back web1, web2 to 1.0',
  );
  const hosts = [
    { host: 'web1', status: 'rolled-back', steps: [{ name: 'rollback', ms: 1200 }] },
    {
      host: 'web2',
      status: 'rolled-back',
      steps: [
        { name: 'health', ms: 900 },
        { name: 'rollback', ms: 1500 },
      ],
    },
  ];
  const stages = fake({ deploy: async () => deployed('1.0', '1.0', { failure, hosts }) });
  const result = await runPipeline(stages, OPTIONS);
  expect(result).toMatchObject({ rolledBack: true, rollbackReason: 'health-gate', failure });
  const rollback = result.stages.find((s) => s.stage === 'rollback');
  expect(rollback).toMatchObject({
    status: 'passed',
    detail: 'remote-deploy put 2 hosts back on 1.0 (health gate red)',
  });
  expect((rollback?.endMs ?? 0) - (rollback?.startMs ?? 0)).toBe(1500);
  const cancelled = await runPipeline(
    fake({ deploy: async () => deployed('1.0', '1.0', { failure, hosts, status: 'cancelled' }) }),
    OPTIONS,
  );
  expect(cancelled).toMatchObject({ rolledBack: true, rollbackReason: 'cancel' });
  const notBack = await runPipeline(
    fake({
      deploy: async () =>
        deployed('1.0', '1.0', { failure, hosts: [{ host: 'web1', status: 'rollback-failed' }] }),
    }),
    OPTIONS,
  );
  expect(notBack.rolledBack).toBe(false);
  expect(notBack.stages.at(-1)).toMatchObject({ stage: 'rollback', status: 'failed' });
});

test('every failure sentence is one short line (at most 200 characters) for ordinary names', () => {
  const url = 'https://shop.example.com/';
  const hosts = 'web1.example.com, web2.example.com, web3.example.com';
  const long = 'x'.repeat(400);
  for (const sentence of [
    messages.noPrevious('2.10.3-rc.1'),
    messages.rolledBackVerified('2.10.3-rc.1', '2.10.2', long),
    messages.rollbackNotVerified('2.10.3-rc.1', '2.10.2', url),
    messages.rollbackFailed('2.10.3-rc.1', '2.10.2', hosts),
    messages.notRolledBackAgain('2.10.3-rc.1'),
    messages.cancelledBeforeDeploy('SIGINT'),
    messages.cancelledInSmoke('2.10.3-rc.1', hosts),
    messages.cancelledBeforeRollback('2.10.3-rc.1', '2.10.2', hosts),
    messages.cancelledInRollback('2.10.3-rc.1', '2.10.2'),
    messages.cancelledInRollbackSmoke('2.10.3-rc.1', '2.10.2', hosts),
  ])
    expect({ sentence, short: sentence.length <= 200 }).toEqual({ sentence, short: true });
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
  const stages = fake({ smoke: async () => red('cancelled by SIGINT', 'cancelled') });
  const result = await runPipeline(stages, OPTIONS);
  expect(result.failure).toBeInstanceOf(PipelineCancelled);
  expect(result.failure?.message).toMatch(
    /^Cancelled during the smoke test: every host \(web1, web2\) stays on 2\.0/,
  );
  expect(result.stages.at(-1)).toMatchObject({ stage: 'smoke-test', status: 'cancelled' });
});

test('cancelled during the rollback: not rolled back, says what to run, as a cancellation', async () => {
  const remote = new ToolError('Cancelled by SIGINT; web1 was put back on 2.0; released the deploy lock');
  const stages = fake({
    smoke: async () => red('home: 500'),
    rollback: async () => deployed('1.0', '2.0', { failure: remote, status: 'cancelled' }),
  });
  const result = await runPipeline(stages, OPTIONS);
  expect(result.failure).toBeInstanceOf(PipelineCancelled);
  expect(result.failure?.message).toBe(
    'NOT ROLLED BACK: cancelled during the rollback to 1.0; remote-deploy put any host it had switched back on 2.0, which failed its smoke test: run rollback-to: 1.0 now.',
  );
  expect(result).toMatchObject({ rolledBack: false, rollbackReason: '', version: '2.0' });
  expect(result.stages.at(-1)).toMatchObject({ stage: 'rollback', status: 'cancelled' });
});

test('the summary: one timeline of the stages, a table, then each stage summary; results keyed by stage', async () => {
  let t = 0;
  const stages = fake({ smoke: async (v) => (v === '2.0' ? red('home: 500 # oops') : green) });
  const result = await runPipeline(stages, { ...OPTIONS, now: () => (t += 1000) });
  const gantt = stagesGantt(result.stages);
  const lines = gantt.split('\n');
  expect(lines[0]).toBe('```mermaid');
  expect(lines[1]).toMatch(/^%%\{init: \{"themeVariables":\{"doneTaskBkgColor":"#4ac26b"/);
  expect(lines.slice(2, 6)).toEqual([
    'gantt',
    '  dateFormat HH:mm:ss.SSS',
    '  axisFormat %M:%S',
    '  title One-step deploy',
  ]);
  // Elapsed time from the first stage (1000 ms on the fake clock): the axis starts at 00:00.
  expect(gantt).toContain('section render-env\n  passed 1.0 s :done, st0, 00:00:00.000, 00:00:01.000');
  expect(gantt).toContain('section smoke-test\n  failed 1.0 s :crit, st2,');
  expect(gantt).toContain('section rollback\n  passed 1.0 s :done, st3,');
  const md = summaryMarkdown(result);
  // One short `##` headline; the failure sentence below it; each stage's summary one level down.
  expect(md).toMatch(
    /^## One-step deploy failed: rolled back to 1\.0 \(smoke test red\)\n\n\*\*Failure:\*\* The smoke test of 2\.0 failed/,
  );
  for (const part of ['#### render', '#### remote-deploy 2.0', '#### smoke red', '#### smoke green'])
    expect(md).toContain(part);
  expect(md.match(/^## /gm)).toHaveLength(1);
  const json = resultsJson(result, { status: 'failed', failure: 'x' });
  expect(json).toMatchObject({
    status: 'failed',
    failure: 'x',
    rolledBack: true,
    rollbackReason: 'smoke-test',
  });
  const byStage = json.stages as Record<string, unknown>;
  expect(Object.keys(byStage)).toEqual([
    'render-env',
    'remote-deploy',
    'smoke-test',
    'rollback',
    'rollback-smoke-test',
  ]);
  expect(byStage['remote-deploy']).toMatchObject({ status: 'passed', results: { hosts: HOSTS } });
});

test('a cancel between stages starts no other stage, and says where the hosts stand', async () => {
  let signal: string | undefined;
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
    'NOT ROLLED BACK: cancelled after 2.0 failed its smoke test; every host (web1, web2) is still on 2.0: run rollback-to: 1.0 now.',
  );
});
