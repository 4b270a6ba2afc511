#!/usr/bin/env node
// Benchmark (not a test): each bundle's cold start — process start to exit on a
// trivial input, run the way the runner runs it — next to bare `node -e ''`, under
// Node 20 and Node 24; and render-env's time for 1,000 keys.
// Usage: node bench/cold-start.mjs [runs]   (default 15 runs each; reports median and p90)
import { createRequire } from 'node:module';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { runAction, NODE20, NODE24 } = require(path.join(root, 'packages/harness/dist/index.js'));

const RUNS = Number(process.argv[2] ?? 15);
const BUNDLES = Object.values(JSON.parse(fs.readFileSync(path.join(root, 'scripts/actions.json'), 'utf8')));

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p90 = (xs) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.9))];

// Timed the same way the harness times a bundle: async spawn with piped output, start to close.
async function bareNode(node) {
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    const started = Date.now();
    await new Promise((resolve, reject) => {
      const child = spawn(node, ['-e', ''], { stdio: ['ignore', 'pipe', 'pipe'] });
      child.on('error', reject);
      child.on('close', resolve);
    });
    times.push(Date.now() - started);
  }
  return times;
}

function renderEnvWorkspace(keys) {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'dk-bench-'));
  const lines = [];
  const vars = {};
  for (let i = 0; i < keys; i++) {
    lines.push(`KEY_${i}={{ vars.k${i} }}`);
    vars[`k${i}`] = `value ${i} with $dollar and 'quote' #${i}`;
  }
  fs.writeFileSync(path.join(ws, 'env.template'), lines.join('\n') + '\n');
  return { ws, inputs: { template: 'env.template', vars: JSON.stringify(vars), output: '.env' } };
}

async function timeAction(action, node, setup) {
  const times = [];
  let exitCode;
  for (let i = 0; i < RUNS; i++) {
    const { ws, inputs } = setup ? setup() : { ws: undefined, inputs: {} };
    const result = await runAction({ action, node, workspace: ws, inputs });
    exitCode = result.exitCode;
    times.push(result.durationMs);
    if (ws) fs.rmSync(ws, { recursive: true, force: true });
  }
  return { times, exitCode };
}

const rows = [];
for (const [label, node] of [
  ['node20', NODE20],
  ['node24', NODE24],
]) {
  const bare = await bareNode(node);
  rows.push({
    runtime: label,
    target: "node -e ''",
    median: median(bare),
    p90: p90(bare),
    overMedianBare: 0,
  });
  for (const action of BUNDLES) {
    const trivial = action === 'render-env' ? () => renderEnvWorkspace(1) : undefined;
    const { times, exitCode } = await timeAction(action, node, trivial);
    rows.push({
      runtime: label,
      target: `${action === '.' ? 'deploy (root)' : action} (exit ${exitCode})`,
      median: median(times),
      p90: p90(times),
      overMedianBare: median(times) - median(bare),
    });
  }
  const big = await timeAction('render-env', node, () => renderEnvWorkspace(1000));
  rows.push({
    runtime: label,
    target: `render-env, 1,000 keys (exit ${big.exitCode})`,
    median: median(big.times),
    p90: p90(big.times),
    overMedianBare: median(big.times) - median(bare),
  });
}

const round = (n) => Math.round(n);
const table = [
  '| runtime | target | median ms | p90 ms | median over bare node |',
  '| --- | --- | --- | --- | --- |',
  ...rows.map(
    (r) =>
      `| ${r.runtime} | ${r.target} | ${round(r.median)} | ${round(r.p90)} | ${round(r.overMedianBare)} |`,
  ),
].join('\n');
const meta = {
  date: new Date().toISOString(),
  machine: `${os.cpus().length} × ${os.cpus()[0]?.model}, ${Math.round(os.totalmem() / 2 ** 30)} GiB`,
  runs: RUNS,
};
fs.writeFileSync(
  path.join(root, 'bench/results/cold-start.json'),
  JSON.stringify({ ...meta, rows }, null, 2) + '\n',
);
fs.writeFileSync(
  path.join(root, 'bench/results/cold-start.md'),
  `Measured ${meta.date} on ${meta.machine}, ${RUNS} runs each.\n\n${table}\n`,
);
console.log(table);
