#!/usr/bin/env node
// Benchmark (not a test) for issue 22: a generated suite of 2,000 tests with realistic durations
// (most a few ms, some tens of ms, ~2 % slow ones of 0.4-1.6 s; __tests__/fixtures/lint-gate/
// gen_suite.py) through the committed lint-gate bundle, run whole and as 4 shards + mode: merge.
// The shards run one after another here (on GitHub each has its own runner); each one's wall time
// is its whole step (node + python + pytest). Round 1 has no recorded durations (whole files by
// test count); round 2 splits by the durations round 1's merge wrote.
// Target: the slowest of the 4 shards <= 0.35 x the single run, and the merged verdict (coverage,
// diff coverage, counts, gates, failure sentence, annotations) identical to the single run's.
// Usage: node bench/lint-gate-shards.mjs  (env: SHARD_TESTS=2000 SHARD_SCALE=1)
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { runAction } = require(path.join(root, 'packages/harness/dist/index.js'));

const TESTS = Number(process.env.SHARD_TESTS ?? 2000);
const SCALE = Number(process.env.SHARD_SCALE ?? 1);
const SHARDS = 4;
const bin = execFileSync('bash', [path.join(root, 'scripts/pytools'), 'lint-gate'], { encoding: 'utf8' })
  .trim()
  .split('\n')
  .pop();
const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'lint-shards-bench-'));
const gitEnv = {
  ...process.env,
  GIT_AUTHOR_NAME: 'b',
  GIT_AUTHOR_EMAIL: 'b@b',
  GIT_COMMITTER_NAME: 'b',
  GIT_COMMITTER_EMAIL: 'b@b',
};
const git = (...args) => execFileSync('git', args, { cwd: ws, env: gitEnv, encoding: 'utf8' });

function makeSuite() {
  execFileSync('python3', [
    path.join(root, '__tests__/fixtures/lint-gate/gen_suite.py'),
    ws,
    '--tests',
    String(TESTS),
    '--files',
    '40',
    '--scale',
    String(SCALE),
    '--fail',
    '3',
  ]);
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-q', '-m', 'base');
  git('checkout', '-q', '-b', 'feature');
  fs.appendFileSync(path.join(ws, 'app/mod1.py'), '\n\ndef g(x):\n    y = x + 1\n    return y * 2\n');
  git('commit', '-q', '-am', 'change');
}

async function lint(inputs) {
  const started = performance.now();
  const run = await runAction({
    action: 'lint-gate',
    workspace: ws,
    timeoutMs: 1_800_000,
    removeTemp: 'after-run',
    env: { PATH: `${bin}${path.delimiter}${process.env.PATH}`, PYTHONPATH: undefined },
    inputs: {
      tools: 'black, flake8, pytest',
      'coverage-threshold': '75',
      'diff-coverage-threshold': '50',
      'base-ref': 'main',
      timeout: '30m',
      ...inputs,
    },
  });
  return { run, ms: performance.now() - started };
}

function verdict(run) {
  const r = JSON.parse(run.outputs.results ?? '{}');
  const gates = Object.fromEntries(
    Object.entries(r.gates ?? {}).map(([g, v]) => [g, { ...v, durationMs: undefined }]),
  );
  return JSON.stringify({
    exit: run.exitCode,
    status: r.status,
    failure: r.failure,
    gates,
    coverage: run.outputs.coverage,
    diff: run.outputs['diff-coverage'],
    failed: run.outputs['failed-tools'],
    annotations: run.annotations.map((a) =>
      `${a.level} ${a.file}:${a.line} ${a.message}`.replace(/ at 0x[0-9a-f]+/g, ''),
    ),
  });
}

async function round(extra) {
  const shards = [];
  for (let k = 1; k <= SHARDS; k++) shards.push(await lint({ shard: `${k}/${SHARDS}`, ...extra }));
  const merge = await lint({ mode: 'merge' });
  const records = [...Array(SHARDS)].map((_, i) =>
    JSON.parse(
      fs.readFileSync(path.join(ws, `lint-gate-shards/shard-${i + 1}-of-${SHARDS}/shard.json`), 'utf8'),
    ),
  );
  return { shards, merge, records };
}

makeSuite();
try {
  const single = await lint({});
  const want = verdict(single.run);
  const r1 = await round({});
  fs.copyFileSync(path.join(ws, 'lint-gate-shards/durations.json'), path.join(ws, 'durations.json'));
  const r2 = await round({ 'shard-durations': 'durations.json' });
  const rows = [
    ['by test count per file (first run, no durations)', r1],
    ['by recorded durations (the previous merge)', r2],
  ].map(([split, r]) => {
    const walls = r.shards.map((s) => s.ms);
    const slowest = Math.max(...walls);
    return {
      split,
      shardsS: walls.map((w) => +(w / 1000).toFixed(1)),
      tests: r.records.map((x) => x.plugin.assigned.length),
      slowestS: +(slowest / 1000).toFixed(1),
      ratio: +(slowest / single.ms).toFixed(3),
      mergeS: +(r.merge.ms / 1000).toFixed(1),
      identical: verdict(r.merge.run) === want,
    };
  });
  const s = JSON.parse(single.run.outputs.results);
  const when = new Date().toISOString();
  const cpus = os.cpus();
  const md = [
    `Measured ${when} on ${cpus.length} × ${cpus[0]?.model ?? 'CPU'}, load average ${os.loadavg()[0].toFixed(1)} at the end. Command: \`node bench/lint-gate-shards.mjs\`.`,
    `Suite: ${TESTS} generated tests in 40 files (3 failing), black + flake8 + pytest with coverage-threshold 75 and diff-coverage-threshold 50 on a pull request's change.`,
    `Single run: ${(single.ms / 1000).toFixed(1)} s — ${s.gates.pytest.summary}; coverage ${single.run.outputs.coverage} %, diff coverage ${single.run.outputs['diff-coverage']} %, status ${s.status}.`,
    'Each shard is a whole lint-gate step, run one after another on this machine (a matrix gives each its own runner); the lint tools run in shard 1.',
    '',
    '| Split | Shard walls (s) | Tests per shard | Slowest shard | Slowest / single (target ≤ 0.35) | Merge step | Merged verdict = single run |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${r.split} | ${r.shardsS.join(', ')} | ${r.tests.join(', ')} | ${r.slowestS} s | ${r.ratio} | ${r.mergeS} s | ${r.identical ? 'yes' : 'NO'} |`,
    ),
    '',
  ].join('\n');
  fs.writeFileSync(
    path.join(root, 'bench/results/lint-gate-shards.json'),
    `${JSON.stringify({ when, singleMs: single.ms, rows }, null, 2)}\n`,
  );
  fs.writeFileSync(path.join(root, 'bench/results/lint-gate-shards.md'), md);
  console.log(md);
} finally {
  fs.rmSync(ws, { recursive: true, force: true });
}
