import type { Finding, GateReport } from '../types';
import { abnormalEnd, absolute, plural, toolError, type ToolRun } from './common';
import { parseFormatterDiff } from './diff';
import { formatterReports, wouldReformat } from './formatter';

// Both forms black has printed for a file it cannot parse.
const CANNOT_PARSE =
  /^error: cannot format (.+?): Cannot parse(?: for target version [^:]+)?: (\d+):(\d+): ?(.*)$/;
const CANNOT_FORMAT = /^error: cannot format (.+?): (.*)$/;
const WOULD_REFORMAT = /^would reformat (.+)$/;

/**
 * `black --check --diff`: exit 0 clean, 1 files would be reformatted, 123 some
 * file failed. 123 is a finding when every failure is a syntax error in the
 * user's code (with its file and line), a tool error otherwise (black crashed,
 * or failed its own safety checks). Anything else (2: bad option or config) is
 * a tool error.
 */
export function parseBlack(run: ToolRun, cwd: string): GateReport {
  const abnormal = abnormalEnd('black', run);
  if (abnormal) return abnormal;
  const stderr = run.stderr.split('\n').map((l) => l.trimEnd());
  const reformat = stderr.flatMap((l) => WOULD_REFORMAT.exec(l)?.[1] ?? []).map((f) => absolute(cwd, f));
  const syntax: Finding[] = [];
  const internal: string[] = [];
  for (const line of stderr) {
    const parse = CANNOT_PARSE.exec(line);
    if (parse) {
      const [, file, row, col, text] = parse as unknown as [string, string, string, string, string];
      syntax.push({
        tool: 'black',
        level: 'error',
        file: absolute(cwd, file),
        line: Number(row),
        col: Number(col) + 1, // black counts columns from 0
        title: 'black: cannot parse',
        message: `Black cannot parse this file: syntax error at ${row}:${Number(col) + 1}${text ? ` (${text.trim()})` : ''}.`,
      });
      continue;
    }
    const other = CANNOT_FORMAT.exec(line);
    if (other) internal.push(`${other[1]}: ${other[2]}`);
  }
  const diffs = parseFormatterDiff(run.stdout);
  const firstChange = new Map(diffs.map((d) => [absolute(cwd, d.file), d.firstChangedLine]));
  const findings: Finding[] = [
    ...syntax,
    ...reformat.map((file) => wouldReformat('black', 'black', file, firstChange.get(file) ?? 1)),
  ];
  const reports = formatterReports('black', run, findings, reformat.length, syntax.length);
  switch (run.exitCode) {
    case 0:
      return reports.passed;
    case 1:
      if (reformat.length > 0) return reports.findings;
      return toolError('black', run, 'exited 1 without naming a file to reformat');
    case 123:
      if (internal.length > 0)
        return toolError(
          'black',
          run,
          `failed on ${plural(internal.length, 'file')} for a reason other than syntax (${internal[0]})`,
        );
      if (syntax.length > 0) return reports.findings;
      return toolError('black', run, 'exited 123 (internal error)');
    default:
      return toolError('black', run, `exited ${run.exitCode} (usage or configuration error)`);
  }
}
