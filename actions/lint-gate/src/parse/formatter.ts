import type { Finding, GateName, GateReport } from '../types';
import { plural, type ToolRun } from './common';

/**
 * What black and ruff format share once their output is read: one warning per file
 * that would be reformatted (at its first changed line), and the two reports such a
 * check can end in. The tools differ only in how they print their errors and what
 * their exit codes mean, which stays in each parser.
 */
export function wouldReformat(gate: GateName, tool: string, file: string, line: number): Finding {
  return {
    tool: gate,
    level: 'warning',
    file,
    line,
    title: `${tool}: would reformat`,
    message: `${tool} would reformat this file (first change at line ${line}); run ${tool} and commit the result.`,
  };
}

export interface FormatterReports {
  passed: GateReport;
  findings: GateReport;
}

export function formatterReports(
  gate: GateName,
  run: ToolRun,
  findings: Finding[],
  reformatCount: number,
  cannotParseCount: number,
): FormatterReports {
  const counts = { wouldReformat: reformatCount, cannotParse: cannotParseCount };
  const base = { gate, counts, durationMs: run.durationMs };
  return {
    passed: { ...base, status: 'passed', headline: 'formatted', findings: [] },
    findings: {
      ...base,
      status: 'findings',
      headline: [
        reformatCount > 0 ? `${plural(reformatCount, 'file')} would be reformatted` : '',
        cannotParseCount > 0 ? `${plural(cannotParseCount, 'file')} cannot be parsed` : '',
      ]
        .filter(Boolean)
        .join(', '),
      findings,
      diff: run.stdout,
    },
  };
}
