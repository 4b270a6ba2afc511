import { InputError } from '@deploy-kit/shared';

/** One shard of N: `shard: 2/8` is { index: 2, total: 8 } (1-based). */
export interface ShardSpec {
  index: number;
  total: number;
}

/** The most shards a suite is split into (a matrix has at most 256 jobs). */
export const MAX_SHARDS = 256;

/** `shard`: empty (no sharding) or K/N with 1 <= K <= N <= 256. Pure. */
export function parseShard(value: string): ShardSpec | undefined {
  const v = value.trim();
  if (v === '') return undefined;
  const m = /^(\d+)\s*\/\s*(\d+)$/.exec(v);
  const index = Number(m?.[1]);
  const total = Number(m?.[2]);
  if (!m || index < 1 || total < 1 || index > total || total > MAX_SHARDS)
    throw new InputError(
      `'shard' must be K/N with 1 <= K <= N <= ${MAX_SHARDS}, e.g. 2/8 (empty runs the whole suite), got '${v}'.`,
    );
  return { index, total };
}

export type Mode = 'run' | 'merge';

/** The directory one shard writes into, under `shard-results`: shard-2-of-8. */
export const shardDirName = (s: ShardSpec): string => `shard-${s.index}-of-${s.total}`;
export const SHARD_DIR_PATTERN = /^shard-(\d+)-of-(\d+)$/;

/** What a shard leaves for the merge (no dot files: upload-artifact skips hidden files). */
export const SHARD_RECORD = 'shard.json';
export const SHARD_JUNIT = 'junit.xml';
export const SHARD_COVERAGE = 'coverage.data';
/** What the merge leaves for the next run's split. */
export const MERGED_JUNIT = 'junit.xml';
export const MERGED_DURATIONS = 'durations.json';

export const label = (s: ShardSpec): string => `shard ${s.index} of ${s.total}`;
