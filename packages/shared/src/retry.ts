import { errorMessage } from './errors';

/**
 * Retry with exponential backoff and full jitter, bounded by a deadline rather
 * than a count: a deploy step has a time budget, and "try 5 times" says nothing
 * about how long that takes.
 */
export interface RetryOptions {
  /** Give up when the next attempt would start after this many ms from the first. */
  deadlineMs: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
  factor?: number;
  /** Only errors for which this returns true are retried; others are thrown at once. */
  retryable?: (error: unknown) => boolean;
  onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void;
  signal?: AbortSignal;
  /** Injectable for tests. */
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
}

export class RetryGaveUp extends Error {
  constructor(
    readonly attempts: number,
    readonly lastError: unknown,
  ) {
    super(`gave up after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${errorMessage(lastError)}`, {
      cause: lastError,
    });
    this.name = 'RetryGaveUp';
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Delay before attempt `attempt + 1` (attempt counts from 1): full jitter over an exponential cap. */
export function backoffDelay(attempt: number, options: RetryOptions, random = Math.random): number {
  const initial = options.initialDelayMs ?? 200;
  const max = options.maxDelayMs ?? 5000;
  const factor = options.factor ?? 2;
  const cap = Math.min(max, initial * factor ** (attempt - 1));
  return Math.round(cap / 2 + (random() * cap) / 2);
}

export async function retry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const now = options.now ?? Date.now;
  const wait = options.sleep ?? sleep;
  const start = now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (options.retryable && !options.retryable(error)) throw error;
      if (options.signal?.aborted) throw error;
      const delayMs = backoffDelay(attempt, options, options.random);
      if (now() + delayMs - start > options.deadlineMs) throw new RetryGaveUp(attempt, error);
      options.onRetry?.({ attempt, delayMs, error });
      await wait(delayMs, options.signal);
    }
  }
}
