// The demo's narrative: one line per stage (stage, result, time) and where to look, and the
// files each step leaves behind (log, job summary, outputs) under the demo's logs folder.
'use strict';

const fs = require('node:fs');
const path = require('node:path');

const W = 14;
const rel = (p) => path.relative(process.cwd(), p) || '.';
const secs = (ms) => `${(ms / 1000).toFixed(1)} s`;

function line(stage, result, ms, where) {
  const t = ms === undefined ? '' : secs(ms);
  console.log(`  ${stage.padEnd(W)} ${result}${t ? `  (${t})` : ''}`);
  if (where) console.log(`  ${''.padEnd(W)} ${where}`);
}

/** A continuation line under the stage's line. */
function more(text) {
  console.log(`  ${''.padEnd(W)} ${text}`);
}

function saveRun(logs, name, run) {
  fs.mkdirSync(logs, { recursive: true });
  const base = path.join(logs, name);
  fs.writeFileSync(`${base}.log`, run.log);
  fs.writeFileSync(`${base}.summary.md`, run.summary);
  fs.writeFileSync(`${base}.outputs.json`, JSON.stringify(run.outputs, null, 2) + '\n');
  return `log ${rel(base)}.log, job summary ${rel(base)}.summary.md`;
}

/** The step's one-sentence failure, from its error annotation (the runner shows the same). */
function failure(run) {
  return (
    run.annotations.find(
      (a) => a.level === 'error' && /^(Policy failed|Could not run|Invalid input)/.test(a.message),
    )?.message ??
    run.error ??
    'see the log'
  );
}

module.exports = { W, rel, secs, line, more, saveRun, failure };
