import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ActionStandIn, StandInCall } from './types';

/**
 * Small local stand-ins for the third-party actions the example workflows use. They do what the
 * workflows rely on (a checkout of the commit, a cache or artifact round trip, a SARIF upload
 * recorded) and nothing more.
 */

function git(args: string[], cwd: string): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** actions/checkout: a clone of the test's repository at `ref` (or the run's commit). */
const checkout: ActionStandIn = ({ with: w, workspace, env, runner }) => {
  const target = w.path ? path.join(workspace, w.path) : workspace;
  if (fs.existsSync(path.join(target, '.git'))) fs.rmSync(target, { recursive: true, force: true });
  fs.mkdirSync(target, { recursive: true });
  git(['clone', '--quiet', '--no-checkout', runner.origin, target], workspace);
  const branch = /^refs\/heads\/(.+)$/.exec(env.GITHUB_REF ?? '')?.[1];
  // Like actions/checkout: the run's branch checked out as a branch, any other ref detached.
  if (!w.ref && branch)
    git(['checkout', '--quiet', '-B', branch, env.GITHUB_SHA || `origin/${branch}`], target);
  else
    git(
      ['-c', 'advice.detachedHead=false', 'checkout', '--quiet', w.ref || env.GITHUB_SHA || 'HEAD'],
      target,
    );
  const ref = w.ref || env.GITHUB_REF || '';
  return { outputs: { ref, commit: git(['rev-parse', 'HEAD'], target).trim() } };
};

/** actions/setup-python: the machine's python3 stands in for the requested version. */
const setupPython: ActionStandIn = () => {
  const version = execFileSync('python3', ['-c', 'import platform; print(platform.python_version())'], {
    encoding: 'utf8',
  }).trim();
  return { outputs: { 'python-version': version } };
};

function paths(call: StandInCall): string[] {
  return (call.with.path ?? '')
    .split('\n')
    .map((p) => p.trim())
    .filter(Boolean);
}

function saveTo(dir: string, call: StandInCall): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const p of paths(call)) {
    const from = path.join(call.workspace, p);
    if (fs.existsSync(from)) fs.cpSync(from, path.join(dir, p), { recursive: true });
  }
}

function restoreFrom(dir: string, call: StandInCall): void {
  for (const p of paths(call)) {
    const from = path.join(dir, p);
    if (fs.existsSync(from)) fs.cpSync(from, path.join(call.workspace, p), { recursive: true });
  }
}

const cacheKeyDir = (call: StandInCall, key: string): string =>
  path.join(call.runner.cacheDir, encodeURIComponent(key));

/** actions/cache/restore: the exact key, else the newest entry starting with a restore key. */
const cacheRestore: ActionStandIn = (call) => {
  const keys = fs.existsSync(call.runner.cacheDir)
    ? fs.readdirSync(call.runner.cacheDir).map(decodeURIComponent)
    : [];
  const byAge = keys.sort(
    (a, b) => fs.statSync(cacheKeyDir(call, b)).mtimeMs - fs.statSync(cacheKeyDir(call, a)).mtimeMs,
  );
  const prefixes = (call.with['restore-keys'] ?? '')
    .split('\n')
    .map((k) => k.trim())
    .filter(Boolean);
  const key = call.with.key ?? '';
  const hit = keys.includes(key) ? key : byAge.find((k) => prefixes.some((p) => k.startsWith(p)));
  if (hit) restoreFrom(cacheKeyDir(call, hit), call);
  return { outputs: { 'cache-hit': String(hit === key), 'cache-matched-key': hit ?? '' } };
};

const cacheSave: ActionStandIn = (call) => {
  const dir = cacheKeyDir(call, call.with.key ?? '');
  if (!fs.existsSync(dir)) saveTo(dir, call);
  return {};
};

const artifactDir = (call: StandInCall, runId = String(call.run.id)): string =>
  path.join(call.runner.artifactsDir, runId, encodeURIComponent(call.with.name || 'artifact'));

/**
 * upload-artifact keeps the files below the paths' common parent (one folder: its contents), as
 * actions/upload-artifact does; download-artifact puts one artifact (`name`) under `path`, or every
 * artifact matching `pattern` (all when neither is given) under `path/<artifact name>/`, or
 * straight under `path` with `merge-multiple: true`.
 */
