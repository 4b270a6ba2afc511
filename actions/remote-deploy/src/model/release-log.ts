import type { MigrationRecord } from './migrations';

/** One line of the append-only release log kept on each host (JSON Lines). */
export interface ReleaseRecord {
  time: string;
  host: string;
  version: string;
  previous: string | null;
  images: Record<string, string>;
  actor: string;
  run: string;
  outcome: 'deployed' | 'rolled-back' | 'failed' | 'rollback-to' | 'backup' | 'restored';
  detail?: string;
  /** The migrations this release applied (state before/after, plan) and what a rollback did about them. */
  migrations?: MigrationRecord;
}

export function formatRecord(record: ReleaseRecord): string {
  // One line, always: a newline inside a value would split the record.
  return JSON.stringify(record);
}

export function parseReleaseLog(text: string): ReleaseRecord[] {
  const records: ReleaseRecord[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const r = JSON.parse(line) as ReleaseRecord;
      if (r && typeof r.version === 'string' && typeof r.outcome === 'string') records.push(r);
    } catch {
      // a torn last line (host crashed mid-append) is skipped, not fatal
    }
  }
  return records;
}

/** The newest successful deploy of `version`, which rollback-to redeploys. */
export function findDeployed(records: readonly ReleaseRecord[], version: string): ReleaseRecord | undefined {
  return [...records]
    .reverse()
    .find((r) => r.version === version && (r.outcome === 'deployed' || r.outcome === 'rollback-to'));
}
