#!/usr/bin/env node
// Benchmark (not a test): `bash scripts/demo`, warm (sandbox up, Debian base and image layers
// cached), end to end, with each stage's time from the steps' own outputs.
// Target (issue 12): under 5 minutes warm.
// Usage: node bench/demo.mjs   (honours DEPLOY_KIT_SANDBOX; the demo is stopped afterwards with --down)
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const sbx = path.resolve(process.env.DEPLOY_KIT_SANDBOX || path.join(root, '.sandbox'));
const logs = path.join(sbx, 'demo', 'logs');

const started = Date.now();
const run = spawnSync('bash', [path.join(root, 'scripts', 'demo')], {
  cwd: root,
  encoding: 'utf8',
  env: { ...process.env, DEPLOY_KIT_SANDBOX: sbx },
});
const totalMs = Date.now() - started;
process.stdout.write(run.stdout);
if (run.status !== 0) {
  console.error(run.stderr);
  process.exit(1);
}

const outputs = (name) => JSON.parse(fs.readFileSync(path.join(logs, `${name}.outputs.json`), 'utf8'));
const stages = (name) =>
  Object.entries(JSON.parse(outputs(name).results ?? '{}')).map(([stage, s]) => ({
    step: name,
    stage,
    status: s.status,
    ms: s.durationMs,
  }));
const rows = [...stages('deploy-1.0.0'), ...stages('deploy-1.1.0')];
const cpus = os.cpus();
const result = {
  measuredAt: new Date().toISOString(),
  machine: `${cpus.length} × ${cpus[0]?.model.trim() ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB`,
  totalMs,
  stages: rows,
};
fs.mkdirSync(path.join(root, 'bench', 'results'), { recursive: true });
fs.writeFileSync(path.join(root, 'bench', 'results', 'demo.json'), JSON.stringify(result, null, 2) + '\n');
const s = (ms) => `${(ms / 1000).toFixed(1)} s`;
fs.writeFileSync(
  path.join(root, 'bench', 'results', 'demo.md'),
  [
    `Measured ${result.measuredAt} on ${result.machine} (shared with other work), one warm run of \`bash scripts/demo\`.`,
    '',
    `Whole demo: **${s(totalMs)}** (target: under 5 minutes warm).`,
    '',
    '| Step | Stage | Result | Time |',
    '| --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.step} | ${r.stage} | ${r.status} | ${s(r.ms)} |`),
    '',
  ].join('\n'),
);
spawnSync('bash', [path.join(root, 'scripts', 'demo'), '--down'], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, DEPLOY_KIT_SANDBOX: sbx },
});
console.log(`demo: ${s(totalMs)}; wrote bench/results/demo.{json,md}`);
