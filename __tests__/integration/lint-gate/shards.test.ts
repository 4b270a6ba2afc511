import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT, runAction, type RunActionResult } from '@deploy-kit/harness';
import { SHARD_PLUGIN } from '../../../actions/lint-gate/src/shard/plugin';
import { git, toolEnv, toolsBin } from '../../fixtures/lint-gate/projects';

// Issue 22: a generated suite run whole, and as 4 shards through the committed bundle + mode: merge,
// gives the same verdict: coverage, diff coverage (a pull request's added lines), test counts,
// gates, failure sentence and annotations. A missing, duplicated or crashed shard makes the merge
// could-not-run with a sentence. (The 2,000-test timing version is bench/lint-gate-shards.mjs.)

jest.setTimeout(300_000);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dk-lint-shards-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
beforeAll(() => {
  toolsBin();
});

const GEN = path.join(REPO_ROOT, '__tests__/fixtures/lint-gate/gen_suite.py');

/** A git checkout of a generated suite: the base on main, a change adding lines on `feature`. */
function suite(name: string, args: string[]): string {
  const ws = path.join(tmp, name);
  execFileSync('python3', [GEN, ws, '--tests', '120', '--files', '8', '--scale', '0.05', ...args]);
  git(ws, 'init', '-q', '-b', 'main');
  git(ws, 'add', '-A');
  git(ws, 'commit', '-q', '-m', 'base');
  git(ws, 'checkout', '-q', '-b', 'feature');
  // Added lines: f0 is called by the tests (covered), g is not (uncovered).
  fs.appendFileSync(path.join(ws, 'app/mod1.py'), '\n\ndef g(x):\n    y = x + 1\n    return y * 2\n');
  fs.writeFileSync(
    path.join(ws, 'app/mod2.py'),
    fs
      .readFileSync(path.join(ws, 'app/mod2.py'), 'utf8')
      .replace('def f0(x):\n', 'def f0(x):\n    x = x + 0\n'),
  );
  git(ws, 'commit', '-q', '-am', 'change');
  return ws;
}

const BASE_INPUTS = {
  tools: 'black, flake8, pytest',
  'coverage-threshold': '70',
  'diff-coverage-threshold': '50',
  'base-ref': 'main',
};

function lint(ws: string, inputs: Record<string, string>): Promise<RunActionResult> {
  return runAction({
    action: 'lint-gate',
    workspace: ws,
    inputs: { ...BASE_INPUTS, ...inputs },
    env: toolEnv(),
    timeoutMs: 240_000,
  });
}

/** What a verdict is made of: everything but timings. */
function verdict(run: RunActionResult) {
  const results = JSON.parse(run.outputs.results ?? '{}') as {
    status: string;
    failure?: string;
    gates: Record<string, Record<string, unknown>>;
  };
  const gates = Object.fromEntries(
    Object.entries(results.gates).map(([g, r]) => [g, { ...r, durationMs: undefined }]),
  );
  return {
    exitCode: run.exitCode,
    status: results.status,
    failure: results.failure,
    gates,
    coverage: run.outputs.coverage,
    diffCoverage: run.outputs['diff-coverage'],
    failedTools: run.outputs['failed-tools'],
    // pytest's assertion messages name function objects by address, which differ between any two runs.
    annotations: run.annotations.map((a) =>
      `${a.level} ${a.file ?? ''}:${a.line ?? ''} ${a.message}`.replace(/ at 0x[0-9a-f]+/g, ''),
    ),
  };
}

async function shards(ws: string, n: number, extra: Record<string, string> = {}): Promise<RunActionResult[]> {
  const runs: RunActionResult[] = [];
  for (let k = 1; k <= n; k++) runs.push(await lint(ws, { shard: `${k}/${n}`, ...extra }));
  return runs;
}

const record = (ws: string, k: number, n: number) =>
  JSON.parse(fs.readFileSync(path.join(ws, `lint-gate-shards/shard-${k}-of-${n}/shard.json`), 'utf8')) as {
    plugin: { assigned: string[]; split: string; collected: number };
    gates: { gate: string }[];
  };

