import type { GateReport } from '../types';

/** One test as the shard plugin saw it run. */
export interface TestResult {
  outcome: 'passed' | 'failed' | 'error' | 'skipped';
  seconds: number;
}

/** What the pytest plugin writes at the end of a shard's session. */
export interface PluginRecord {
  index: number;
  total: number;
  /** Every test pytest collected (before the split), and a hash of their ids in order. */
  collected: number;
  collectionSha256: string;
  split: string;
  assigned: string[];
  /** Each assigned test's place in the collection (the merge reports failures in that order). */
  positions?: number[];
  results: Record<string, TestResult>;
  exitStatus: number;
}

/** shard.json: everything the merge needs from one shard, beside its junit.xml and coverage.data. */
export interface ShardRecord {
  format: 1;
  index: number;
  total: number;
  /** The plugin's record; undefined when pytest ended before writing it (crashed, killed). */
  plugin?: PluginRecord;
  /** Every gate this shard ran: pytest, and in shard 1 the lint tools. */
  gates: GateReport[];
  /** The tools this shard was asked for (the `tools` input). */
  tools: string[];
  coverage: 'measured' | 'not-wanted' | string;
  python: { version: string; executable: string };
}
