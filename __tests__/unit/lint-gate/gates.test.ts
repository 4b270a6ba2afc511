import { settleAll } from '@deploy-kit/shared';
import { selectAnnotations, stepBudget, annotationProperties } from '../../../actions/lint-gate/src/annotate';
import {
  coverageGate,
  diffCoverage,
  diffCoverageGate,
  formatPercent,
  parseCoverageJson,
} from '../../../actions/lint-gate/src/parse/coverage';
import { parseInputs, parseThreshold, parseTools } from '../../../actions/lint-gate/src/inputs';
import { allocate, summaryMarkdown, SUMMARY_LIMIT_BYTES } from '../../../actions/lint-gate/src/summary';
import type { Finding, GateReport } from '../../../actions/lint-gate/src/types';

const COVERAGE = JSON.stringify({
  totals: { percent_covered: 79.96, num_statements: 10 },
  files: {
    'pkg/a.py': {
      executed_lines: [1, 2, 3],
      missing_lines: [4, 5],
      summary: { percent_covered: 60, num_statements: 5 },
    },
    'pkg/b.py': {
      executed_lines: [1, 2, 3, 4, 5],
      missing_lines: [],
      summary: { percent_covered: 100, num_statements: 5 },
    },
  },
});

describe('coverage', () => {
  test('percentages are cut, never rounded up past the threshold', () => {
    expect(formatPercent(79.96)).toBe('79.9');
    expect(formatPercent(92.0886, 2)).toBe('92.08');
    expect(formatPercent(80)).toBe('80.0');
  });
  test('the threshold is enforced from the JSON total', () => {
    const data = parseCoverageJson(COVERAGE, '/p');
    expect(coverageGate(data, 80)).toMatchObject({ status: 'findings', headline: '79.9 % < 80 %' });
    expect(coverageGate(data, 79.5).status).toBe('passed');
    expect(coverageGate(data, undefined).status).toBe('passed');
  });
  test('diff coverage counts only added lines coverage measures, and lists the uncovered ones', () => {
    const data = parseCoverageJson(COVERAGE, '/p');
    const added = new Map([
      ['/p/pkg/a.py', new Set([3, 4, 5, 6])], // 6: a blank or comment line, not measured
      ['/p/docs/x.md', new Set([1])],
    ]);
    const d = diffCoverage(data, added);
    expect(d).toMatchObject({ covered: 1, measured: 3 });
    expect(d.uncovered.get('/p/pkg/a.py')).toEqual([4, 5]);
    const gate = diffCoverageGate(d, 50);
    expect(gate).toMatchObject({ status: 'findings', headline: '33.3 % of 3 added lines < 50 %' });
    expect(gate.findings).toEqual([expect.objectContaining({ level: 'notice', line: 4, endLine: 5 })]);
    expect(diffCoverageGate(diffCoverage(data, new Map()), 90).status).toBe('passed');
  });
});

const finding = (over: Partial<Finding>): Finding => ({
  tool: 'flake8',
  level: 'warning',
  file: '/r/a.py',
  line: 1,
  title: 't',
  message: 'm',
  ...over,
});

describe('annotation budget', () => {
  test('changed lines first, then errors, then the rest; per-level caps; the rest counted', () => {
    const findings = [
      ...Array.from({ length: 15 }, (_, i) => finding({ line: 100 + i })),
      ...Array.from({ length: 12 }, (_, i) => finding({ level: 'error', line: 200 + i, tool: 'pytest' })),
      finding({ line: 7, message: 'on the change' }),
    ];
    const changed = new Map([['/r/a.py', new Set([7])]]);
    const { shown, omitted } = selectAnnotations(findings, changed, stepBudget(20, true));
    expect(shown[0]?.message).toBe('on the change');
    expect(shown.slice(1, 10).every((f) => f.level === 'error')).toBe(true);
    expect(shown.filter((f) => f.level === 'error')).toHaveLength(9); // one error slot is setFailed's
    expect(shown.filter((f) => f.level === 'warning')).toHaveLength(10);
    expect(omitted).toBe(findings.length - 19);
  });
  test("each kind's cap scales with max-annotations: half of it, at least 10", () => {
    const findings = Array.from({ length: 60 }, (_, i) => finding({ line: i + 1 }));
    expect(selectAnnotations(findings, new Map(), stepBudget(50, false)).shown).toHaveLength(25);
    expect(selectAnnotations(findings, new Map(), stepBudget(30, false)).shown).toHaveLength(15);
    expect(selectAnnotations(findings, new Map(), stepBudget(20, false)).shown).toHaveLength(10);
    expect(selectAnnotations(findings, new Map(), stepBudget(5, false)).shown).toHaveLength(5);
  });
  test('max-annotations bounds the total', () => {
    const findings = Array.from({ length: 30 }, (_, i) => finding({ line: i + 1 }));
    expect(selectAnnotations(findings, new Map(), stepBudget(3, false)).shown).toHaveLength(3);
  });
  test('paths are relative to the repository root; no column on a multi-line annotation', () => {
    expect(annotationProperties(finding({ file: '/r/app/x.py', col: 4 }), '/r')).toMatchObject({
      file: 'app/x.py',
      startColumn: 4,
    });
    expect(annotationProperties(finding({ line: 2, endLine: 5, col: 4 }), '/r').startColumn).toBeUndefined();
  });
});

