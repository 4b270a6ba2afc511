import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { NODE20, runAction, type RunActionResult } from '@deploy-kit/harness';
import { CLEAN, CONFIG, toolEnv, toolsBin, workspace, type Files } from '../../fixtures/lint-gate/projects';

// Each typed outcome through the committed bundle, with the real pinned tools
// (scripts/pytools.d/lint-gate.txt) first on PATH.

jest.setTimeout(240_000);

interface GateResult {
  status: 'passed' | 'findings' | 'error';
  summary: string;
  findings: number;
  counts: Record<string, number>;
  version: string | null;
  durationMs: number | null;
}

interface Results {
  status: string;
  failure?: string;
  gates: Record<string, GateResult>;
}
const envelope = (run: RunActionResult): Results => JSON.parse(run.outputs.results ?? '{}') as Results;
const results = (run: RunActionResult): Record<string, GateResult> => envelope(run).gates ?? {};
/** setFailed's message: the last error annotation without a file (findings come before it). */
const failure = (run: RunActionResult): string | undefined =>
  run.annotations.filter((a) => a.level === 'error' && a.file === undefined).pop()?.message;
const failed = (run: RunActionResult): string[] =>
  JSON.parse(run.outputs['failed-tools'] ?? 'null') as string[];

const workspaces: string[] = [];
afterAll(() => {
  for (const ws of workspaces) fs.rmSync(ws, { recursive: true, force: true });
});

function lint(
  files: Files,
  inputs: Record<string, string> = {},
  env: Record<string, string | undefined> = {},
) {
  const ws = workspace(files);
  workspaces.push(ws);
  return runAction({ action: 'lint-gate', workspace: ws, inputs, env: toolEnv(env), timeoutMs: 180_000 });
}

beforeAll(() => {
  toolsBin(); // install the pinned set once, before the first timed run
});

describe('passed', () => {
  test('a clean project passes every gate, with versions, counts and coverage in the outputs', async () => {
    const run = await lint(CLEAN, { tools: 'black, flake8, ruff, ruff-format, pytest' });
    expect(failure(run)).toBeUndefined();
    expect(run.exitCode).toBe(0);
    expect(envelope(run)).toMatchObject({ status: 'passed' });
    expect(envelope(run).failure).toBeUndefined();
    const r = results(run);
    expect(Object.keys(r)).toEqual(['black', 'flake8', 'ruff', 'ruff-format', 'pytest', 'coverage']);
    expect(r.pytest?.durationMs).toEqual(expect.any(Number));
    for (const gate of Object.values(r)) expect(gate.status).toBe('passed');
    expect(r.black?.version).toBe('25.11.0');
    expect(r.pytest?.counts).toEqual({ tests: 2, failed: 0, skipped: 0, passed: 2 });
    expect(run.outputs.coverage).toBe('100.00');
    expect(failed(run)).toEqual([]);
    expect(run.annotations).toEqual([]);
    expect(run.summary).toContain('**All gates passed.**');
    expect(run.summary).toMatch(/\| pytest \| ✅ passed \| 2 tests passed \|/);
    // Each tool's output is grouped in the log; pytest's is streamed into its group as it runs.
    expect(run.stdout).toMatch(/^::group::black: passed, formatted/m);
    expect(run.stdout).toMatch(/^::group::pytest \(its output as it runs\)\n\$ python -m pytest /m);
    expect(run.stdout).toMatch(/^pytest: passed, 2 tests passed/m);
  });

  test('the bundle runs on Node 20 too', async () => {
    const run = await runAction({
      action: 'lint-gate',
      node: NODE20,
      workspace: (() => {
        const ws = workspace(CLEAN);
        workspaces.push(ws);
        return ws;
      })(),
      inputs: { tools: 'flake8' },
      env: toolEnv(),
    });
    expect({ code: run.exitCode, error: failure(run) }).toEqual({ code: 0, error: undefined });
    expect(results(run).flake8?.status).toBe('passed');
  });
});

