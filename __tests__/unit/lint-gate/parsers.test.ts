import { parseBlack } from '../../../actions/lint-gate/src/parse/black';
import type { ToolRun } from '../../../actions/lint-gate/src/parse/common';
import { addedLines, lineRanges, parseFormatterDiff } from '../../../actions/lint-gate/src/parse/diff';
import { FLAKE8_FORMAT, parseFlake8 } from '../../../actions/lint-gate/src/parse/flake8';
import { failureLine, parseJUnit, parsePytest } from '../../../actions/lint-gate/src/parse/pytest';
import { parseRuffCheck, parseRuffFormat } from '../../../actions/lint-gate/src/parse/ruff';

const run = (over: Partial<ToolRun>): ToolRun => ({
  exitCode: 0,
  signal: null,
  stdout: '',
  stderr: '',
  durationMs: 5,
  timedOut: false,
  ...over,
});

// Black's real output shape: 5 context lines around each change, absolute paths, timestamps.
const BLACK_DIFF = `--- /p/app/a.py\t2026-11-29 19:09:17.497981+00:00
+++ /p/app/a.py\t2026-11-29 19:09:17.742191+00:00
@@ -3,11 +3,10 @@
 import os
 
 
 def ok():
     return 1
-x = {  'a':1 }
+x = {"a": 1}
 
 
 def g():
     return 2
`;

describe('formatter diffs', () => {
  test('the first changed line skips the hunk context (black prints 5 lines)', () => {
    expect(parseFormatterDiff(BLACK_DIFF)).toEqual([
      expect.objectContaining({ file: '/p/app/a.py', firstChangedLine: 8 }),
    ]);
  });
  test('a change at the top of the file has no leading context', () => {
    const diff = '--- a.py\n+++ a.py\n@@ -1,2 +1,2 @@\n-x=1\n+x = 1\n y = 2\n';
    expect(parseFormatterDiff(diff)[0]?.firstChangedLine).toBe(1);
  });
  test('git -U0 diff: added lines per file, deletions and removed files add nothing', () => {
    const diff = [
      'diff --git a/pkg/a.py b/pkg/a.py',
      '--- a/pkg/a.py',
      '+++ b/pkg/a.py',
      '@@ -4,0 +5,3 @@ def f():',
      '+    one',
      '+    two',
      '+    three',
      '@@ -20 +23 @@',
      '-old',
      '+new',
      '@@ -30,2 +32,0 @@',
      '-gone',
      '-gone',
      'diff --git a/old.py b/old.py',
      '--- a/old.py',
      '+++ /dev/null',
      '@@ -1 +0,0 @@',
      '-x',
    ].join('\n');
    const lines = addedLines(diff);
    expect([...lines.keys()]).toEqual(['pkg/a.py']);
    expect([...(lines.get('pkg/a.py') ?? [])]).toEqual([5, 6, 7, 23]);
    expect(lineRanges([7, 1, 2, 3, 9, 10])).toBe('1-3, 7, 9-10');
  });
});

