import type { Finding, GateReport } from '../types';
import { abnormalEnd, absolute, isSevereCode, plural, toolError, type ToolRun } from './common';
import { parseFormatterDiff } from './diff';
import { formatterReports, wouldReformat } from './formatter';

interface RuffMessage {
  code: string | null;
  message: string;
  filename: string;
  location?: { row: number; column: number };
  end_location?: { row: number; column: number };
}

/** `ruff check --output-format=json`: exit 0 clean, 1 findings, 2 could not run. */
export function parseRuffCheck(run: ToolRun, cwd: string): GateReport {
  const abnormal = abnormalEnd('ruff', run);
  if (abnormal) return abnormal;
  if (run.exitCode !== 0 && run.exitCode !== 1)
    return toolError('ruff', run, `exited ${run.exitCode} (configuration, usage or internal error)`);
  let messages: RuffMessage[];
  try {
    const parsed: unknown = JSON.parse(run.stdout);
    if (!Array.isArray(parsed)) throw new Error('not an array');
    messages = parsed as RuffMessage[];
  } catch {
    return toolError('ruff', run, `exited ${run.exitCode} without a JSON report`);
  }
  const findings = messages.map((m): Finding => ({
    tool: 'ruff',
    level: isSevereCode(m.code) ? 'error' : 'warning',
    file: absolute(cwd, m.filename),
    line: m.location?.row ?? 1,
    col: m.location?.column,
    endLine: m.end_location?.row,
    code: m.code ?? 'invalid-syntax',
    title: `ruff ${m.code ?? 'syntax error'}`,
    message: m.message,
  }));
  const files = new Set(findings.map((f) => f.file)).size;
  const counts = { findings: findings.length, files };
  if (run.exitCode === 1 && findings.length === 0)
    return toolError('ruff', run, 'exited 1 with an empty report');
  if (run.exitCode === 0 && findings.length === 0)
    return {
      gate: 'ruff',
      status: 'passed',
      headline: 'no findings',
      findings,
      counts,
      durationMs: run.durationMs,
    };
  return {
    gate: 'ruff',
    status: 'findings',
    headline: `${plural(findings.length, 'finding')} in ${plural(files, 'file')}`,
    findings,
    counts,
    durationMs: run.durationMs,
  };
}

const FAILED_TO_PARSE = /^error: Failed to parse (.+?):(\d+):(\d+): (.*)$/;

/**
 * `ruff format --check --diff`: exit 0 clean, 1 would reformat, 2 error. Exit 2
 * is a finding when every error is a file ruff cannot parse (a syntax error in
 * the user's code), a tool error otherwise.
 */
export function parseRuffFormat(run: ToolRun, cwd: string): GateReport {
  const abnormal = abnormalEnd('ruff-format', run);
  if (abnormal) return abnormal;
  const errors = run.stderr.split('\n').filter((l) => l.startsWith('error:'));
  const syntax = errors.flatMap((l): Finding[] => {
    const m = FAILED_TO_PARSE.exec(l.trimEnd());
    if (!m) return [];
    return [
      {
        tool: 'ruff-format',
        level: 'error',
        file: absolute(cwd, m[1] as string),
        line: Number(m[2]),
        col: Number(m[3]),
        title: 'ruff format: cannot parse',
        message: `Ruff cannot parse this file: ${m[4]}.`,
      },
    ];
  });
  const diffs = parseFormatterDiff(run.stdout);
  const findings: Finding[] = [
    ...syntax,
    ...diffs.map((d) =>
      wouldReformat('ruff-format', 'ruff format', absolute(cwd, d.file), d.firstChangedLine),
    ),
  ];
  const reports = formatterReports('ruff-format', run, findings, diffs.length, syntax.length);
  if (run.exitCode === 0) return reports.passed;
  if (run.exitCode === 1)
    return diffs.length > 0 ? reports.findings : toolError('ruff-format', run, 'exited 1 without a diff');
  if (run.exitCode === 2 && syntax.length > 0 && syntax.length === errors.length) return reports.findings;
  return toolError('ruff-format', run, `exited ${run.exitCode} (configuration, usage or internal error)`);
}
