/**
 * The one cancellation helper every action uses.
 *
 * The GitHub runner cancels a step with SIGINT, then SIGTERM 7.5 s later, then kills the process
 * tree 2.5 s after that. `listenForCancel` turns those signals into an AbortSignal (aborted at the
 * first one, its reason the signal's name) that an action's `run()` receives in its context, and
 * into a `SignalSource` for code that acts on each signal itself (remote-deploy rolls switched
 * hosts back within the grace period). A subscriber that arrives after a signal is told at once.
 */

/** Subscribe to the runner's cancel signals; returns the unsubscribe. */
export type SignalSource = (onSignal: (signal: NodeJS.Signals) => void) => () => void;

/** The runner's grace periods: SIGINT, then SIGTERM after this, then the process tree is killed. */
export const RUNNER_SIGINT_GRACE_MS = 7_500;
export const RUNNER_SIGTERM_GRACE_MS = 2_500;

/** This process's SIGINT and SIGTERM, as the GitHub runner sends them. */
export const processSignals: SignalSource = (onSignal) => {
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
};

export interface Cancellation {
  /** Aborted at the first signal; `signal.reason` is the signal's name. */
  readonly signal: AbortSignal;
  /** Every signal, replayed to a late subscriber: for work that handles the SIGINT → SIGTERM sequence. */
  readonly source: SignalSource;
  /** The first signal, once one arrived. */
  received(): NodeJS.Signals | undefined;
  /** Stop listening (the step is over). */
  stop(): void;
}

export function listenForCancel(signals: SignalSource = processSignals): Cancellation {
  const controller = new AbortController();
  const seen: NodeJS.Signals[] = [];
  const subscribers = new Set<(signal: NodeJS.Signals) => void>();
  const unsubscribe = signals((signal) => {
    seen.push(signal);
    if (!controller.signal.aborted) controller.abort(signal);
    for (const subscriber of [...subscribers]) subscriber(signal);
  });
  const source: SignalSource = (onSignal) => {
    subscribers.add(onSignal);
    for (const signal of seen) onSignal(signal);
    return () => subscribers.delete(onSignal);
  };
  return {
    signal: controller.signal,
    source,
    received: () => seen[0],
    stop: unsubscribe,
  };
}

/** A signal source that never fires: for `run()` called as a library with nothing to cancel it. */
export const noSignals: SignalSource = () => () => undefined;

/** A source driven by hand (tests, and the root action handing one stage's cancel to the next). */
export function manualSignals(): { source: SignalSource; send(signal: NodeJS.Signals): void } {
  const subscribers = new Set<(signal: NodeJS.Signals) => void>();
  return {
    source: (onSignal) => {
      subscribers.add(onSignal);
      return () => subscribers.delete(onSignal);
    },
    send: (signal) => {
      for (const s of [...subscribers]) s(signal);
    },
  };
}
