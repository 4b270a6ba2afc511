import * as path from 'node:path';
import { mdCode, mdEscape, mdHeading, mdTable } from '@deploy-kit/shared';
import { lineRanges } from './parse/diff';
import { formatPercent, missingRanges, type CoverageData, type DiffCoverage } from './parse/coverage';
import type { Finding, GateReport, Status } from './types';

/**
 * The job summary: a table per gate at the top, then the details a person
 * acts on. GitHub refuses a step summary over 1 MiB; the details are trimmed
 * to fit (with a note saying so), never dropped as a whole.
 */
export const SUMMARY_LIMIT_BYTES = 1024 * 1024;
/** Headroom under the limit for the runner's own additions and multi-byte surprises. */
const SAFE_BYTES = SUMMARY_LIMIT_BYTES - 16 * 1024;

const ICON: Record<Status, string> = {
  passed: '✅ passed',
  findings: '❌ failed',
  error: '⚠️ could not run',
};

export interface SummaryInput {
  reports: readonly GateReport[];
  versions: Record<string, string>;
  python: string;
  workingDirectory: string;
  repoRoot: string;
  coverage?: CoverageData;
  coverageThreshold?: number;
  diff?: DiffCoverage;
  diffNote?: string;
  findings: readonly Finding[];
  annotated: number;
}

const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

function rel(file: string, root: string): string {
  const r = path.relative(root, file);
  return r.startsWith('..') ? file : r.split(path.sep).join('/');
}

function seconds(ms: number | undefined): string {
  return ms === undefined ? '' : `${(ms / 1000).toFixed(1)} s`;
}

function findingCount(r: GateReport): string {
  if (r.gate === 'pytest')
    return r.counts.tests === undefined ? '' : `${r.counts.failed ?? 0} of ${r.counts.tests} failed`;
  if (r.gate === 'coverage' || r.gate === 'diff-coverage') return '';
  return r.status === 'error' ? '' : String(r.findings.length);
}

export function gateTable(input: SummaryInput): string {
  return mdTable(
    ['Gate', 'Status', 'Result', 'Findings', 'Version', 'Time'],
    input.reports.map((r) => [
      r.gate,
      ICON[r.status],
      r.headline,
      findingCount(r),
      r.version ?? '',
      seconds(r.durationMs),
    ]),
  );
}

/** Take items while they fit; say how many were left out. */
export function fitItems(items: readonly string[], maxBytes: number, what: string): string {
  const out: string[] = [];
  let used = 0;
  for (const item of items) {
    const size = bytes(item) + 1;
    if (used + size > maxBytes - 200) break;
    out.push(item);
    used += size;
  }
  if (out.length < items.length)
    out.push(
      `\n_… ${items.length - out.length} more ${what} not shown (trimmed to fit the job summary's 1 MiB limit; see the log)._`,
    );
  return out.join('\n');
}

/** Cut text to a byte size on a line boundary, saying so. */
export function fitText(text: string, maxBytes: number): string {
  if (bytes(text) <= maxBytes) return text;
  const lines = text.split('\n');
  const out: string[] = [];
  let used = 0;
  for (const line of lines) {
    if (used + bytes(line) + 1 > maxBytes - 200) break;
    out.push(line);
    used += bytes(line) + 1;
  }
  return `${out.join('\n')}\n… trimmed: ${lines.length - out.length} more lines (see the log)`;
}

function fence(text: string, lang = ''): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const f = '`'.repeat(longest + 1);
  return `${f}${lang}\n${text}\n${f}`;
}

interface Section {
  /** Renders the section within a byte budget. */
  render(maxBytes: number): string;
  /** Its size untrimmed. */
  natural: number;
}

function section(render: (maxBytes: number) => string): Section {
  return { render, natural: bytes(render(Number.MAX_SAFE_INTEGER)) };
}

/**
 * Share the room left by the fixed head among the detail sections, smallest
 * first: a section that needs less than its share gives the rest to the others.
 */
export function allocate(naturals: readonly number[], room: number): number[] {
  const order = naturals.map((n, i) => ({ n, i })).sort((a, b) => a.n - b.n);
  const shares = new Array<number>(naturals.length).fill(0);
  let left = Math.max(0, room);
  order.forEach(({ n, i }, k) => {
    const share = Math.floor(left / (order.length - k));
    shares[i] = Math.min(n, share);
    left -= shares[i] as number;
  });
  return shares;
}

function errorsSection(input: SummaryInput): Section | undefined {
  const errors = input.reports.filter((r) => r.status === 'error');
  if (errors.length === 0) return undefined;
  return section((max) =>
    [
      mdHeading('Could not run', 3),
      ...errors.map(
        (r) =>
          `**${r.gate}** ${mdEscape(r.headline)}.\n\n${fence(fitText(r.output ?? '(no output)', Math.max(400, max / errors.length - 200)))}`,
      ),
    ].join('\n\n'),
  );
}

