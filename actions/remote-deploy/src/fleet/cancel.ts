import * as core from '@actions/core';
import { RUNNER_SIGINT_GRACE_MS, RUNNER_SIGTERM_GRACE_MS, type SignalSource } from '@deploy-kit/shared';
import { Cancelled } from '../model/errors';
import type { Host } from '../host/host';
import { unlock } from '../host/phases/lock';
import { rollbackOnCancel } from '../host/phases/rollback';
import { cancelledSentence } from '../messages';
import { migrationsOnCancel } from './migrations';

/**
 * The runner cancels a job with SIGINT, then SIGTERM 7.5 s later, then kills the process tree
 * 2.5 s after that. In that time: stop starting steps, put every host that switched back on its
 * previous release (without the health gate: no time), release our locks, and resolve with one
 * sentence saying where each host stands.
 */
export const CANCEL_ROLLBACK_MS = RUNNER_SIGINT_GRACE_MS - 500;
export const CANCEL_UNLOCK_MS = RUNNER_SIGINT_GRACE_MS + RUNNER_SIGTERM_GRACE_MS - 1_000;

export interface Cancellation {
  stop(): void;
  /** Settles with the Cancelled error once the hosts are handled; never settles without a signal. */
  readonly cancelled: Promise<Cancelled>;
  /** The handling under way, once a signal arrived; undefined before. */
  pending(): Promise<Cancelled> | undefined;
}

/** Hosts go back to the release before `failedVersion`, with these services. */
export function cancelOnSignal(
  runs: readonly Host[],
  signals: SignalSource,
  back: { failedVersion: string; services: readonly string[] },
): Cancellation {
  let handling: Promise<Cancelled> | undefined;
  let settle: (error: Cancelled) => void = () => undefined;
  const cancelled = new Promise<Cancelled>((resolve) => (settle = resolve));
  const handler = (signal: NodeJS.Signals): void => {
    if (handling) return; // the runner's SIGTERM after its SIGINT: already on it
    const started = Date.now();
    core.warning(
      `Received ${signal}: stopping, putting switched hosts back on their previous release, releasing deploy locks.`,
    );
    for (const r of runs) r.session.cancel();
    const switched = runs.filter((r) => r.state.switched);
    const within = (ms: number, p: Promise<unknown>): Promise<unknown> =>
      Promise.race([
        p,
        new Promise((resolve) => setTimeout(resolve, Math.max(0, started + ms - Date.now())).unref()),
      ]);
    handling = (async (): Promise<Cancelled> => {
      const rolled = await Promise.all(
        switched.map((r) => rollbackOnCancel(r, back, started + CANCEL_ROLLBACK_MS)),
      );
      const held = runs.filter((r) => r.state.holdsLock);
      await within(CANCEL_UNLOCK_MS, Promise.all(held.map((r) => unlock(r))));
      return new Cancelled(
        cancelledSentence({
          signal,
          rolled,
          released: held.filter((r) => !r.state.holdsLock).map((r) => r.name),
          stillHeld: held.filter((r) => r.state.holdsLock).map((r) => r.name),
          undone: switched.some((r) => r.state.status !== 'rolled-back'),
        }) + migrationsOnCancel(runs, back.failedVersion),
      );
    })();
    void handling.then(settle);
  };
  const unsubscribe = signals(handler);
  return { stop: unsubscribe, cancelled, pending: () => handling };
}
