import * as path from 'node:path';
import type { Finding, Level } from './types';

/**
 * GitHub shows at most 10 error and 10 warning annotations (and 10 notices) per
 * step and 50 per job, and silently drops the rest. So the budget is spent on
 * purpose: findings on lines the pull request changed first, then errors, then
 * the rest; whatever does not fit is counted in a final "N more" notice.
 */
export const PER_LEVEL_LIMIT = 10;

export interface Budget {
  total: number;
  perLevel: Record<Level, number>;
}

/**
 * Each kind's share of `max-annotations`: half of it, never under GitHub's 10 per step (the
 * default 20 gives 10 errors and 10 warnings; 50 gives up to 25 of each kind).
 */
export function perLevelLimit(maxAnnotations: number): number {
  return Math.max(PER_LEVEL_LIMIT, Math.ceil(maxAnnotations / 2));
}

/**
 * `failing`: the step ends with setFailed, whose message is one more error
 * annotation. One notice slot is kept for the "N more" line.
 */
export function stepBudget(maxAnnotations: number, failing: boolean): Budget {
  const each = perLevelLimit(maxAnnotations);
  return {
    total: maxAnnotations,
    perLevel: { error: each - (failing ? 1 : 0), warning: each, notice: each - 1 },
  };
}

const LEVEL_RANK: Record<Level, number> = { error: 0, warning: 1, notice: 2 };

/** Lower sorts first: changed lines, then severity, then where (tool order, file, line). */
function rank(f: Finding, changed: boolean): number[] {
  return [changed ? 0 : 1, LEVEL_RANK[f.level]];
}

export function onChangedLines(f: Finding, changed: ReadonlyMap<string, ReadonlySet<number>>): boolean {
  const lines = changed.get(f.file);
  if (!lines || f.line === undefined) return false;
  for (let n = f.line; n <= (f.endLine ?? f.line); n++) if (lines.has(n)) return true;
  return false;
}

export interface Selection {
  shown: Finding[];
  omitted: number;
}

/** Pick what to annotate, in order; stable for findings of equal rank (tools' own order). */
export function selectAnnotations(
  findings: readonly Finding[],
  changed: ReadonlyMap<string, ReadonlySet<number>>,
  budget: Budget,
): Selection {
  const ranked = findings
    .map((f, i) => ({ f, i, r: rank(f, onChangedLines(f, changed)) }))
    .sort((a, b) => a.r[0]! - b.r[0]! || a.r[1]! - b.r[1]! || a.i - b.i);
  const used: Record<Level, number> = { error: 0, warning: 0, notice: 0 };
  const shown: Finding[] = [];
  for (const { f } of ranked) {
    if (shown.length >= budget.total) break;
    if (used[f.level] >= budget.perLevel[f.level]) continue;
    used[f.level]++;
    shown.push(f);
  }
  return { shown, omitted: findings.length - shown.length };
}

/** The workflow command's properties: paths relative to the repository root, as GitHub expects. */
export function annotationProperties(
  f: Finding,
  repoRoot: string,
): { file: string; startLine?: number; endLine?: number; startColumn?: number; title: string } {
  const rel = path.relative(repoRoot, f.file);
  const file = rel.startsWith('..') || path.isAbsolute(rel) ? f.file : rel.split(path.sep).join('/');
  return {
    file,
    startLine: f.line,
    endLine: f.endLine,
    // GitHub refuses a column on a multi-line annotation.
    startColumn: f.endLine !== undefined && f.endLine !== f.line ? undefined : f.col,
    title: f.title,
  };
}

export function moreSentence(omitted: number): string {
  return `${omitted} more finding${omitted === 1 ? '' : 's'} in the job summary (max-annotations bounds the annotations, and each kind gets half of it, at least 10).`;
}
