import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runAction, type RunActionResult } from '@deploy-kit/harness';
import { CLEAN, toolEnv, toolsBin, workspace, type Files } from '../../fixtures/lint-gate/projects';

// Coverage on both ends of the supported tool versions (lint-gate/README.md, "Tool versions"):
// Debian bookworm's packages (/usr/bin/python3: pytest 7.2.1, pytest-cov 4.0.0, coverage 6.5.0,
// black 23.1.0, flake8 5.0.4) and the newest from PyPI (the pinned set,
// scripts/pytools.d/lint-gate.txt: pytest-cov 7.0.0, coverage 7.12.0). pytest-cov before 4.1
// has no JSON report: lint-gate lets pytest-cov write the data file and reads it with coverage.py.

jest.setTimeout(300_000);

const DEBIAN_PYTHON = '/usr/bin/python3';

const workspaces: string[] = [];
afterAll(() => {
  for (const ws of workspaces) fs.rmSync(ws, { recursive: true, force: true });
});

beforeAll(() => {
  toolsBin();
});

interface Gate {
  status: string;
  summary: string;
  findings: number;
  counts: Record<string, number>;
  version: string | null;
}
const gates = (run: RunActionResult): Record<string, Gate> =>
  (JSON.parse(run.outputs.results ?? '{}') as { gates: Record<string, Gate> }).gates ?? {};
const failure = (run: RunActionResult): string | undefined =>
  run.annotations.filter((a) => a.level === 'error' && a.file === undefined).pop()?.message;

function lint(
  files: Files,
  inputs: Record<string, string>,
  env: Record<string, string | undefined> = {},
): Promise<RunActionResult> {
  const ws = workspace(files);
  workspaces.push(ws);
  return runAction({ action: 'lint-gate', workspace: ws, inputs, env: toolEnv(env), timeoutMs: 240_000 });
}

/** 80 small functions, each one's body a separate missing range once the module is imported. */
const UNTESTED = Array.from({ length: 80 }, (_, i) => `def f${i}(x):\n    return x + ${i}\n`).join('\n\n');

/**
 * The coverage scope comes only from the project's addopts (`--cov=calc`); there is no
 * [coverage:run] source. The tests themselves are not measured: calc has 4 + 160 statements,
 * the 80 function bodies of calc/many.py are missed.
 */
const SCOPED: Files = {
  'pyproject.toml': [
    '[tool.black]',
    'line-length = 88',
    '',
    '[tool.pytest.ini_options]',
    'addopts = "--cov=calc"',
    'testpaths = ["tests"]',
    '',
  ].join('\n'),
  'setup.cfg': '[flake8]\nmax-line-length = 88\n',
  'calc/__init__.py': '',
  'calc/ops.py': 'def add(a, b):\n    return a + b\n\n\ndef mul(a, b):\n    return a * b\n',
  'calc/many.py': UNTESTED,
  'tests/__init__.py': '',
  'tests/test_ops.py': [
    'from calc import many  # noqa: F401',
    'from calc.ops import add, mul',
    '',
    '',
    'def test_add():',
    '    assert add(2, 3) == 5',
    '',
    '',
    'def test_mul():',
    '    assert mul(2, 3) == 6',
    '',
  ].join('\n'),
};