/** The shipped plugin's split(ids, durations, total), run by the pinned tools' Python. */
function split(
  ids: string[],
  durations: Record<string, number>,
  total: number,
  lintSeconds = 0,
): Record<string, number> {
  const dir = path.join(tmp, 'plugin');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'deploy_kit_shard.py'), SHARD_PLUGIN);
  const code = [
    'import json, sys, deploy_kit_shard as p',
    'ids, durations, total, lint = json.loads(sys.argv[1])',
    'owner, mode = p.split(ids, durations, total, lint)',
    'print(json.dumps(owner, sort_keys=True))',
  ].join('\n');
  const out = execFileSync(
    path.join(toolsBin(), 'python'),
    ['-c', code, JSON.stringify([ids, durations, total, lintSeconds])],
    {
      cwd: dir,
      encoding: 'utf8',
    },
  );
  return JSON.parse(out) as Record<string, number>;
}

describe("the plugin's split", () => {
  const ids = [
    'a.py::t1',
    'a.py::t2',
    'a.py::t3',
    'a.py::t4',
    'b.py::t1',
    'b.py::t2',
    'c.py::t1',
    'c.py::t2',
  ];
  test('no durations: whole files by their number of tests', () => {
    expect(split(ids, {}, 2)).toEqual({
      'a.py::t1': 0,
      'a.py::t2': 0,
      'a.py::t3': 0,
      'a.py::t4': 0,
      'b.py::t1': 1,
      'b.py::t2': 1,
      'c.py::t1': 1,
      'c.py::t2': 1,
    });
  });
  test('durations: the longest test first onto the least loaded shard; unknown tests at their file mean', () => {
    const owner = split(
      ids,
      { 'a.py::t1': 10, 'a.py::t2': 1, 'b.py::t1': 1, 'b.py::t2': 1, 'c.py::t1': 1 },
      3,
    );
    expect(owner['a.py::t1']).toBe(0);
    expect(Object.entries(owner).filter(([, s]) => s === 0)).toHaveLength(1);
    // Shard 1 runs the lint tools: it starts loaded with the time they took last time.
    const withLint = split(ids, { 'a.py::t1': 10, 'a.py::t2': 1 }, 3, 100);
    expect(Object.values(withLint).filter((s) => s === 0)).toHaveLength(0);
    // The same inputs in another order: the same split.
    expect(
      split(
        [...ids].reverse(),
        { 'a.py::t1': 10, 'a.py::t2': 1, 'b.py::t1': 1, 'b.py::t2': 1, 'c.py::t1': 1 },
        3,
      ),
    ).toEqual(owner);
  });
});

