import * as path from 'node:path';
import type { Finding, GateReport } from '../types';
import { absolute } from './common';
import { lineRanges, lineRuns } from './diff';

export interface FileCoverage {
  /** Absolute path. */
  file: string;
  percent: number;
  statements: number;
  executed: Set<number>;
  missing: Set<number>;
}

export interface CoverageData {
  percent: number;
  statements: number;
  files: FileCoverage[];
}

interface CoverageJson {
  totals?: { percent_covered?: number; num_statements?: number };
  files?: Record<
    string,
    {
      executed_lines?: number[];
      missing_lines?: number[];
      summary?: { percent_covered?: number; num_statements?: number };
    }
  >;
}

/** coverage.py's JSON report (`coverage json`, `--cov-report=json`): totals and per-file lines. */
export function parseCoverageJson(text: string, cwd: string): CoverageData {
  const json = JSON.parse(text) as CoverageJson;
  const percent = json.totals?.percent_covered;
  if (typeof percent !== 'number' || !json.files)
    throw new Error('no totals.percent_covered or files in the report');
  return {
    percent,
    statements: json.totals?.num_statements ?? 0,
    files: Object.entries(json.files).map(([file, data]) => ({
      file: absolute(cwd, file),
      percent: data.summary?.percent_covered ?? 0,
      statements: data.summary?.num_statements ?? 0,
      executed: new Set(data.executed_lines ?? []),
      missing: new Set(data.missing_lines ?? []),
    })),
  };
}

/**
 * A percentage as the gate shows it: cut, never rounded up, so 79.96 % reads
 * "79.9 %" next to an 80 % floor instead of an impossible "80.0 % < 80 %".
 */
export function formatPercent(value: number, decimals = 1): string {
  const f = 10 ** decimals;
  return (Math.floor(value * f + 1e-9) / f).toFixed(decimals);
}

/**
 * A file's missing lines as coverage.py's report shows them: ranges that run over lines that are
 * not statements ("2-5, 9"), the first `max` of them, then "and N more ranges".
 */
export function missingRanges(f: Pick<FileCoverage, 'executed' | 'missing'>, max = 10): string {
  const missing = [...f.missing].sort((a, b) => a - b);
  const executed = [...f.executed].sort((a, b) => a - b);
  const ranges: [number, number][] = [];
  let e = 0;
  for (const n of missing) {
    const last = ranges[ranges.length - 1];
    while (e < executed.length && (executed[e] as number) < n) e++;
    // Extend the last range unless a statement that ran lies between it and n.
    const ranBetween = last !== undefined && e > 0 && (executed[e - 1] as number) > last[1];
    if (last && !ranBetween) last[1] = n;
    else ranges.push([n, n]);
  }
  const shown = ranges.slice(0, max).map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`));
  const more = ranges.length - shown.length;
  return more > 0 ? `${shown.join(', ')} and ${more} more range${more === 1 ? '' : 's'}` : shown.join(', ');
}

/**
 * The missing-lines table for the log, laid out as coverage.py's `report -m` lays it out (Name,
 * Stmts, Miss, Cover, Missing; every range, files by name, a TOTAL line), from the JSON report:
 * asking pytest-cov for the terminal report as well made coverage.py analyse every file twice.
 * Percentages are cut, never rounded up (as in the summary). Pure.
 */
export function coverageTable(data: CoverageData, cwd: string): string {
  const rows = [...data.files]
    .map((f) => ({ f, name: path.relative(cwd, f.file) || f.file }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map(({ f, name }) => [
      name,
      String(f.statements),
      String(f.missing.size),
      `${formatPercent(f.percent, 0)}%`,
      missingRanges(f, Infinity),
    ]);
  const missed = data.files.reduce((n, f) => n + f.missing.size, 0);
  const total = ['TOTAL', String(data.statements), String(missed), `${formatPercent(data.percent, 0)}%`, ''];
  const head = ['Name', 'Stmts', 'Miss', 'Cover', 'Missing'];
  // Each column's width, once (a project can have thousands of files).
  const widths = [0, 1, 2, 3].map((i) =>
    [head, ...rows, total].reduce((w, r) => Math.max(w, (r[i] as string).length), i === 0 ? 0 : 6),
  );
  const line = (r: string[]): string =>
    [
      (r[0] as string).padEnd(widths[0] as number),
      ...[1, 2, 3].map((i) => (r[i] as string).padStart(widths[i] as number)),
      r[4] ? `  ${r[4]}` : '',
    ]
      .join(' ')
      .trimEnd();
  const rule = '-'.repeat(line(head).length);
  return [line(head), rule, ...rows.map(line), rule, line(total)].join('\n');
}

export function coverageGate(data: CoverageData, threshold: number | undefined): GateReport {
  const shown = `${formatPercent(data.percent)} %`;
  const counts = { statements: data.statements, files: data.files.length };
  if (threshold === undefined)
    return { gate: 'coverage', status: 'passed', headline: `${shown} (no threshold)`, findings: [], counts };
  if (data.percent < threshold)
    return {
      gate: 'coverage',
      status: 'findings',
      headline: `${shown} < ${threshold} %`,
      findings: [],
      counts,
    };
  return { gate: 'coverage', status: 'passed', headline: `${shown} ≥ ${threshold} %`, findings: [], counts };
}

export interface DiffCoverage {
  /** undefined when the change adds no line coverage measures. */
  percent: number | undefined;
  covered: number;
  measured: number;
  /** Absolute path -> uncovered added lines. */
  uncovered: Map<string, number[]>;
}

/** Coverage of the added lines: of those coverage.py measures, how many ran. */
export function diffCoverage(data: CoverageData, added: Map<string, Set<number>>): DiffCoverage {
  let covered = 0;
  let measured = 0;
  const uncovered = new Map<string, number[]>();
  for (const f of data.files) {
    const lines = added.get(f.file);
    if (!lines) continue;
    const missed: number[] = [];
    for (const n of lines) {
      if (f.executed.has(n)) {
        covered++;
        measured++;
      } else if (f.missing.has(n)) {
        measured++;
        missed.push(n);
      }
    }
    if (missed.length > 0)
      uncovered.set(
        f.file,
        missed.sort((a, b) => a - b),
      );
  }
  return { percent: measured === 0 ? undefined : (100 * covered) / measured, covered, measured, uncovered };
}

export function diffCoverageGate(d: DiffCoverage, threshold: number | undefined): GateReport {
  const counts = { covered: d.covered, measured: d.measured };
  const findings: Finding[] = [...d.uncovered].flatMap(([file, lines]) =>
    lineRuns(lines).map(([start, end]) => ({
      tool: 'diff-coverage' as const,
      level: 'notice' as const,
      file,
      line: start,
      endLine: end === start ? undefined : end,
      title: 'diff coverage: not covered',
      message:
        start === end
          ? `Added line ${start} is not covered by the tests.`
          : `Added lines ${lineRanges([start, end])} are not covered by the tests.`,
    })),
  );
  if (d.percent === undefined)
    return {
      gate: 'diff-coverage',
      status: 'passed',
      headline: 'no added lines that coverage measures',
      findings,
      counts,
    };
  const shown = `${formatPercent(d.percent)} % of ${d.measured} added lines`;
  if (threshold !== undefined && d.percent < threshold)
    return {
      gate: 'diff-coverage',
      status: 'findings',
      headline: `${shown} < ${threshold} %`,
      findings,
      counts,
    };
  return {
    gate: 'diff-coverage',
    status: 'passed',
    headline: threshold === undefined ? `${shown} (no threshold)` : `${shown} ≥ ${threshold} %`,
    findings,
    counts,
  };
}