const uploadArtifact: ActionStandIn = (call) => {
  const dir = artifactDir(call);
  const found = paths(call)
    .map((p) => path.normalize(p).replace(/\/+$/, ''))
    .filter((p) => fs.existsSync(path.join(call.workspace, p)));
  if (found.length === 0)
    return call.with['if-no-files-found'] === 'error'
      ? { failed: `upload-artifact: no files found at ${paths(call).join(', ')}` }
      : {};
  const root = commonParent(found, call.workspace);
  fs.mkdirSync(dir, { recursive: true });
  for (const p of found) {
    const relative = path.relative(root, path.join(call.workspace, p));
    fs.cpSync(path.join(call.workspace, p), relative === '' ? dir : path.join(dir, relative), {
      recursive: true,
    });
  }
  return { outputs: { 'artifact-id': String(call.run.id) } };
};

function commonParent(found: string[], workspace: string): string {
  const absolute = found.map((p) => path.join(workspace, p));
  if (absolute.length === 1) {
    const only = absolute[0] as string;
    return fs.statSync(only).isDirectory() ? only : path.dirname(only);
  }
  let parent = path.dirname(absolute[0] as string);
  while (!absolute.every((p) => p.startsWith(parent + path.sep))) parent = path.dirname(parent);
  return parent;
}

const downloadArtifact: ActionStandIn = (call) => {
  // Another run's artifacts (run-id) need a token that may read Actions (actions: read), as the real action says.
  const runId = call.with['run-id'] || String(call.run.id);
  if (call.with['run-id'] && !call.with['github-token'])
    return { failed: 'download-artifact: run-id is given without github-token' };
  const runDir = path.join(call.runner.artifactsDir, runId);
  const target = path.resolve(call.workspace, call.with.path || '.');
  if (call.with.name) {
    const dir = artifactDir(call, runId);
    if (!fs.existsSync(dir)) return { failed: `no artifact named ${call.with.name} in run ${runId}` };
    fs.cpSync(dir, target, { recursive: true });
    return {};
  }
  const pattern = globToRegExp(call.with.pattern || '*');
  const names = fs.existsSync(runDir)
    ? fs
        .readdirSync(runDir)
        .map(decodeURIComponent)
        .filter((n) => pattern.test(n))
    : [];
  if (names.length === 0)
    return { failed: `no artifact matches '${call.with.pattern ?? '*'}' in run ${runId}` };
  const merge = call.with['merge-multiple'] === 'true';
  for (const name of names.sort())
    fs.cpSync(path.join(runDir, encodeURIComponent(name)), merge ? target : path.join(target, name), {
      recursive: true,
    });
  return {};
};

