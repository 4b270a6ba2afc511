import { ToolError } from '@deploy-kit/shared';
import { parsePipAuditReport, type PipAuditReport } from './audit-report';

/**
 * The three outcomes of one pip-audit run, never confused. pip-audit exits 1
 * both when it found vulnerabilities and when it crashed, and writes its JSON
 * report only when the audit completed; so the caller deletes the report file
 * before the run, and only "exit 1 + a report that parses" means findings.
 */
export type Outcome =
  { kind: 'clean'; report: PipAuditReport } | { kind: 'findings'; report: PipAuditReport };

export interface RunResult {
  exitCode: number;
  /** The report file's text, or undefined when pip-audit did not write it. */
  reportText: string | undefined;
  stderr: string;
  stdout: string;
}

/** The line that says why pip-audit stopped: its last ERROR log line, else a traceback's exception, else the last line. */
export function lastErrorLine(output: string): string {
  const lines = output
    .split(/\r?\n/)
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== '');
  const errorAt = lines.map((l) => /^ERROR:[\w.]+:/.test(l)).lastIndexOf(true);
  if (errorAt >= 0) {
    const line = (lines[errorAt] as string).replace(/^ERROR:[\w.]+:\s*/, '').trim();
    // When pip fails, pip-audit's own line is its argv; pip's last "ERROR: ..." line says why.
    const pip = lines.filter((l) => l.startsWith('ERROR: ')).at(-1);
    if (pip && line.startsWith('Failed to install packages'))
      return `pip could not resolve the requirements: ${pip.slice(7).trim()}`;
    return line;
  }
  const exception = [...lines].reverse().find((l) => /^[A-Za-z_][\w.]*(Error|Exception|Exit)\b.*:/.test(l));
  if (exception) return exception.trim();
  return lines.at(-1)?.trim() ?? '';
}

export function classify(run: RunResult, what: string): Outcome {
  const report = run.reportText === undefined ? undefined : parsePipAuditReport(run.reportText);
  const why = (): string => lastErrorLine(`${run.stdout}\n${run.stderr}`) || 'it printed no error';
  if (run.exitCode === 0) {
    if (!report)
      throw new ToolError(`pip-audit exited 0 for ${what} but wrote no readable JSON report; ${why()}`);
    // A clean exit with vulnerabilities in the report would be a contradiction we must not hide.
    const found = report.dependencies.some((d) => (d.vulns ?? []).length > 0);
    return { kind: found ? 'findings' : 'clean', report };
  }
  if (run.exitCode === 1 && report) return { kind: 'findings', report };
  throw new ToolError(`pip-audit could not audit ${what} (exit ${run.exitCode}): ${why()}`);
}
