import type { Finding, GateReport } from '../types';
import { abnormalEnd, absolute, plural, toolError, type ToolRun } from './common';
import { parseFormatterDiff } from './diff';
import { formatterReports, wouldReformat } from './formatter';

// Every form black 22-26 prints for a file it cannot parse. Up to 25: the position after the
// path, then the source line. From 26: the position joined to the path, then on the next lines
// the source line (indented 4), a caret and `ParseError: …` / `TokenError: …`. The column is the
// parser's, counted from 0, in both.
const CANNOT_PARSE =
  /^error: cannot format (.+?): Cannot parse(?: for target version [^:]+)?: (\d+):(\d+): ?(.*)$/;
const CANNOT_PARSE_26 = /^error: cannot parse(?: for target version [^:]+)?: (.+):(\d+):(\d+)$/;
const CANNOT_FORMAT = /^error: cannot format (.+?): (.*)$/;
// black 26 on its own invalid output (never the user's syntax): the position follows on the next line.
const INTERNAL = /^error: INTERNAL ERROR: /;
const WOULD_REFORMAT = /^would reformat (.+)$/;

function cannotParse(cwd: string, file: string, row: string, col: string, text = ''): Finding {
  const column = Number(col) + 1; // black counts columns from 0
  return {
    tool: 'black',
    level: 'error',
    file: absolute(cwd, file),
    line: Number(row),
    col: column,
    title: 'black: cannot parse',
    message: `Black cannot parse this file: syntax error at ${row}:${column}${text.trim() ? ` (${text.trim()})` : ''}.`,
  };
}

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
  stderr.forEach((line, i) => {
    const parse = CANNOT_PARSE.exec(line);
    const parse26 = parse ? undefined : CANNOT_PARSE_26.exec(line);
    const [, file = '', row = '', col = '', text] = parse ?? parse26 ?? [];
    // black 26: the source line follows, indented by 4.
    const source = parse26 && /^ {4}\S/.test(stderr[i + 1] ?? '') ? stderr[i + 1] : text;
    if (parse || parse26) syntax.push(cannotParse(cwd, file, row, col, source));
    else if (INTERNAL.test(line)) internal.push(line.replace(/^error: /, ''));
    else {
      const other = CANNOT_FORMAT.exec(line);
      if (other) internal.push(`${other[1]}: ${other[2]}`);
    }
  });
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