describe.each([
  ["Debian bookworm's packages (the oldest supported)", DEBIAN_PYTHON, '4.0.0', '6.5.0'],
  ["PyPI's newest (the pinned set)", 'python3', '7.0.0', '7.12.0'],
])('%s', (_name, python, _pytestCov, coverage) => {
  test("coverage is measured in the project's own scope (addopts --cov=calc), missing lines shown as ranges", async () => {
    const run = await lint(SCOPED, { python, tools: 'black, flake8, pytest', 'coverage-threshold': '50' });
    expect({ exit: run.exitCode, failure: failure(run) }).toEqual({ exit: 0, failure: undefined });
    const g = gates(run);
    expect(g.pytest).toMatchObject({ status: 'passed', summary: '2 tests passed' });
    // 84 of 164 statements: the tests' own 7 statements are not counted (they would give 91 of 171).
    expect(g.coverage).toMatchObject({
      status: 'passed',
      summary: '51.2 % ≥ 50 %',
      counts: { statements: 164, files: 3 },
      version: coverage,
    });
    expect(run.outputs.coverage).toBe('51.21');
    // The summary's cell: ranges, cut by count.
    expect(run.summary).toContain(
      '| calc/many.py | 50.0 % | 2, 6, 10, 14, 18, 22, 26, 30, 34, 38 and 70 more ranges |',
    );
    expect(run.summary).not.toContain('trimmed');
    // The log has every file's missing lines, every range, in coverage.py's columns (from the JSON
    // report: pytest-cov is asked for no terminal report, so coverage.py analyses each file once).
    expect(run.stdout).toMatch(/^Name\s+Stmts\s+Miss\s+Cover\s+Missing$/m);
    expect(run.stdout).toMatch(/^calc\/many\.py\s+160\s+80\s+50%\s+2, 6, 10, 14,.* 310, 314, 318$/m);
    expect(run.stdout).toMatch(/^TOTAL\s+164\s+80\s+51%$/m);
    expect(run.stdout).not.toMatch(/--cov-report=term/);
    // No diff threshold and no pull request: diff coverage is said not to be measured.
    expect(run.summary).toContain('Diff coverage: not measured');
  });
});

test('Debian bookworm: a clean project passes every gate with pytest-cov 4.0 and coverage 6.5', async () => {
  const run = await lint(CLEAN, { python: DEBIAN_PYTHON, tools: 'black, flake8, pytest' });
  expect({ exit: run.exitCode, failure: failure(run) }).toEqual({ exit: 0, failure: undefined });
  expect(gates(run)).toMatchObject({
    black: { status: 'passed', version: '23.1.0' },
    flake8: { status: 'passed', version: '5.0.4' },
    pytest: { status: 'passed', version: '7.2.1' },
    coverage: { status: 'passed', summary: '100.0 % ≥ 80 %', version: '6.5.0' },
  });
  expect(run.outputs.coverage).toBe('100.00');
});

test('a pytest-cov older than supported is named with its version and the minimum', async () => {
  // Installed metadata that says 2.12.1 ahead of the real plugin: what the probe reads as the version.
  const fake = fs.mkdtempSync(path.join(os.tmpdir(), 'dk-lint-oldcov-'));
  workspaces.push(fake);
  const info = path.join(fake, 'pytest_cov-2.12.1.dist-info');
  fs.mkdirSync(info);
  fs.writeFileSync(path.join(info, 'METADATA'), 'Metadata-Version: 2.1\nName: pytest-cov\nVersion: 2.12.1\n');
  const run = await lint(CLEAN, { tools: 'pytest' }, { PYTHONPATH: fake });
  expect(run.exitCode).toBe(1);
  expect(gates(run).pytest?.status).toBe('passed');
  expect(gates(run).coverage).toMatchObject({
    status: 'error',
    summary: 'not measured: pytest-cov 2.12.1 is older than lint-gate supports (3.0 or newer)',
  });
});

test('allow-no-tests: true with the default coverage threshold passes when there are no tests', async () => {
  const files: Files = { ...CLEAN };
  delete files['tests/test_ops.py'];
  const run = await lint(files, { tools: 'pytest', 'allow-no-tests': 'true' });
  expect({ exit: run.exitCode, failure: failure(run) }).toEqual({ exit: 0, failure: undefined });
  expect(gates(run).pytest).toMatchObject({ status: 'passed', summary: 'no tests collected (allowed)' });
  expect(gates(run).coverage).toMatchObject({
    status: 'passed',
    summary: 'not measured: no tests were collected (allow-no-tests)',
  });
  expect(run.outputs.coverage).toBe('');
});

test('max-annotations: 50 annotates more than 20 when there are more findings', async () => {
  const lines = Array.from({ length: 20 }, (_, i) => `V${i}=[1,2]`).join('\n');
  const run = await lint({ ...CLEAN, 'many.py': `${lines}\n` }, { tools: 'flake8', 'max-annotations': '50' });
  expect(gates(run).flake8).toMatchObject({ status: 'findings', findings: 40 });
  expect(run.annotations.filter((a) => a.file === 'many.py')).toHaveLength(25);
  expect(run.annotations.find((a) => a.level === 'notice')?.message).toMatch(
    /^15 more findings in the job summary/,
  );
});
