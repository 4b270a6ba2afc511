#!/usr/bin/env node
// Benchmark (not a test): time to rollback — from the first 500 of a release that keeps answering
// 500 on a journey page to the moment the one-step deploy can start the rollback, which is when
// the smoke test returns its red result (the pipeline starts remote-deploy rollback-to in the same
// process right after: __tests__/integration/deploy/one-step.test.ts measures that on the sandbox).
// The committed smoke-test bundle runs as the runner runs it (Node 24) with
// workflows-examples/deploy.yml's smoke settings (timeout 2m, retry transient), twice:
//   before: warm-up 2m (= the timeout: every 5xx retried until the timeout, as before warm-up existed)
//   after:  the default warm-up (5 s)
// and, for each, a release whose page answers 503 for its first 3 s and then 200 (must pass).
// Then, when the sandbox is up (`bash scripts/sandbox up`), the same through the root one-step
// bundle on three sandbox hosts behind a TLS balancer, before and after, from its results:
// smoke-test start -> rollback start (__tests__/integration/deploy/time-to-rollback.bench.ts, run
// by jest with DEPLOY_KIT_BENCH_OUT; not part of the test suite).
// Target (issue 23): after <= 15 s.
// Usage: node bench/time-to-rollback.mjs [runs]   (default 1 run per row; "before" takes 2 minutes a run)
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { runAction, NODE24 } = require(path.join(root, 'packages/harness/dist/index.js'));

