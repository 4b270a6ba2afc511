import { randomUUID } from 'node:crypto';

/** The run's identity, written into lock owner files and release records. */
export interface RunContext {
  token: string;
  actor: string;
  repository: string;
  run: string;
  runner: string;
}

export function runContext(): RunContext {
  return {
    token: randomUUID(),
    actor: process.env.GITHUB_ACTOR ?? 'unknown',
    repository: process.env.GITHUB_REPOSITORY ?? 'unknown',
    run: `${process.env.GITHUB_RUN_ID ?? '0'}.${process.env.GITHUB_RUN_ATTEMPT ?? '1'}`,
    runner: process.env.RUNNER_NAME ?? 'unknown',
  };
}