describe('black outcomes', () => {
  test('exit 1 with files to reformat: findings at the first changed line', () => {
    const r = parseBlack(
      run({
        exitCode: 1,
        stdout: BLACK_DIFF,
        stderr: 'would reformat /p/app/a.py\n\nOh no!\n1 file would be reformatted.\n',
      }),
      '/p/app',
    );
    expect(r.status).toBe('findings');
    expect(r.headline).toBe('1 file would be reformatted');
    expect(r.findings).toEqual([expect.objectContaining({ file: '/p/app/a.py', line: 8, level: 'warning' })]);
  });
  test.each([
    ['error: cannot format /p/app/b.py: Cannot parse: 3:6: def f(:'],
    ['error: cannot format /p/app/b.py: Cannot parse for target version Python 3.11: 3:6: def f(:'],
  ])('exit 123 on a syntax error is a finding with file and line (%s)', (line) => {
    const r = parseBlack(
      run({ exitCode: 123, stderr: `${line}\n\nOh no!\n1 file would fail to reformat.\n` }),
      '/p/app',
    );
    expect(r.status).toBe('findings');
    expect(r.findings).toEqual([
      expect.objectContaining({ file: '/p/app/b.py', line: 3, col: 7, level: 'error' }),
    ]);
  });
  test.each([
    ['error: cannot parse: /p/app/b.py:3:6\n    def f(:\n         ^\nParseError: bad input', 'def f(:'],
    [
      'error: cannot parse for target version Python 3.12: b.py:3:6\n    def f(:\n         ^\nParseError: bad input',
      'def f(:',
    ],
    ['error: cannot parse: /p/app/b.py:3:6\nTokenError: unexpected EOF', undefined],
  ])('black 26: exit 123 on a syntax error is a finding with file and line (%s)', (text, source) => {
    const r = parseBlack(
      run({ exitCode: 123, stderr: `${text}\n\nOh no! 💥 💔 💥\n1 file would fail to reformat.\n` }),
      '/p/app',
    );
    expect(r).toMatchObject({ status: 'findings', headline: '1 file cannot be parsed' });
    expect(r.findings).toEqual([
      expect.objectContaining({
        file: '/p/app/b.py',
        line: 3,
        col: 7,
        level: 'error',
        message: `Black cannot parse this file: syntax error at 3:7${source ? ` (${source})` : ''}.`,
      }),
    ]);
  });
  test('black 26 failing on its own output is a tool error, not a syntax finding', () => {
    const r = parseBlack(
      run({
        exitCode: 123,
        stderr:
          'error: INTERNAL ERROR: Black 26.10.1 on Python (CPython) 3.11.7 produced invalid code:\ncannot parse: /p/app/c.py:2:1\n    x\n^\nParseError: bad input\nPlease report a bug on https://github.com/psf/black/issues.\n',
      }),
      '/p/app',
    );
    expect(r.status).toBe('error');
    expect(r.headline).toMatch(/^failed on 1 file for a reason other than syntax \(INTERNAL ERROR: Black 26/);
  });
  test('exit 123 for another reason (black crashed on a file) is a tool error', () => {
    const r = parseBlack(
      run({
        exitCode: 123,
        stderr: 'error: cannot format /p/app/c.py: INTERNAL ERROR: Black produced invalid code\n',
      }),
      '/p/app',
    );
    expect(r.status).toBe('error');
    expect(r.headline).toMatch(/other than syntax/);
  });
  test('exit 1 without a file named, exit 2 (bad config) and a timeout are tool errors', () => {
    expect(parseBlack(run({ exitCode: 1, stderr: 'Error: something\n' }), '/p').status).toBe('error');
    expect(
      parseBlack(run({ exitCode: 2, stderr: "Error: Invalid value for '--line-length'\n" }), '/p').status,
    ).toBe('error');
    const timedOut = parseBlack(
      run({ exitCode: null, signal: 'SIGKILL', timedOut: true, timeoutMs: 60_000 }),
      '/p',
    );
    expect(timedOut).toMatchObject({ status: 'error', headline: 'timed out after 60 s and was stopped' });
  });
});

describe('flake8 and ruff outcomes', () => {
  const line = (path: string, row: number, col: number, code: string, text: string): string =>
    ['lint-gate', path, row, col, code, text].join('\t');
  test('the fixed format parses; E999 and F821 are errors, style a warning', () => {
    expect(FLAKE8_FORMAT).toContain('%(path)s');
    const stdout = [
      line('./a.py', 1, 1, 'F401', "'os' imported but unused"),
      line('./b.py', 2, 5, 'E999', 'SyntaxError: x'),
      'a.py:1:1: stray text',
      '',
    ].join('\n');
    const r = parseFlake8(run({ exitCode: 1, stdout }), '/p');
    expect(r.status).toBe('findings');
    expect(r.findings.map((f) => [f.file, f.line, f.code, f.level])).toEqual([
      ['/p/a.py', 1, 'F401', 'warning'],
      ['/p/b.py', 2, 'E999', 'error'],
    ]);
  });
  test('exit 1 without findings (broken config, crashing plugin) is a tool error, not a pass', () => {
    const r = parseFlake8(run({ exitCode: 1, stderr: 'ValueError: invalid literal for int()' }), '/p');
    expect(r.status).toBe('error');
    expect(r.output).toMatch(/ValueError/);
  });
  test('ruff JSON: findings; exit 2 is an error; non-JSON output is an error', () => {
    const json = JSON.stringify([
      { code: 'F401', message: 'unused', filename: '/p/a.py', location: { row: 3, column: 8 } },
      { code: 'invalid-syntax', message: 'Expected )', filename: '/p/b.py', location: { row: 1, column: 7 } },
    ]);
    const r = parseRuffCheck(run({ exitCode: 1, stdout: json }), '/p');
    expect(r.findings.map((f) => [f.line, f.level])).toEqual([
      [3, 'warning'],
      [1, 'error'],
    ]);
    expect(parseRuffCheck(run({ exitCode: 2, stderr: 'ruff failed: bad toml' }), '/p').status).toBe('error');
    expect(parseRuffCheck(run({ exitCode: 1, stdout: 'not json' }), '/p').status).toBe('error');
  });
  test('ruff format: exit 2 with only parse failures is a finding; any other error is a tool error', () => {
    const parseOnly = parseRuffFormat(
      run({ exitCode: 2, stderr: 'error: Failed to parse syn.py:1:7: Expected a parameter\n' }),
      '/p',
    );
    expect(parseOnly.status).toBe('findings');
    expect(parseOnly.findings[0]).toMatchObject({ file: '/p/syn.py', line: 1, col: 7 });
    expect(parseRuffFormat(run({ exitCode: 2, stderr: 'error: Failed to read config\n' }), '/p').status).toBe(
      'error',
    );
  });
});

const JUNIT = `<?xml version="1.0" encoding="utf-8"?><testsuites name="pytest tests"><testsuite name="pytest" errors="0" failures="1" skipped="0" tests="2" time="0.034"><testcase classname="tests.test_d" name="test_fail" file="tests/test_d.py" line="0" time="0.001"><failure message="AssertionError: x should be two&#10;assert 1 == 2">def test_fail():
        x = 1
&gt;       assert x == 2, "x should be two"
E       AssertionError: x should be two

tests/test_d.py:3: AssertionError</failure></testcase><testcase classname="tests.test_d" name="test_ok" file="tests/test_d.py" line="4" time="0.001" /></testsuite></testsuites>`;

describe('pytest outcomes', () => {
  const ctx = { cwd: '/nonexistent/app', workspace: '/nonexistent', junit: JUNIT, allowNoTests: false };
  test('JUnit xunit1: cases, counts, and the failing assertion line in the test file', () => {
    const report = parseJUnit(JUNIT);
    expect(report).toMatchObject({ tests: 2, failures: 1, errors: 0 });
    const failing = report.cases.find((c) => c.outcome === 'failed');
    expect(failing?.message).toBe('AssertionError: x should be two\nassert 1 == 2');
    expect(failureLine(failing!)).toBe(3);
  });
  test('exit 1 with a failed test is a policy finding annotated at the assertion', () => {
    const r = parsePytest(run({ exitCode: 1 }), ctx);
    expect(r.status).toBe('findings');
    expect(r.headline).toBe('1 of 2 tests failed');
    expect(r.findings[0]).toMatchObject({
      file: '/nonexistent/app/tests/test_d.py',
      line: 3,
      level: 'error',
    });
  });
  test.each([
    [2, /could not collect|interrupted/],
    [3, /internal error/],
    [4, /conftest/],
    [5, /collected no tests/],
  ])('exit %i is a tool error', (code, headline) => {
    const r = parsePytest(run({ exitCode: code }), ctx);
    expect(r.status).toBe('error');
    expect(r.headline).toMatch(headline);
  });
  test('exit 5 passes only when the user allows it; exit 1 without a report is an error', () => {
    expect(parsePytest(run({ exitCode: 5 }), { ...ctx, allowNoTests: true }).status).toBe('passed');
    expect(parsePytest(run({ exitCode: 1 }), { ...ctx, junit: undefined }).status).toBe('error');
    expect(parsePytest(run({ exitCode: 0 }), { ...ctx, junit: undefined }).status).toBe('error');
  });
});
