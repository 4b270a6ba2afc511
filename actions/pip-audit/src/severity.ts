import { cvss } from './deferred';

/**
 * Severity of a finding from its OSV records: the CVSS base score computed
 * from the vector (v4 preferred, then v3.1/v3.0, then v2) by a maintained
 * calculator, else GitHub's `database_specific.severity` label, else unknown.
 * Pure: the records are fetched elsewhere.
 */

export const LEVELS = ['low', 'medium', 'high', 'critical'] as const;
export type Level = (typeof LEVELS)[number] | 'none' | 'unknown';

export interface Severity {
  level: Level;
  /** CVSS base score 0.0–10.0, when a vector was found. */
  score?: number;
  vector?: string;
  /** Which record and field it came from, e.g. "GHSA-xxxx CVSS_V3" or "GHSA-xxxx database_specific". */
  source?: string;
}

export interface SeverityRecord {
  id: string;
  withdrawn?: string;
  severity?: { type: string; score: string }[];
  database_specific?: { severity?: unknown } & Record<string, unknown>;
}

/** The CVSS v3/v4 qualitative scale (FIRST): 0 none, 0.1–3.9 low, 4–6.9 medium, 7–8.9 high, 9–10 critical. */
export function levelOf(score: number): Level {
  if (score === 0) return 'none';
  if (score < 4) return 'low';
  if (score < 7) return 'medium';
  if (score < 9) return 'high';
  return 'critical';
}

const LABELS: Record<string, Level> = {
  LOW: 'low',
  MODERATE: 'medium',
  MEDIUM: 'medium',
  HIGH: 'high',
  CRITICAL: 'critical',
};

/** Scores already computed, by vector: a record's vectors are scored as it arrives (prescore). */
const scores = new Map<string, number | undefined>();

/** Base score of a CVSS vector, or undefined when the calculator rejects it. Memoised. */
export function cvssScore(vector: string): number | undefined {
  if (scores.has(vector)) return scores.get(vector);
  const score = computeScore(vector);
  scores.set(vector, score);
  return score;
}

/**
 * Scores a record's vectors ahead of need: called as each record passes the relay, while
 * pip-audit still runs, so the verdict after its exit only looks them up (#18 B6).
 */
export function prescore(record: object): void {
  const severity = (record as { severity?: unknown }).severity;
  if (!Array.isArray(severity)) return;
  for (const s of severity as { score?: unknown }[]) if (typeof s?.score === 'string') cvssScore(s.score);
}

function computeScore(vector: string): number | undefined {
  try {
    const v = vector.trim();
    const { Cvss2, Cvss3P0, Cvss3P1, Cvss4P0 } = cvss();
    const calc = v.startsWith('CVSS:4.0/')
      ? new Cvss4P0(v)
      : v.startsWith('CVSS:3.1/')
        ? new Cvss3P1(v)
        : v.startsWith('CVSS:3.0/')
          ? new Cvss3P0(v)
          : new Cvss2(v);
    const base = calc.calculateScores().base;
    return typeof base === 'number' && Number.isFinite(base) ? base : undefined;
  } catch {
    return undefined;
  }
}

const TYPE_ORDER = ['CVSS_V4', 'CVSS_V3', 'CVSS_V2'];

/** Records in order of preference: the finding's own id first, then its aliases. Withdrawn records say nothing. */
export function severityOf(records: readonly SeverityRecord[]): Severity {
  const live = records.filter((r) => !r.withdrawn);
  for (const type of TYPE_ORDER)
    for (const record of live)
      for (const s of record.severity ?? []) {
        if (s.type !== type) continue;
        const score = cvssScore(s.score);
        if (score !== undefined)
          return { level: levelOf(score), score, vector: s.score, source: `${record.id} ${type}` };
      }
  for (const record of live) {
    const label = record.database_specific?.severity;
    if (typeof label === 'string' && LABELS[label.toUpperCase()])
      return { level: LABELS[label.toUpperCase()] as Level, source: `${record.id} database_specific` };
  }
  return { level: 'unknown' };
}

/** Rank for comparisons: unknown sorts above critical so a gate never passes what it could not rate. */
export function rank(level: Level): number {
  return { none: 0, low: 1, medium: 2, high: 3, critical: 4, unknown: 5 }[level];
}
