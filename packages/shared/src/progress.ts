import * as core from '@actions/core';

/**
 * Progress on long work: a line at least every 30 s with the elapsed time, so a user watching a
 * pull, a migration, a health wait or a test run sees the step is alive and how long it has been.
 * The line says what is still running, which the caller knows best: `describe()` is asked each
 * time (e.g. "host1: pulling images, host3: waiting for health").
 */

export const PROGRESS_INTERVAL_MS = 30_000;

/** `75_000` → `1m15s`; `9_000` → `9s`. */
export function formatElapsed(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const m = Math.floor(s / 60);
  const h = Math.floor(m / 60);
  if (h > 0) return `${h}h${String(m % 60).padStart(2, '0')}m`;
  if (m > 0) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

export interface ProgressOptions {
  everyMs?: number;
  log?: (line: string) => void;
  now?: () => number;
}

/**
 * Print `<describe()> (<elapsed>)` every `everyMs` until the returned stop is called. Nothing is
 * printed for work that ends before the first interval. `describe` returning '' skips a line.
 */
export function startProgress(describe: () => string, options: ProgressOptions = {}): () => void {
  const every = options.everyMs ?? PROGRESS_INTERVAL_MS;
  const now = options.now ?? Date.now;
  const log = options.log ?? ((line: string) => core.info(line));
  const started = now();
  const timer = setInterval(() => {
    const text = describe();
    if (text !== '') log(`${text} (${formatElapsed(now() - started)} elapsed)`);
  }, every);
  timer.unref();
  return () => clearInterval(timer);
}

/** Run `work` with progress lines while it runs. */
export async function withProgress<T>(
  describe: () => string,
  work: () => Promise<T>,
  options: ProgressOptions = {},
): Promise<T> {
  const stop = startProgress(describe, options);
  try {
    return await work();
  } finally {
    stop();
  }
}
