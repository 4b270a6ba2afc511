import { mdCode, mdEscape, mdHeading, mdList, mdTable } from '@deploy-kit/shared';
import { findingKey, type Finding } from './findings';
import type { IgnoreEntry } from './ignores';
import type { UnknownPin } from './index-check';
import type { Level } from './severity';

/** The JSON report (the weekly artifact), its comparison with the previous one, and the job summary. Pure. */

export const REPORT_VERSION = 1;

export interface ReportFinding {
  key: string;
  /** The advisory's stable identity (the key's last part): see canonicalId. */
  advisory: string;
  id: string;
  aliases: string[];
  package: string;
  version: string;
  file?: string;
  line?: number;
  severity: Level;
  score?: number;
  vector?: string;
  fixedIn?: string;
  ignoredUntil?: string;
  ignoreReason?: string;
  breaking: boolean;
}

export interface Report {
  reportVersion: number;
  generatedAt: string;
  pipAudit: string;
  passed: boolean;
  vulnerabilities: number;
  bySeverity: Record<string, number>;
  findings: ReportFinding[];
  stale: IgnoreEntry[];
  expired: IgnoreEntry[];
  expiringSoon: IgnoreEntry[];
  skipped: { file?: string; name: string; reason: string }[];
  /** Pins the package index does not know ('index-check'). */
  unknownPins: UnknownPin[];
  /** Present when a previous report was given. */
  changes?: { new: string[]; resolved: string[]; aboutToExpire: string[] };
}

export function toReportFinding(f: Finding, breaking: boolean): ReportFinding {
  return {
    key: findingKey(f),
    advisory: f.advisory,
    id: f.id,
    aliases: f.aliases,
    package: f.package,
    version: f.version,
    file: f.file,
    line: f.line,
    severity: f.severity.level,
    score: f.severity.score,
    vector: f.severity.vector,
    fixedIn: f.fixedIn,
    ignoredUntil: f.ignoredUntil,
    ignoreReason: f.ignoreReason,
    breaking,
  };
}

export function bySeverity(findings: readonly Finding[]): Record<string, number> {
  const counts: Record<string, number> = { critical: 0, high: 0, medium: 0, low: 0, none: 0, unknown: 0 };
  for (const f of uniqueActive(findings)) counts[f.severity.level] = (counts[f.severity.level] ?? 0) + 1;
  return counts;
}

/** Findings not ignored, one per package + version + advisory (the same pin in two files is one vulnerability). */
export function uniqueActive(findings: readonly Finding[]): Finding[] {
  const seen = new Map<string, Finding>();
  for (const f of findings) if (!f.ignoredUntil) seen.set(`${f.package}|${f.version}|${f.advisory}`, f);
  return [...seen.values()];
}

/** A previous report's finding as written by any version of this action (older ones keyed by pip-audit's id). */
export interface PreviousFinding {
  key?: unknown;
  id?: unknown;
  advisory?: unknown;
  aliases?: unknown;
}

/** A finding's place (file|package: the key without its id) and every id it was known by, upper-cased. */
function identity(f: PreviousFinding): { key: string; where: string; ids: Set<string> } {
  const key = String(f.key);
  const cut = key.lastIndexOf('|');
  const ids = [key.slice(cut + 1), f.id, f.advisory, ...(Array.isArray(f.aliases) ? f.aliases : [])]
    .filter((x): x is string => typeof x === 'string' && x !== '')
    .map((x) => x.toUpperCase());
  return { key, where: key.slice(0, Math.max(cut, 0)), ids: new Set(ids) };
}

/**
 * What changed since the previous report: keys of new and resolved findings, ids whose ignore is
 * about to expire. A finding is the same as a previous one at the same file and package when their
 * keys are equal or their alias sets share any id: an advisory reported under another id this
 * week (the database added an alias record) is neither new nor resolved.
 */
