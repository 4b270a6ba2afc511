#!/usr/bin/env node
// Run the benchmarks (never part of the tests) and gather their tables into
// bench/README.md. Each bench/<name>.mjs writes bench/results/<name>.{json,md}.
// Usage: node bench/run.mjs [--collect-only] [name ...]   (default: all); needs `bash scripts/sandbox up` for
// the ones that deploy or build.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const ORDER = [
  'cold-start',
  'remote-deploy',
  'remote-deploy-fleet',
  'build-images',
  'smoke-test',
  'time-to-rollback',
  'lint-gate',
  'lint-gate-shards',
  'pip-audit',
  'demo',
];
const TITLES = {
  'cold-start': 'Cold start of every bundle, and render-env with 1,000 keys',
  'remote-deploy': 'remote-deploy: 20 hosts vs one, vs Ansible and a plain OpenSSH loop',
  'build-images': 'build-images: three services on one context',
  'smoke-test': 'smoke-test: 50 independent checks vs a sequential curl loop',
  'time-to-rollback': 'Time to rollback: a release that keeps answering 500, before and after warm-up',
  demo: 'bash scripts/demo, warm: the whole pipeline on three hosts',
  'lint-gate': 'lint-gate: every tool at once vs the slowest tool alone and the sequential steps',
  'remote-deploy-fleet': 'remote-deploy at fleet size: 1 to 250 hosts from one runner',
  'lint-gate-shards': 'lint-gate: 2,000 tests as one run vs 4 shards + merge',
  'pip-audit': 'pip-audit: the action vs pip-audit alone on the same file and service',
};

const collectOnly = process.argv.includes('--collect-only');
const wanted = process.argv.slice(2).filter((a) => a !== '--collect-only');
for (const name of collectOnly ? [] : wanted.length > 0 ? wanted : ORDER) {
  const script = path.join(here, `${name}.mjs`);
  if (!fs.existsSync(script)) {
    console.log(`(no bench/${name}.mjs)`);
    continue;
  }
  console.log(`== ${name}`);
  const { status } = spawnSync(process.execPath, [script], { stdio: 'inherit' });
  if (status !== 0) console.error(`bench/${name}.mjs exited ${status}`);
}

const sections = ORDER.filter((name) => fs.existsSync(path.join(here, 'results', `${name}.md`))).map(
  (name) =>
    `## ${TITLES[name]}\n\n${fs.readFileSync(path.join(here, 'results', `${name}.md`), 'utf8').trim()}\n`,
);
fs.writeFileSync(
  path.join(here, 'README.md'),
  `# Benchmarks\n\nSpeed targets live here, not in the tests. Regenerate with \`node bench/run.mjs\`\n` +
    `(start the sandbox first: \`bash scripts/sandbox up\`). Each section says when and on what machine it was measured.\n\n` +
    sections.join('\n'),
);
console.log('wrote bench/README.md');
