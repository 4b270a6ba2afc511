import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runAction, type RunActionResult } from '@deploy-kit/harness';
import { CLEAN, git, toolEnv, toolsBin, writeProject } from '../../fixtures/lint-gate/projects';

// A pull request in a real git repository: a base branch on an "origin", a
// change on top, the checkout as actions/checkout leaves it. Diff coverage and
// the annotation order come from git alone: no token in the environment (as
// on a pull request from a fork), no API.

jest.setTimeout(240_000);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dk-lint-pr-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

// Old code on the base branch: one undefined name (an error) and many style findings (warnings).
const LEGACY = [
  'def broken():',
  '    return undefined_name',
  '',
  '',
  ...Array.from({ length: 14 }, (_, i) => `V${i} = [1,2]`),
  '',
].join('\n');

const OPS_AFTER = [
  'import sys',
  '',
  '',
  'def add(a, b):',
  '    return a + b',
  '',
  '',
  'def mul(a, b):',
  '    return a * b',
  '',
  '',
  'def sub(a, b):',
  '    return a - b',
  '',
].join('\n');

function baseRepo(): string {
  const origin = path.join(tmp, 'origin.git');
  const seed = path.join(tmp, 'seed');
  fs.mkdirSync(seed);
  git(seed, 'init', '-q', '-b', 'main');
  writeProject(path.join(seed, 'svc'), { ...CLEAN, 'calc/legacy.py': LEGACY });
  git(seed, 'add', '-A');
  git(seed, 'commit', '-q', '-m', 'base');
  git(tmp, 'clone', '-q', '--bare', seed, origin);
  return origin;
}

/** The change, committed on a branch off main and pushed to the origin. */
function pushFeature(origin: string): void {
  const work = path.join(tmp, 'author');
  git(tmp, 'clone', '-q', origin, work);
  git(work, 'checkout', '-q', '-b', 'feature');
  fs.writeFileSync(path.join(work, 'svc', 'calc', 'ops.py'), OPS_AFTER);
  git(work, 'commit', '-q', '-am', 'add sub');
  git(work, 'push', '-q', 'origin', 'feature');
}

/** The pull request's checkout: fetch-depth 0 (full history, origin/main present) or the default depth of 1 (neither). */
function checkout(origin: string, name: string, depth?: number): string {
  const dir = path.join(tmp, name);
  const args = depth ? ['--depth', String(depth), '--single-branch'] : [];
  git(tmp, 'clone', '-q', ...args, '--branch', 'feature', `file://${origin}`, dir);
  return dir;
}

const PR_ENV = {
  GITHUB_EVENT_NAME: 'pull_request',
  GITHUB_BASE_REF: 'main',
  GITHUB_HEAD_REF: 'feature',
  GITHUB_TOKEN: undefined,
};

function pr(workspace: string, inputs: Record<string, string>): Promise<RunActionResult> {
  return runAction({
    action: 'lint-gate',
    workspace,
    // The legacy file is never imported: total coverage is low on purpose and not the subject here.
    inputs: { 'working-directory': 'svc', tools: 'flake8, pytest', 'coverage-threshold': '', ...inputs },
    env: toolEnv(PR_ENV),
    timeoutMs: 180_000,
  });
}

let origin: string;
beforeAll(() => {
  toolsBin();
  origin = baseRepo();
  pushFeature(origin);
});

test('diff coverage of the added lines, uncovered ones as notices; the change first, then errors, then the rest', async () => {
  const ws = checkout(origin, 'full');
  const run = await pr(ws, { 'diff-coverage-threshold': '80' });
  expect(run.env).toEqual({});
  const results = (
    JSON.parse(run.outputs.results ?? '{}') as { gates: Record<string, { status: string; summary: string }> }
  ).gates;
  // Added and measured: import sys (ran), def sub (ran), return a - b (did not).
  expect(results['diff-coverage']).toEqual(
    expect.objectContaining({ status: 'findings', summary: '66.6 % of 3 added lines < 80 %' }),
  );
  expect(run.outputs['diff-coverage']).toBe('66.66');
  expect(results.coverage).toBeUndefined(); // measured for diff coverage, no threshold of its own
  expect(JSON.parse(run.outputs['failed-tools'] ?? '[]')).toEqual(['flake8', 'diff-coverage']);

  const shown = run.annotations.filter((a) => a.file !== undefined);
  // Paths are relative to the repository root: working-directory added back.
  expect(shown[0]).toMatchObject({
    level: 'warning',
    file: 'svc/calc/ops.py',
    line: 1,
    title: 'flake8 F401',
  });
  expect(shown[1]).toMatchObject({
    level: 'notice',
    file: 'svc/calc/ops.py',
    line: 13,
    title: 'diff coverage: not covered',
  });
  expect(shown[2]).toMatchObject({
    level: 'error',
    file: 'svc/calc/legacy.py',
    line: 2,
    title: 'flake8 F821',
  });
  expect(shown.slice(3).every((a) => a.level === 'warning' && a.file === 'svc/calc/legacy.py')).toBe(true);
  // GitHub shows 10 warnings per step: 1 on the change + 9 of the legacy file; the rest are counted.
  expect(shown.filter((a) => a.level === 'warning')).toHaveLength(10);
  const more = run.annotations.find((a) => a.file === undefined && a.level === 'notice');
  expect(more?.message).toMatch(/^5 more findings in the job summary/);
  // The summary lists every finding and the uncovered added lines per file.
  expect(run.summary).toContain('### Added lines not covered');
  expect(run.summary).toContain('- `svc/calc/ops.py`: 13');
  expect(run.summary).toMatch(/Diff coverage: \*\*66\.6 %\*\* \(2 of 3 added lines\)/);
  expect(run.summary).toMatch(/### Findings \(17; 12 annotated in the code\)/);
});

test('a shallow checkout without the base branch fails diff coverage with the fetch-depth sentence', async () => {
  const ws = checkout(origin, 'shallow', 1);
  const run = await pr(ws, { 'diff-coverage-threshold': '80', tools: 'pytest' });
  const results = (
    JSON.parse(run.outputs.results ?? '{}') as { gates: Record<string, { status: string; summary: string }> }
  ).gates;
  expect(results.pytest?.status).toBe('passed');
  expect(results['diff-coverage']?.status).toBe('error');
  const failure = run.annotations.filter((a) => a.level === 'error').pop()?.message;
  expect(failure).toBe(
    "Could not run: diff-coverage: diff coverage needs the base branch 'main' and the history back to where the pull request forked from it, but neither origin/main nor main is in the checkout; set fetch-depth: 0 on actions/checkout (its default depth of 1 fetches neither) (a gate that could not run is not a pass; see the job summary).",
  );
});

test('without a diff-coverage threshold, a shallow checkout only warns: the gate still decides on the rest', async () => {
  const ws = checkout(origin, 'shallow-report', 1);
  const run = await pr(ws, { tools: 'pytest' });
  expect(run.exitCode).toBe(0);
  expect(run.outputs['diff-coverage']).toBe('');
  expect(run.annotations).toEqual([
    expect.objectContaining({
      level: 'warning',
      message: expect.stringMatching(/set fetch-depth: 0 on actions\/checkout/),
    }),
  ]);
});
