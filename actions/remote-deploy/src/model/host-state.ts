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

/** The PREPARE script's key=value lines as facts. */
export function parseFacts(stdout: string): HostFacts {
  const kv = Object.fromEntries(
    stdout
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  return {
    previous: kv.previous ?? '',
    releaseExists: kv.release_exists === 'yes',
    compose: kv.compose === 'v2' ? 'v2' : kv.compose === 'v1' ? 'v1' : 'none',
    freeKb: Number(kv.free_kb ?? 0),
    locked: kv.locked === 'yes',
  };
}