export function compareReports(
  previous: { findings?: PreviousFinding[] } | undefined,
  current: Pick<Report, 'findings' | 'expiringSoon'>,
): Report['changes'] {
  if (!previous) return undefined;
  const before = (previous.findings ?? []).map(identity);
  const now = current.findings.map(identity);
  const same = (a: ReturnType<typeof identity>, b: ReturnType<typeof identity>): boolean =>
    a.key === b.key || (a.where === b.where && [...a.ids].some((id) => b.ids.has(id)));
  return {
    new: [...new Set(now.filter((n) => !before.some((b) => same(n, b))).map((n) => n.key))],
    resolved: [...new Set(before.filter((b) => !now.some((n) => same(n, b))).map((b) => b.key))],
    aboutToExpire: current.expiringSoon.map((e) => e.id),
  };
}

const ICON: Record<Level, string> = {
  critical: '🟥',
  high: '🟧',
  medium: '🟨',
  low: '🟦',
  none: '⬜',
  unknown: '❔',
};

export function summaryMarkdown(report: Report, policy: string, failure: string | undefined): string {
  const title = failure
    ? `pip-audit failed: ${report.vulnerabilities} vulnerabilit${report.vulnerabilities === 1 ? 'y' : 'ies'} (${policy})`
    : report.vulnerabilities === 0
      ? 'pip-audit passed: no known vulnerabilities'
      : `pip-audit passed: ${report.vulnerabilities} vulnerabilit${report.vulnerabilities === 1 ? 'y' : 'ies'} below the gate (${policy})`;
  const counts = Object.entries(report.bySeverity)
    .filter(([, n]) => n > 0)
    .map(([level, n]) => `${ICON[level as Level]} ${level} ${n}`)
    .join(' · ');
  const rows = report.findings.map((f) => [
    `${f.package} ${f.version}`,
    [f.id, ...f.aliases].join(', '),
    `${ICON[f.severity]} ${f.severity}${f.score !== undefined ? ` ${f.score.toFixed(1)}` : ''}`,
    f.fixedIn ? `${f.fixedIn}` : 'no fix',
    f.ignoredUntil
      ? `until ${f.ignoredUntil}: ${f.ignoreReason ?? ''}`
      : f.breaking
        ? '❌ fails the gate'
        : '',
    f.file ? `${f.file}${f.line ? `:${f.line}` : ''}` : 'environment',
  ]);
  const sections = [mdHeading(title, 2)];
  if (failure) sections.push(`**Why:** ${mdEscape(failure)}`);
  if (counts) sections.push(counts);
  if (rows.length > 0)
    sections.push(
      mdTable(['Package', 'Id and aliases', 'Severity', 'Fixed in', 'Ignored / gate', 'Where'], rows),
    );
  const notes: string[] = [];
  for (const e of report.expired) notes.push(`Expired ignore: ${mdCode(e.id)} (${e.reason}) on ${e.expires}`);
  for (const e of report.stale) notes.push(`Stale ignore (matches nothing): ${mdCode(e.id)} (${e.reason})`);
  for (const e of report.expiringSoon) notes.push(`Ignore expiring soon: ${mdCode(e.id)} on ${e.expires}`);
  for (const u of report.unknownPins)
    notes.push(
      `Not on the package index: ${u.name}==${u.version}${u.file ? ` (${u.file}${u.line ? `:${u.line}` : ''})` : ''}: ${u.reason}`,
    );
  for (const s of report.skipped)
    notes.push(`Not audited: ${s.name}${s.file ? ` in ${s.file}` : ''}: ${s.reason}`);
  if (report.changes)
    notes.push(
      `Since the previous report: ${report.changes.new.length} new, ${report.changes.resolved.length} resolved, ${report.changes.aboutToExpire.length} ignore(s) about to expire`,
    );
  if (notes.length > 0) sections.push(mdList(notes.map(mdEscape)));
  return sections.join('\n\n');
}