describe('a generated suite: 4 shards + merge = one run', () => {
  let ws: string;
  let single: RunActionResult;
  beforeAll(async () => {
    ws = suite('passing', []);
    single = await lint(ws, {});
  });

  test('same coverage, diff coverage, counts, gates, failure and annotations', async () => {
    const parts = await shards(ws, 4);
    for (const p of parts) expect(p.annotations.filter((a) => a.file !== undefined)).toEqual([]);
    const merged = await lint(ws, { mode: 'merge' });
    expect(verdict(merged)).toEqual(verdict(single));
    expect(single.outputs['diff-coverage']).toMatch(/^\d+\.\d\d$/);
    // Every test in exactly one shard; the lint tools in shard 1 only.
    const assigned = [1, 2, 3, 4].flatMap((k) => record(ws, k, 4).plugin.assigned);
    expect(new Set(assigned).size).toBe(120);
    expect(assigned).toHaveLength(120);
    expect(record(ws, 1, 4).gates.map((g) => g.gate)).toEqual(['black', 'flake8', 'pytest']);
    expect(record(ws, 2, 4).gates.map((g) => g.gate)).toEqual(['pytest']);
    expect(record(ws, 2, 4).plugin.split).toBe('test count per file');
    expect(merged.summary).toMatch(/Merged from 4 shards \(120 tests, each in exactly one shard\)/);
  });

  test("the next run splits by the merge's recorded durations, the same way in every shard", async () => {
    const durations = path.join(ws, 'lint-gate-shards/durations.json');
    const recorded = JSON.parse(fs.readFileSync(durations, 'utf8')) as { lintSeconds: number; tests: object };
    expect(Object.keys(recorded.tests)).toHaveLength(120);
    expect(recorded.lintSeconds).toBeGreaterThanOrEqual(0);
    fs.copyFileSync(durations, path.join(tmp, 'durations.json'));
    fs.copyFileSync(durations, path.join(ws, 'durations.json'));
    await shards(ws, 4, { 'shard-durations': 'durations.json' });
    expect(record(ws, 3, 4).plugin.split).toBe('recorded durations');
    // Deterministic: the same inputs give the same split.
    const before = record(ws, 3, 4).plugin.assigned;
    await lint(ws, { shard: '3/4', 'shard-durations': 'durations.json' });
    expect(record(ws, 3, 4).plugin.assigned).toEqual(before);
    const merged = await lint(ws, { mode: 'merge' });
    expect(verdict(merged)).toEqual(verdict(single));
  });

  test('with failing tests spread over the shards: the same failure sentence and annotations, in order', async () => {
    // The same suite with its first six tests failing, split by the durations recorded above
    // (the node ids are the same), so the failures land in shards of their own.
    const failing = suite('failing', ['--fail', '6']);
    fs.copyFileSync(path.join(tmp, 'durations.json'), path.join(failing, 'durations.json'));
    const whole = await lint(failing, {});
    await shards(failing, 4, { 'shard-durations': 'durations.json' });
    const failed = ['t0', 't1', 't2', 't3', 't4', 't5'].map((t) =>
      [1, 2, 3, 4].find((k) =>
        record(failing, k, 4).plugin.assigned.includes(`tests/test_mod0.py::test_${t}`),
      ),
    );
    expect(new Set(failed).size).toBeGreaterThan(1);
    const merged = await lint(failing, { mode: 'merge' });
    expect(verdict(merged)).toEqual(verdict(whole));
    expect(verdict(whole).failure).toMatch(/pytest: 6 of 120 tests failed/);
  });
});

describe('the merge is could-not-run unless the shards are one whole run', () => {
  let ws: string;
  const results = (): string => path.join(ws, 'lint-gate-shards');
  beforeAll(async () => {
    ws = suite('broken', []);
    await shards(ws, 2, { tools: 'pytest' });
  });
  const failure = (run: RunActionResult) =>
    (JSON.parse(run.outputs.results ?? '{}') as { status: string; failure?: string }) ?? {};

  test('a missing shard', async () => {
    const aside = path.join(tmp, 'aside');
    fs.renameSync(path.join(results(), 'shard-2-of-2'), aside);
    const run = await lint(ws, { mode: 'merge' });
    fs.renameSync(aside, path.join(results(), 'shard-2-of-2'));
    expect(run.exitCode).not.toBe(0);
    expect(failure(run)).toEqual({
      status: 'could-not-run',
      failure:
        'Could not run: the shards cannot be merged into one verdict: shard 2 of 2 is missing under lint-gate-shards: its job did not upload results (it failed before lint-gate, crashed or was cancelled).',
      gates: {},
    });
  });

  test('a duplicated shard', async () => {
    fs.cpSync(path.join(results(), 'shard-1-of-2'), path.join(results(), 'again/shard-1-of-2'), {
      recursive: true,
    });
    const run = await lint(ws, { mode: 'merge' });
    fs.rmSync(path.join(results(), 'again'), { recursive: true });
    expect(failure(run).status).toBe('could-not-run');
    expect(failure(run).failure).toMatch(
      /^Could not run: the shards cannot be merged into one verdict: shard 1 of 2 is there 2 times \(lint-gate-shards\/again\/shard-1-of-2, lint-gate-shards\/shard-1-of-2\): one run's shards only\.$/,
    );
  });

  test('a crashed shard (pytest killed mid-run)', async () => {
    fs.writeFileSync(
      path.join(ws, 'tests/test_crash.py'),
      'import os\nimport signal\n\n\ndef test_crash():\n    os.kill(os.getpid(), signal.SIGKILL)\n',
    );
    await shards(ws, 2, { tools: 'pytest' });
    const run = await lint(ws, { mode: 'merge' });
    expect(failure(run).status).toBe('could-not-run');
    expect(failure(run).failure).toMatch(
      /^Could not run: the shards cannot be merged into one verdict: shard [12] of 2 crashed: pytest was killed by SIGKILL\.$/,
    );
  });
});