function globToRegExp(glob: string): RegExp {
  const escaped = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`);
}

/** github/codeql-action/upload-sarif: recorded, after checking the file is SARIF 2.1.0. */
const uploadSarif: ActionStandIn = (call) => {
  const content = fs.readFileSync(path.join(call.workspace, call.with.sarif_file ?? ''), 'utf8');
  const version = (JSON.parse(content) as { version?: string }).version;
  if (version !== '2.1.0') return { failed: `not SARIF 2.1.0: version ${version}` };
  call.runner.sarif.push({ category: call.with.category ?? '', content });
  return {};
};

export const BUILT_IN_STAND_INS: Record<string, ActionStandIn> = {
  'actions/checkout': checkout,
  'actions/setup-python': setupPython,
  'actions/cache/restore': cacheRestore,
  'actions/cache/save': cacheSave,
  'actions/upload-artifact': uploadArtifact,
  'actions/download-artifact': downloadArtifact,
  'github/codeql-action/upload-sarif': uploadSarif,
};

/**
 * A `gh` for run steps, against the GitHub stand-in ($GITHUB_API_URL):
 * `gh workflow run <file> [--repo R] [--ref REF] [-f k=v]…` posts the dispatch;
 * `gh run list --workflow <file> [--commit SHA] [--event E] [--branch B] [--status S] [--limit N]
 * --json f1,f2 [--jq EXPR]` lists runs (GET …/actions/workflows/<file>/runs; the fields are gh's:
 * databaseId, headSha, headBranch, event, status, conclusion, workflowName, number, url; --jq
 * through the machine's jq, raw output as gh prints it). Any other command fails loudly.
 */
export const GH_SHIM = `#!/usr/bin/env node
const { spawnSync } = require('node:child_process');
const args = process.argv.slice(2);
const token = process.env.GH_TOKEN || process.env.GITHUB_TOKEN || '';
const headers = { authorization: 'token ' + token, accept: 'application/vnd.github+json', 'content-type': 'application/json' };
const api = (p) => process.env.GITHUB_API_URL + p;
const die = (m, code = 1) => { console.error(m); process.exit(code); };
if (args[0] === 'workflow' && args[1] === 'run') workflowRun(args.slice(2));
else if (args[0] === 'run' && args[1] === 'list') runList(args.slice(2));
else die('gh stand-in: only "gh workflow run" and "gh run list" are implemented, not: gh ' + args.join(' '), 2);

function workflowRun(rest) {
  const file = rest[0];
  let repo = process.env.GITHUB_REPOSITORY, ref, inputs = {};
  for (let i = 1; i < rest.length; i++) {
    const a = rest[i];
    if (a === '--repo' || a === '-R') repo = rest[++i];
    else if (a === '--ref' || a === '-r') ref = rest[++i];
    else if (a === '-f' || a === '--raw-field' || a === '-F' || a === '--field') {
      const kv = rest[++i]; const eq = kv.indexOf('=');
      inputs[kv.slice(0, eq)] = kv.slice(eq + 1);
    } else die('gh stand-in: unknown argument ' + a, 2);
  }
  fetch(api('/repos/' + repo + '/actions/workflows/' + encodeURIComponent(file) + '/dispatches'), {
    method: 'POST', headers, body: JSON.stringify({ ref: ref || process.env.GITHUB_REF_NAME, inputs }),
  }).then(async (res) => {
    if (res.status !== 204) die('gh: HTTP ' + res.status + ' ' + (await res.text()));
    console.log('Created workflow_dispatch event for ' + file + ' at ' + (ref || process.env.GITHUB_REF_NAME));
  }, (e) => die('gh: ' + e));
}

function runList(rest) {
  let repo = process.env.GITHUB_REPOSITORY, workflow, json, jq;
  const query = new URLSearchParams({ per_page: '20' });
  const param = { '--commit': 'head_sha', '-c': 'head_sha', '--event': 'event', '-e': 'event', '--branch': 'branch', '-b': 'branch', '--status': 'status', '-s': 'status', '--limit': 'per_page', '-L': 'per_page' };
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (a === '--repo' || a === '-R') repo = rest[++i];
    else if (a === '--workflow' || a === '-w') workflow = rest[++i];
    else if (a === '--json') json = rest[++i].split(',');
    else if (a === '--jq' || a === '-q') jq = rest[++i];
    else if (param[a]) query.set(param[a], rest[++i]);
    else die('gh stand-in: unknown argument ' + a, 2);
  }
  if (!workflow || !json) die('gh stand-in: run list needs --workflow and --json', 2);
  fetch(api('/repos/' + repo + '/actions/workflows/' + encodeURIComponent(workflow) + '/runs?' + query), { headers }).then(async (res) => {
    if (res.status !== 200) die('gh: HTTP ' + res.status + ' ' + (await res.text()));
    const fields = { databaseId: 'id', headSha: 'head_sha', headBranch: 'head_branch', event: 'event', status: 'status', conclusion: 'conclusion', workflowName: 'name', number: 'run_number', url: 'html_url' };
    const runs = (await res.json()).workflow_runs.map((r) => Object.fromEntries(json.map((f) => {
      if (!fields[f]) die('gh stand-in: unknown --json field ' + f, 2);
      return [f, r[fields[f]]];
    })));
    const text = JSON.stringify(runs);
    if (!jq) return console.log(text);
    const out = spawnSync('jq', ['-r', jq], { input: text, encoding: 'utf8' });
    if (out.status !== 0) die('gh: jq: ' + out.stderr);
    process.stdout.write(out.stdout);
  }, (e) => die('gh: ' + e));
}
`;