const RUNS = Number(process.argv[2] ?? 1);
const TIMEOUT = '2m';
const WARMING_MS = 3_000;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The public URL of a release: '/' answers 200; '/page' 500 forever (broken) or 503 for WARMING_MS, then 200. */
async function release(kind) {
  const seen = { first5xxAt: undefined, firstAt: undefined };
  const server = http.createServer((req, res) => {
    if (req.url !== '/page') return res.writeHead(200).end('ok');
    const now = Date.now();
    seen.firstAt ??= now;
    const status = kind === 'broken' ? 500 : now - seen.firstAt < WARMING_MS ? 503 : 200;
    if (status >= 500) seen.first5xxAt ??= now;
    res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'not ok');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}/`, seen, close: () => server.close() };
}

async function one(mode, kind) {
  const site = await release(kind);
  try {
    const result = await runAction({
      action: 'smoke-test',
      node: NODE24,
      inputs: {
        url: site.url,
        checks: JSON.stringify([{ name: 'journey page', url: '/page', expect: { status: 200 } }]),
        timeout: TIMEOUT,
        ...(mode === 'before' ? { 'warm-up': TIMEOUT } : {}),
      },
      timeoutMs: 300_000,
    });
    const endedAt = Date.now();
    const results = JSON.parse(result.outputs.results ?? '{}');
    return {
      passed: result.exitCode === 0,
      // First 5xx to the smoke test's red result (the process has ended: an upper bound).
      toVerdictMs: endedAt - (site.seen.first5xxAt ?? endedAt),
      attempts: results.checks?.[0]?.attempts ?? 0,
      failure: results.failure ?? '',
    };
  } finally {
    site.close();
  }
}

const rows = [];
for (const kind of ['broken', 'warming'])
  for (const mode of ['before', 'after']) {
    const runs = [];
    for (let r = 0; r < RUNS; r++) runs.push(await one(mode, kind));
    const row = {
      release: kind === 'broken' ? 'answers 500 forever' : `answers 503 for ${WARMING_MS / 1000} s, then 200`,
      mode,
      warmUp: mode === 'before' ? TIMEOUT : '5s (default)',
      passed: runs.every((x) => x.passed),
      firstFiveXxToVerdictMs: Math.round(median(runs.map((x) => x.toVerdictMs))),
      runsMs: runs.map((x) => x.toVerdictMs),
      attempts: median(runs.map((x) => x.attempts)),
      failure: runs[0]?.failure ?? '',
    };
    console.log(JSON.stringify(row));
    rows.push(row);
  }

/** The root one-step bundle on the sandbox, before and after (undefined without a sandbox). */
function oneStepRows() {
  const sbx = path.resolve(process.env.DEPLOY_KIT_SANDBOX || path.join(root, '.sandbox'));
  if (!fs.existsSync(path.join(sbx, 'sandbox.json'))) {
    console.log('no sandbox: the one-step half is skipped (bash scripts/sandbox up)');
    return undefined;
  }
  const out = path.join(os.tmpdir(), `dk-ttr-${process.pid}.json`);
  const jest = spawnSync(
    path.join(root, 'node_modules/.bin/jest'),
    [
      '--selectProjects',
      'integration',
      '--testMatch',
      '**/__tests__/integration/deploy/time-to-rollback.bench.ts',
    ],
    {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, DEPLOY_KIT_BENCH_OUT: out, DEPLOY_KIT_BENCH_RUNS: String(RUNS) },
    },
  );
  if (jest.status !== 0 || !fs.existsSync(out)) throw new Error('the one-step half failed');
  const runs = JSON.parse(fs.readFileSync(out, 'utf8'));
  fs.rmSync(out, { force: true });
  return ['before', 'after'].map((mode) => {
    const mine = runs.filter((r) => r.mode === mode);
    return {
      mode,
      warmUp: mine[0]?.warmUp,
      toRollbackMs: Math.round(median(mine.map((r) => r.toRollbackMs))),
      runsMs: mine.map((r) => r.toRollbackMs),
      stepMs: Math.round(median(mine.map((r) => r.totalMs))),
    };
  });
}
const oneStep = oneStepRows();

const cpus = os.cpus();
const meta = {
  measuredAt: new Date().toISOString(),
  machine: `${cpus.length} × ${cpus[0]?.model.trim() ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB`,
  loadAverage: +os.loadavg()[0].toFixed(1),
  runs: RUNS,
};
const outDir = path.join(root, 'bench', 'results');
fs.mkdirSync(outDir, { recursive: true });
fs.writeFileSync(
  path.join(outDir, 'time-to-rollback.json'),
  JSON.stringify({ ...meta, rows }, null, 2) + '\n',
);
const s = (ms) => `${(ms / 1000).toFixed(1)} s`;
const md = [
  `Measured ${meta.measuredAt} on ${meta.machine} (load average ${meta.loadAverage} at the end), ${RUNS} run(s) per row (median), both modes in the same run. Command: \`node bench/time-to-rollback.mjs ${RUNS}\`.`,
  '',
  "The committed smoke-test bundle on Node 24 with workflows-examples/deploy.yml's smoke settings (timeout 2m, retry transient) against a local release whose journey page answers 500 forever, or 503 for its first 3 s and then 200.",
  '"First 5xx → red" runs from the first 5xx the release served to the smoke test returning its result: the moment the one-step deploy starts the rollback (it does so at once; the one-step integration test measures smoke-test start → rollback start through the root bundle on the sandbox and requires ≤ 15 s).',
  '"before" sets warm-up to the timeout: every 5xx retried until the timeout, as before warm-up existed. Target: after ≤ 15 s, and the warming release still passes.',
  '',
  '| Release | Mode | warm-up | Result | First 5xx → red (or passed) | Attempts |',
  '| --- | --- | --- | --- | --- | --- |',
  ...rows.map(
    (r) =>
      `| ${r.release} | ${r.mode} | ${r.warmUp} | ${r.passed ? 'passed' : 'failed'} | ${r.passed ? `passed after ${s(r.firstFiveXxToVerdictMs)}` : `**${s(r.firstFiveXxToVerdictMs)}**`} | ${r.attempts} |`,
  ),
  '',
  ...(oneStep
    ? [
        "The root one-step bundle (render-env -> remote-deploy -> smoke-test -> rollback) on three sandbox hosts behind nginx with TLS, deploy.yml's smoke-timeout 2m, a release whose journey page answers 500 forever; smoke-test start (its first request gets the first 500) to rollback start, from the step's `results`:",
        '',
        '| Mode | warm-up | Smoke-test start → rollback start | Runs | Whole step (incl. rollback and its smoke test) |',
        '| --- | --- | --- | --- | --- |',
        ...oneStep.map(
          (r) =>
            `| ${r.mode} | ${r.warmUp} | **${s(r.toRollbackMs)}** | ${r.runsMs.map(s).join(', ')} | ${s(r.stepMs)} |`,
        ),
        '',
      ]
    : []),
].join('\n');
fs.writeFileSync(path.join(outDir, 'time-to-rollback.md'), md);
console.log(md);
