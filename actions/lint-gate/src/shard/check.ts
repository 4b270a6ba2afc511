import type { ShardRecord } from './record';
import { label } from './spec';

/** A shard directory found under shard-results, with its record when it has one. */
export interface FoundShard {
  dir: string;
  /** How sentences name the directory (relative to the workspace); dir when unset. */
  shown?: string;
  index: number;
  total: number;
  record?: ShardRecord;
  /** Why the record could not be read. */
  unreadable?: string;
}

const first = (ids: readonly string[], n = 3): string =>
  ids.slice(0, n).join(', ') + (ids.length > n ? ` and ${ids.length - n} more` : '');

/** Every shard 1..N exactly once, each with a record, all split from the same N. */
function checkSet(found: readonly FoundShard[], where: string): string | undefined {
  if (found.length === 0)
    return `no shard results were found under ${where} (download every shard's artifact there before the merge)`;
  const totals = [...new Set(found.map((f) => f.total))].sort((a, b) => a - b);
  if (totals.length > 1)
    return `the shards under ${where} come from different splits (of ${totals.join(' and of ')}): download one run's shards only`;
  const total = totals[0] as number;
  for (let k = 1; k <= total; k++) {
    const these = found.filter((f) => f.index === k);
    const name = label({ index: k, total });
    if (these.length === 0)
      return `${name} is missing under ${where}: its job did not upload results (it failed before lint-gate, crashed or was cancelled)`;
    if (these.length > 1)
      return `${name} is there ${these.length} times (${these.map((f) => f.shown ?? f.dir).join(', ')}): one run's shards only`;
    const f = these[0] as FoundShard;
    if (!f.record)
      return `${name} did not finish: ${f.unreadable ?? `its directory ${f.shown ?? f.dir} has no shard.json`}`;
  }
  return undefined;
}

/** A shard whose pytest did not complete, or whose plugin left no record, crashed. */
function checkCrashes(records: readonly ShardRecord[]): string | undefined {
  for (const r of records) {
    const name = label(r);
    const pytest = r.gates.find((g) => g.gate === 'pytest');
    if (!pytest) return `${name} has no pytest result`;
    if (pytest.status === 'error') return `${name} crashed: pytest ${pytest.headline}`;
    if (!r.plugin) return `${name} crashed: pytest ended before the shard plugin wrote its record`;
  }
  return undefined;
}

/** The same collection everywhere, and every collected test assigned to and run in exactly one shard. */
function checkTests(records: readonly ShardRecord[]): string | undefined {
  const plugins = records.map((r) => r.plugin!);
  const hashes = new Set(plugins.map((p) => p.collectionSha256));
  if (hashes.size > 1)
    return `the shards collected different tests (${plugins.map((p) => `${label(p)}: ${p.collected}`).join(', ')}), so the split is not one suite; check for tests generated in a random order or differing environments`;
  const ranIn = new Map<string, number[]>();
  for (const p of plugins)
    for (const id of [...p.assigned, ...Object.keys(p.results)]) {
      const shards = ranIn.get(id) ?? [];
      if (!shards.includes(p.index)) shards.push(p.index);
      ranIn.set(id, shards);
    }
  const twice = [...ranIn].filter(([, s]) => s.length > 1);
  if (twice.length > 0)
    return `${twice.length} test(s) ran in two shards or more (${first(twice.map(([id, s]) => `${id} in shards ${s.join(' and ')}`))})`;
  const collected = plugins[0]!.collected;
  const assigned = plugins.reduce((n, p) => n + p.assigned.length, 0);
  if (assigned !== collected)
    return `${collected - assigned} of the ${collected} collected tests were assigned to no shard`;
  const notRun = plugins.flatMap((p) =>
    p.exitStatus === 0
      ? p.assigned.filter((id) => !(id in p.results)).map((id) => `${id} (${label(p)})`)
      : [],
  );
  if (notRun.length > 0) return `${notRun.length} assigned test(s) ran in no shard (${first(notRun)})`;
  return undefined;
}

/**
 * The sentence that makes the merge could-not-run, or undefined when the shards are one whole
 * run: every shard once, none crashed, every test in exactly one shard.
 */
export function checkShards(found: readonly FoundShard[], where: string): string | undefined {
  const set = checkSet(found, where);
  if (set) return set;
  const records = [...found].sort((a, b) => a.index - b.index).map((f) => f.record!);
  return checkCrashes(records) ?? checkTests(records);
}