describe('findings (policy failures)', () => {
  const FINDINGS: Files = {
    ...CONFIG,
    'calc/__init__.py': '',
    'calc/ops.py': 'import os\n\n\ndef add(a, b):\n    return a + b\n',
    // Black's change is on line 9, after 5 lines of context in its diff.
    'calc/style.py': 'def one():\n    return 1\n\n\ndef two():\n    return 2\n\n\nx = {  "a":1 }\n',
  };

  test('black, flake8, ruff and ruff format each report their findings, annotated at file and line', async () => {
    const run = await lint(FINDINGS, { tools: 'black, flake8, ruff, ruff-format' });
    expect(run.exitCode).toBe(1);
    const r = results(run);
    expect(r.black).toMatchObject({ status: 'findings', summary: '1 file would be reformatted' });
    expect(r.flake8).toMatchObject({ status: 'findings', findings: 4 });
    expect(r.ruff).toMatchObject({ status: 'findings', findings: 1 });
    expect(r['ruff-format']).toMatchObject({ status: 'findings', summary: '1 file would be reformatted' });
    expect(failed(run)).toEqual(['black', 'flake8', 'ruff', 'ruff-format']);
    expect(envelope(run).status).toBe('failed');
    expect(envelope(run).failure).toBe(failure(run));
    // One sentence naming every failed gate.
    expect(failure(run)).toBe(
      'Policy failed: black: 1 file would be reformatted; flake8: 4 findings in 2 files; ruff: 1 finding in 1 file; ruff-format: 1 file would be reformatted.',
    );
    const at = (title: RegExp) => run.annotations.find((a) => a.title && title.test(a.title));
    expect(at(/^black/)).toMatchObject({ level: 'warning', file: 'calc/style.py', line: 9 });
    expect(at(/^flake8 F401/)).toMatchObject({
      file: 'calc/ops.py',
      line: 1,
      col: 1,
      message: "'os' imported but unused",
    });
    expect(at(/^ruff F401/)).toMatchObject({ file: 'calc/ops.py', line: 1, col: 8 });
    expect(at(/^flake8 E231/)).toMatchObject({ file: 'calc/style.py', line: 9 });
    // The summary folds the diff and lists the findings.
    expect(run.summary).toContain('<details><summary>black diff (1 file would be reformatted)</summary>');
    expect(run.summary).toContain('+x = {"a": 1}');
    expect(run.summary).toMatch(/`calc\/ops.py:1:1` warning \*\*flake8 F401\*\*/);
  });

  test('a syntax error is a finding with file and line in every tool (black exit 123, ruff format exit 2)', async () => {
    const run = await lint(
      { ...CONFIG, 'broken.py': 'x = 1\n\n\ndef f(:\n    pass\n' },
      { tools: 'black, flake8, ruff, ruff-format' },
    );
    const r = results(run);
    expect(Object.values(r).map((g) => g.status)).toEqual(['findings', 'findings', 'findings', 'findings']);
    expect(r.black?.summary).toBe('1 file cannot be parsed');
    const errors = run.annotations.filter((a) => a.level === 'error' && a.file === 'broken.py');
    expect(errors.map((a) => [a.title, a.line])).toEqual(
      expect.arrayContaining([
        ['black: cannot parse', 4],
        ['flake8 E999', 4],
        ['ruff invalid-syntax', 4],
        ['ruff format: cannot parse', 4],
      ]),
    );
    expect(failure(run)).toMatch(/^Policy failed: black: 1 file cannot be parsed; flake8: /);
  });

  test('a failing test is annotated at its assertion; coverage under the threshold fails too, in one sentence', async () => {
    const run = await lint(
      {
        ...CLEAN,
        'calc/extra.py': 'def unused(x):\n    if x:\n        return 1\n    return 2\n',
        'tests/test_fail.py':
          'def test_wrong():\n    print("::warning::injected by a test")\n    total = 2 + 2\n    assert total == 5, "arithmetic is broken"\n',
      },
      { tools: 'pytest', 'coverage-threshold': '90' },
    );
    const r = results(run);
    expect(r.pytest).toMatchObject({ status: 'findings', summary: '1 of 3 tests failed' });
    expect(r.coverage).toMatchObject({ status: 'findings', summary: '50.0 % < 90 %' });
    expect(run.outputs.coverage).toBe('50.00');
    expect(failed(run)).toEqual(['pytest', 'coverage']);
    expect(failure(run)).toBe('Policy failed: pytest: 1 of 3 tests failed; coverage: 50.0 % < 90 %.');
    const test = run.annotations.find((a) => a.title === 'pytest: test_wrong failed');
    expect(test).toMatchObject({ level: 'error', file: 'tests/test_fail.py', line: 4 });
    // What the tools print is logged with workflow commands off: a test cannot issue one.
    const injected = run.stdout.indexOf('::warning::injected by a test');
    const stop = /::stop-commands::([0-9a-f-]{36})\n/g;
    const before = [...run.stdout.slice(0, injected).matchAll(stop)].pop();
    expect(before).toBeDefined();
    expect(run.stdout.indexOf(`::${before?.[1]}::`, injected)).toBeGreaterThan(injected);
    expect(test?.message).toMatch(/^AssertionError: arithmetic is broken/);
    expect(run.summary).toContain('### Failing tests (1)');
    expect(run.summary).toMatch(/\| calc\/extra.py \| 0.0 % \| 1-4 \|/);
  });
});

