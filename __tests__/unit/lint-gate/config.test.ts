import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { coverageTable, missingRanges } from '../../../actions/lint-gate/src/parse/coverage';
import { projectSelectsCov, pytestAddopts } from '../../../actions/lint-gate/src/pytest-config';
import { tooOld, versionLess } from '../../../actions/lint-gate/src/versions';

// What lint-gate reads from the project before it runs the tools: pytest's addopts (a project's
// own --cov=pkg is kept), the tools' versions against the supported range, and how missing lines
// are shown.

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function project(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dk-lint-cfg-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

describe("pytest's addopts, from the file pytest itself would read", () => {
  test.each([
    [
      'pyproject.toml string',
      { 'pyproject.toml': '[tool.pytest.ini_options]\naddopts = "--cov=idna -q"\n' },
      true,
    ],
    [
      'pyproject.toml array over lines',
      { 'pyproject.toml': '[tool.pytest.ini_options]\naddopts = [\n  "-q",\n  "--cov", "pkg",\n]\n' },
      true,
    ],
    ['setup.cfg [tool:pytest]', { 'setup.cfg': '[tool:pytest]\naddopts =\n    -q\n    --cov=pkg\n' }, true],
    ['tox.ini [pytest]', { 'tox.ini': '[pytest]\naddopts = --cov-report=term -q\n' }, false],
    ['only --cov-report', { 'pytest.ini': '[pytest]\naddopts = --cov-report=term-missing\n' }, false],
    // pytest.ini wins over setup.cfg in the same directory, even when it says nothing.
    ['pytest.ini first', { 'pytest.ini': '', 'setup.cfg': '[tool:pytest]\naddopts = --cov=pkg\n' }, false],
    // A pyproject.toml without pytest's table is skipped.
    [
      'pyproject.toml without pytest',
      { 'pyproject.toml': '[tool.black]\n', 'setup.cfg': '[tool:pytest]\naddopts = --cov\n' },
      true,
    ],
  ])('%s', (_name, files, expected) => {
    const dir = project(files);
    expect(projectSelectsCov(dir, dir, [], {})).toBe(expected);
  });

  test('found in a parent directory up to the workspace; pytest-args and PYTEST_ADDOPTS count too', () => {
    const ws = project({ 'setup.cfg': '[tool:pytest]\naddopts = --cov=app\n', 'app/x.py': '' });
    expect(pytestAddopts(path.join(ws, 'app'), ws)).toBe('--cov=app');
    const bare = project({ 'x.py': '' });
    expect(projectSelectsCov(bare, bare, ['--cov=src'], {})).toBe(true);
    expect(projectSelectsCov(bare, bare, [], { PYTEST_ADDOPTS: '--cov pkg' })).toBe(true);
    expect(projectSelectsCov(bare, bare, ['--cov-branch'], {})).toBe(false);
  });
});

describe('supported tool versions', () => {
  test('older than the minimum is named with its version and the minimum', () => {
    expect(tooOld('pytest-cov', '2.12.1')).toBe(
      'pytest-cov 2.12.1 is older than lint-gate supports (3.0 or newer)',
    );
    expect(tooOld('coverage', '5.5')).toBe('coverage 5.5 is older than lint-gate supports (6.0 or newer)');
    expect(tooOld('black', '21.12b0')).toBe('black 21.12b0 is older than lint-gate supports (22.1 or newer)');
    expect(tooOld('pytest-cov', '3.0.0')).toBeUndefined();
    expect(tooOld('coverage', '6.5.0')).toBeUndefined();
    expect(tooOld('black', '26.10.1')).toBeUndefined();
    expect(tooOld('black', '?')).toBeUndefined();
    expect(versionLess('0.1.2', '0.14.6')).toBe(true);
  });
});

describe('missing lines', () => {
  test('ranges as coverage.py shows them (over lines that are not statements), cut by count', () => {
    const f = { executed: new Set([1, 5, 9]), missing: new Set([2, 3, 6, 7, 10]) };
    expect(missingRanges(f)).toBe('2-3, 6-7, 10');
    // 7 is not a statement: 6 and 8 are one range.
    expect(missingRanges({ executed: new Set([1]), missing: new Set([6, 8]) })).toBe('6-8');
    const many = {
      executed: new Set(Array.from({ length: 30 }, (_, i) => 2 * i)),
      missing: new Set(Array.from({ length: 30 }, (_, i) => 2 * i + 1)),
    };
    expect(missingRanges(many, 3)).toBe('1, 3, 5 and 27 more ranges');
    expect(missingRanges({ executed: new Set([1]), missing: new Set([2, 4]) }, 1)).toBe('2-4');
  });

  test("the log's table: coverage.py's columns, every range, files by name, a TOTAL line, percentages cut", () => {
    const file = (name: string, percent: number, executed: number[], missing: number[]) => ({
      file: path.join('/ws', name),
      percent,
      statements: executed.length + missing.length,
      executed: new Set(executed),
      missing: new Set(missing),
    });
    const table = coverageTable(
      {
        percent: 66.666,
        statements: 9,
        files: [file('pkg/util.py', 50, [1, 5], [2, 3]), file('pkg/__init__.py', 99.9, [1, 2, 3, 4, 5], [])],
      },
      '/ws',
    );
    expect(table.split('\n')).toEqual([
      'Name             Stmts   Miss  Cover   Missing',
      '----------------------------------------------',
      'pkg/__init__.py      5      0    99%',
      'pkg/util.py          4      2    50%   2-3',
      '----------------------------------------------',
      'TOTAL                9      2    66%',
    ]);
  });
});