describe('inputs', () => {
  test('tools: known names only, default when empty', () => {
    expect(parseTools('')).toEqual(['black', 'flake8', 'pytest']);
    expect(parseTools('ruff, ruff-format\npytest')).toEqual(['ruff', 'ruff-format', 'pytest']);
    expect(() => parseTools('black, pylint')).toThrow(
      "'tools' must be a comma- or newline-separated list of black, flake8, ruff, ruff-format, pytest; unknown: pylint.",
    );
  });
  test('thresholds: a percentage or empty', () => {
    expect(parseThreshold('coverage-threshold', '80')).toBe(80);
    expect(parseThreshold('coverage-threshold', '72.5%')).toBe(72.5);
    expect(parseThreshold('coverage-threshold', '')).toBeUndefined();
    expect(() => parseThreshold('coverage-threshold', 'eighty')).toThrow(
      /'coverage-threshold' must be a percentage from 0 to 100/,
    );
    expect(() => parseThreshold('coverage-threshold', '120')).toThrow(/0 to 100/);
  });
  test('pytest-args: shell words, no operators', () => {
    expect(parseInputs({ 'pytest-args': '--disable-warnings -m "not slow"' }).pytestArgs).toEqual([
      '--disable-warnings',
      '-m',
      'not slow',
    ]);
    expect(() => parseInputs({ 'pytest-args': '-x | tee out' })).toThrow(
      /^'pytest-args' must be one command with plain arguments/,
    );
  });
  test('defaults from action.yml: python3, 20 minutes, coverage at 80 %', () => {
    expect(parseInputs({})).toMatchObject({
      python: 'python3',
      timeoutMs: 20 * 60_000,
      coverageThreshold: 80,
      tools: ['black', 'flake8', 'pytest'],
      maxAnnotations: 20,
      allowNoTests: false,
    });
    expect(parseInputs({ 'coverage-threshold': '', timeout: '90s' })).toMatchObject({
      coverageThreshold: undefined,
      timeoutMs: 90_000,
    });
  });
});

describe('summary', () => {
  const report = (over: Partial<GateReport>): GateReport => ({
    gate: 'black',
    status: 'passed',
    headline: 'formatted',
    findings: [],
    counts: {},
    ...over,
  });
  test('shares room smallest first', () => {
    expect(allocate([10, 1000, 50], 300)).toEqual([10, 240, 50]);
  });
  test('a 3 MiB diff and 20k findings fit under 1 MiB, trimmed with a note, table intact', () => {
    const diff = Array.from({ length: 60_000 }, (_, i) => `-x = {  'a':${i} }\n+x = {"a": ${i}}`).join('\n');
    const findings = Array.from({ length: 20_000 }, (_, i) => ({
      tool: 'flake8' as const,
      level: 'warning' as const,
      file: `/r/pkg/m${i}.py`,
      line: 1,
      title: 'flake8 E501',
      message: 'line too long '.repeat(5),
    }));
    const md = summaryMarkdown({
      reports: [
        report({ status: 'findings', headline: '600 files would be reformatted', diff }),
        report({ gate: 'flake8', status: 'findings', headline: 'many', findings }),
      ],
      versions: { python: '3.11.7' },
      python: '/usr/bin/python3',
      workingDirectory: '.',
      repoRoot: '/r',
      findings,
      annotated: 10,
    });
    expect(Buffer.byteLength(md)).toBeLessThan(SUMMARY_LIMIT_BYTES);
    expect(Buffer.byteLength(diff)).toBeGreaterThan(SUMMARY_LIMIT_BYTES * 2);
    expect(md).toContain('| black | ❌ failed | 600 files would be reformatted |');
    expect(md).toMatch(/^## lint-gate failed: black, flake8\n/);
    expect(md).toMatch(/more findings not shown \(trimmed to fit/);
    expect(md).toMatch(/trimmed: \d+ more lines/);
    expect(md).toContain('<details><summary>black diff');
  });
});

describe('settleAll (the shared pool lint-gate starts its tools with)', () => {
  test('never more than the limit in flight, every item settled, order kept', async () => {
    let inFlight = 0;
    let peak = 0;
    const results = await settleAll([1, 2, 3, 4, 5], 2, async (n) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setImmediate(r));
      inFlight--;
      if (n === 3) throw new Error('three');
      return n * 10;
    });
    expect(peak).toBe(2);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([
      10,
      20,
      'three',
      40,
      50,
    ]);
  });
});