describe('could not run (tool errors)', () => {
  test('a collection error is a tool error, and coverage is not measured rather than passed', async () => {
    const run = await lint(
      { ...CLEAN, 'tests/test_imports.py': 'import module_that_is_not_there\n' },
      { tools: 'pytest' },
    );
    const r = results(run);
    expect(r.pytest?.status).toBe('error');
    expect(r.pytest?.summary).toMatch(/could not collect the tests \(1 collection error\)/);
    expect(r.coverage).toMatchObject({ status: 'error', summary: 'not measured: pytest did not complete' });
    expect(run.outputs.coverage).toBe('');
    expect(envelope(run).status).toBe('could-not-run');
    expect(failure(run)).toMatch(
      /^Could not run: pytest: could not collect the tests .*; coverage: not measured: pytest did not complete/,
    );
    expect(run.summary).toContain("ModuleNotFoundError: No module named 'module_that_is_not_there'");
  });

  test('a crashing conftest is a tool error (pytest exit 4), not failed tests', async () => {
    const run = await lint(
      { ...CLEAN, 'tests/conftest.py': 'raise RuntimeError("conftest exploded")\n' },
      { tools: 'pytest' },
    );
    expect(results(run).pytest).toMatchObject({ status: 'error' });
    expect(results(run).pytest?.summary).toMatch(/conftest/);
    expect(run.summary).toContain('RuntimeError: conftest exploded');
    expect(failure(run)).toMatch(/^Could not run: pytest: /);
  });

  test('no tests collected is a tool error unless allow-no-tests says it is fine', async () => {
    const files = { ...CONFIG, 'calc/__init__.py': '', 'tests/__init__.py': '' };
    const strict = await lint(files, { tools: 'pytest', 'coverage-threshold': '' });
    expect(results(strict).pytest).toMatchObject({
      status: 'error',
      summary: expect.stringMatching(/collected no tests/),
    });
    const allowed = await lint(files, {
      tools: 'pytest',
      'coverage-threshold': '',
      'allow-no-tests': 'true',
    });
    expect(results(allowed).pytest).toMatchObject({
      status: 'passed',
      summary: 'no tests collected (allowed)',
    });
    expect(allowed.exitCode).toBe(0);
  });

  test('coverage with "No data to report" is a tool error, though the tests passed', async () => {
    const run = await lint(
      { ...CLEAN, 'setup.cfg': CONFIG['setup.cfg']!.replace('source = calc', 'source = not_a_module') },
      { tools: 'pytest' },
    );
    expect(results(run).pytest?.status).toBe('passed');
    expect(results(run).coverage).toMatchObject({
      status: 'error',
      summary: expect.stringMatching(/No data to report/),
    });
    expect(failure(run)).toMatch(/^Could not run: coverage: wrote no report/);
  });

  test('flake8 exiting 1 on a broken config is a tool error, never "0 findings"', async () => {
    const run = await lint(
      { ...CLEAN, 'setup.cfg': '[flake8]\nmax-line-length = abc\n' },
      { tools: 'flake8, black' },
    );
    expect(results(run).flake8).toMatchObject({ status: 'error', findings: 0 });
    expect(results(run).black?.status).toBe('passed'); // one tool's failure hides nothing
    expect(run.summary).toContain("ValueError: invalid literal for int() with base 10: 'abc'");
  });

  test('tools missing for the interpreter are tool errors naming what to install', async () => {
    const venv = fs.mkdtempSync(path.join(os.tmpdir(), 'dk-lint-bare-'));
    workspaces.push(venv);
    execFileSync(path.join(toolsBin(), 'python'), ['-m', 'venv', '--without-pip', venv]);
    const run = await lint(CLEAN, { python: path.join(venv, 'bin', 'python'), tools: 'black, pytest' });
    const r = results(run);
    expect(r.black?.summary).toMatch(/^is not installed for .*add black to the project's requirements/);
    expect(r.pytest?.status).toBe('error');
    expect(r.coverage).toMatchObject({
      status: 'error',
      summary: expect.stringMatching(/pytest-cov is not installed/),
    });
    expect(failure(run)).toMatch(/^Could not run: black: is not installed/);
  });
});

describe('bad input: one sentence naming the input and the expected form', () => {
  test.each([
    [
      { tools: 'black, pylint' },
      "Invalid input: 'tools' must be a comma- or newline-separated list of black, flake8, ruff, ruff-format, pytest; unknown: pylint.",
    ],
    [
      { 'coverage-threshold': 'eighty' },
      "Invalid input: 'coverage-threshold' must be a percentage from 0 to 100 such as 80 or 72.5 (empty turns it off), got 'eighty'.",
    ],
    [
      { 'working-directory': '../elsewhere' },
      /^Invalid input: 'working-directory' must be a path inside the workspace/,
    ],
    [
      { 'working-directory': 'missing-dir' },
      "Invalid input: 'working-directory' must be an existing directory inside the workspace, got 'missing-dir'.",
    ],
    [
      { python: 'python9.9' },
      "Invalid input: 'python' must name a Python interpreter on PATH or a path to one (such as python3.11 or .venv/bin/python); 'python9.9' was not found.",
    ],
    [{ 'max-annotations': 'lots' }, "Invalid input: 'max-annotations' must be a whole number, got 'lots'."],
  ])('%j', async (inputs, message) => {
    const run = await lint(CLEAN, inputs);
    expect(run.exitCode).toBe(1);
    if (typeof message === 'string') expect(failure(run)).toBe(message);
    else expect(failure(run)).toMatch(message);
    expect(run.annotations).toHaveLength(1);
    // results is written on every path: a later step reads how the run ended.
    expect(run.outputs.coverage ?? '').toBe('');
    expect(envelope(run)).toMatchObject({ status: 'invalid-input', failure: failure(run) });
  });
});
