/** What the summary and the results say about one host: its timed steps, what the probe found, where it stands. */
export interface StepTiming {
  name: string;
  start: number;
  end: number;
  ok: boolean;
}

export interface HostFacts {
  previous: string;
  releaseExists: boolean;
  compose: 'v2' | 'v1' | 'none';
  freeKb: number;
  locked: boolean;
}

export type HostStatus =
  'pending' | 'prepared' | 'deployed' | 'failed' | 'rolled-back' | 'rollback-failed' | 'planned';
