/**
 * Unified diffs: the formatter's (black, ruff format: which lines would change)
 * and git's (which lines a pull request adds). Pure.
 */

export interface FileDiff {
  /** Path as the diff's +++ header names it ('b/' prefix and timestamps removed). */
  file: string;
  /** First line (in the old file) that would change, after the hunk's leading context. */
  firstChangedLine: number;
  /** The file's part of the diff, as printed. */
  text: string;
}

const HUNK = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

function headerPath(line: string): string {
  // `+++ path\t2024-01-01 00:00:00.000000+00:00` (black) or `+++ path` (ruff) or `+++ b/path` (git).
  return line.slice(4).split('\t')[0]!.trimEnd();
}

/**
 * Split a formatter's diff into files and find, for each, the first line that
 * would change: the hunk starts at -a, and the context lines before the first
 * '-' or '+' (black prints five, ruff three, fewer at the top of a file) are
 * skipped, so the annotation lands on the line to fix.
 */
export function parseFormatterDiff(diff: string): FileDiff[] {
  const files: FileDiff[] = [];
  const lines = diff.split('\n');
  let current: { file: string; firstChangedLine?: number; start: number } | undefined;
  const close = (end: number): void => {
    if (!current) return;
    files.push({
      file: current.file,
      firstChangedLine: current.firstChangedLine ?? 1,
      text: lines.slice(current.start, end).join('\n').trimEnd(),
    });
    current = undefined;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.startsWith('--- ') && (lines[i + 1] ?? '').startsWith('+++ ')) {
      close(i);
      current = { file: headerPath(lines[i + 1] as string), start: i };
      i++;
      continue;
    }
    const hunk = HUNK.exec(line);
    if (hunk && current && current.firstChangedLine === undefined) {
      let oldLine = Number(hunk[1]);
      for (let j = i + 1; j < lines.length; j++) {
        const body = lines[j] as string;
        if (body.startsWith(' ')) oldLine++;
        else if (body.startsWith('-') || body.startsWith('+')) break;
        else break;
      }
      current.firstChangedLine = Math.max(1, oldLine);
    }
  }
  close(lines.length);
  return files;
}

/**
 * The lines each file gains in a `git diff -U0` (new-side numbers), keyed by the
 * path relative to the repository root. Deleted files and pure deletions add nothing.
 */
export function addedLines(gitDiff: string): Map<string, Set<number>> {
  const result = new Map<string, Set<number>>();
  let file: string | undefined;
  for (const line of gitDiff.split('\n')) {
    if (line.startsWith('+++ ')) {
      const target = headerPath(line);
      file = target === '/dev/null' ? undefined : target.replace(/^b\//, '');
      if (file !== undefined && !result.has(file)) result.set(file, new Set());
      continue;
    }
    const hunk = HUNK.exec(line);
    if (hunk && file !== undefined) {
      const start = Number(hunk[3]);
      const count = hunk[4] === undefined ? 1 : Number(hunk[4]);
      const set = result.get(file) as Set<number>;
      for (let n = start; n < start + count; n++) set.add(n);
    }
  }
  for (const [f, set] of result) if (set.size === 0) result.delete(f);
  return result;
}

/** 1,2,3,7,9,10 -> "1-3, 7, 9-10": how the summary lists line numbers. */
export function lineRanges(lines: Iterable<number>): string {
  const sorted = [...new Set(lines)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && (sorted[j + 1] as number) === (sorted[j] as number) + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(', ');
}

/** Consecutive runs of line numbers, for one annotation per run. */
export function lineRuns(lines: Iterable<number>): [number, number][] {
  const sorted = [...new Set(lines)].sort((a, b) => a - b);
  const runs: [number, number][] = [];
  for (const n of sorted) {
    const last = runs[runs.length - 1];
    if (last && n === last[1] + 1) last[1] = n;
    else runs.push([n, n]);
  }
  return runs;
}