function testsSection(input: SummaryInput): Section | undefined {
  const tests = input.reports.flatMap((r) => r.failedTests ?? []);
  if (tests.length === 0) return undefined;
  return section((max) =>
    [
      mdHeading(`Failing tests (${tests.length})`, 3),
      fitItems(
        tests.map(
          (t) =>
            `<details><summary>${mdEscape(t.id)}: ${mdEscape(t.message.split('\n')[0] ?? '')}</summary>\n\n${fence(fitText(t.details || t.message, 8000))}\n\n</details>`,
        ),
        max - 100,
        'failing tests',
      ),
    ].join('\n\n'),
  );
}

function coverageSection(input: SummaryInput): Section | undefined {
  const cov = input.coverage;
  if (!cov) return undefined;
  return section((max) => {
    const worst = [...cov.files]
      .filter((f) => f.statements > 0)
      .sort((a, b) => a.percent - b.percent)
      .slice(0, 10);
    const lines = [
      mdHeading('Coverage', 3),
      `Total: **${formatPercent(cov.percent)} %** of ${cov.statements} statements${input.coverageThreshold === undefined ? ' (no threshold)' : ` (threshold ${input.coverageThreshold} %)`}.`,
    ];
    if (input.diff)
      lines.push(
        input.diff.percent === undefined
          ? 'Diff coverage: the change adds no lines that coverage measures.'
          : `Diff coverage: **${formatPercent(input.diff.percent)} %** (${input.diff.covered} of ${input.diff.measured} added lines).`,
      );
    else if (input.diffNote) lines.push(`Diff coverage: ${input.diffNote}`);
    const table = mdTable(
      ['Least covered file', 'Coverage', 'Missing lines'],
      worst.map((f) => [rel(f.file, input.repoRoot), `${formatPercent(f.percent)} %`, missingRanges(f)]),
    );
    lines.push(fitText(table, Math.max(500, max - 600)));
    return lines.join('\n\n');
  });
}

function uncoveredSection(input: SummaryInput): Section | undefined {
  const d = input.diff;
  if (!d || d.uncovered.size === 0) return undefined;
  return section((max) =>
    [
      mdHeading('Added lines not covered', 3),
      fitItems(
        [...d.uncovered].map(
          ([file, lines]) => `- ${mdCode(rel(file, input.repoRoot))}: ${lineRanges(lines)}`,
        ),
        max - 100,
        'files',
      ),
    ].join('\n\n'),
  );
}

function findingsSection(input: SummaryInput): Section | undefined {
  if (input.findings.length === 0) return undefined;
  return section((max) =>
    [
      mdHeading(`Findings (${input.findings.length}; ${input.annotated} annotated in the code)`, 3),
      fitItems(
        input.findings.map(
          (f) =>
            `- ${mdCode(`${rel(f.file, input.repoRoot)}${f.line ? `:${f.line}` : ''}${f.col ? `:${f.col}` : ''}`)} ${f.level} **${mdEscape(f.title)}**: ${mdEscape(f.message)}`,
        ),
        max - 100,
        'findings',
      ),
    ].join('\n\n'),
  );
}

function diffSections(input: SummaryInput): Section[] {
  return input.reports
    .filter((x) => x.diff)
    .map((r) =>
      section(
        (max) =>
          `<details><summary>${r.gate} diff (${r.headline})</summary>\n\n${fence(fitText(r.diff as string, Math.max(0, max - 200)), 'diff')}\n\n</details>`,
      ),
    );
}

export function summaryMarkdown(input: SummaryInput, limit = SAFE_BYTES): string {
  const failed = input.reports.filter((r) => r.status !== 'passed');
  const verdict =
    failed.length === 0
      ? '**All gates passed.**'
      : `**${failed.some((r) => r.status === 'error') ? 'Could not complete' : 'Failed'}:** ${failed.map((r) => `${r.gate}: ${mdEscape(r.headline)}`).join('; ')}.`;
  const where = `Python ${mdCode(input.versions.python ?? '?')} (${mdCode(input.python)}), in ${mdCode(input.workingDirectory)}.`;
  const broke = failed.some((r) => r.status === 'error') ? 'could not complete' : 'failed';
  const title =
    failed.length === 0 ? 'lint-gate passed' : `lint-gate ${broke}: ${failed.map((r) => r.gate).join(', ')}`;
  const head = [mdHeading(title, 2), verdict, gateTable(input), where].join('\n\n');
  const sections = [
    errorsSection(input),
    testsSection(input),
    coverageSection(input),
    uncoveredSection(input),
    findingsSection(input),
    ...diffSections(input),
  ].filter((s): s is Section => s !== undefined);

  const shares = allocate(
    sections.map((s) => s.natural),
    limit - bytes(head) - 100 * sections.length,
  );
  const body = sections.map((s, i) =>
    s.natural <= (shares[i] as number) ? s.render(Number.MAX_SAFE_INTEGER) : s.render(shares[i] as number),
  );
  const markdown = [head, ...body].join('\n\n') + '\n';
  // Last resort if a section overran its share: the head (verdict, table) always survives.
  return bytes(markdown) <= limit ? markdown : fitText(markdown, limit) + '\n';
}
