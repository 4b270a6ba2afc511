import { errorMessage, mapPool, retry, RetryGaveUp } from '@deploy-kit/shared';
import { HttpError, type HttpClient } from '@deploy-kit/shared/http';
import { assertion, describeFailure, type Assertion } from './assertions';

/**
 * Running checks: each one retried with backoff until it passes or the
 * overall deadline passes (new containers take seconds to come up), all of
 * them concurrently up to a limit. A journey is one check whose attempt runs
 * its steps in order.
 */

export interface AttemptContext {
  client: HttpClient;
  /** Aborts when the overall deadline is reached. */
  signal: AbortSignal;
  /** The attempt number, from 1. */
  attempt: number;
}

export interface CheckDef {
  name: string;
  /** 'check', 'journey', or the suite name. */
  group: string;
  /** The `url` shorthand's GET added when nothing else was asked: reported, but never named as the cause before a real check. */
  implicit?: boolean;
  /** One attempt: every assertion, passed or not. Network errors may throw. */
  attempt(ctx: AttemptContext): Promise<Assertion[]>;
}

export interface CheckResult {
  name: string;
  group: string;
  passed: boolean;
  attempts: number;
  durationMs: number;
  /** The last attempt's assertions. */
  assertions: Assertion[];
  /** The first failing assertion in one phrase, when failed. */
  failure?: string;
  /** Failed on an answer no retry can change, so it was not retried (see RunOptions.retry). */
  definitive?: boolean;
  /** Definitive because a 5xx came after the warm-up (RunOptions.warmUpUntil). */
  afterWarmUp?: boolean;
  implicit?: boolean;
}

class AttemptFailed extends Error {
  constructor(
    readonly assertions: Assertion[],
    /** Whether a retry may change this answer, decided when it came (a 5xx: only during the warm-up). */
    readonly retryable: boolean,
  ) {
    super(describeFailure(assertions.find((a) => !a.passed) as Assertion));
  }
}

export interface RunOptions {
  client: HttpClient;
  /** Epoch ms after which no attempt starts and running ones are aborted. */
  deadline: number;
  /** How many checks run at once. */
  parallel: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
  onAttemptFailed?: (check: CheckDef, attempt: number, reason: string, delayMs: number) => void;
  /** A check has its final answer (passed, failed, or cut off by the deadline). */
  onCheckDone?: (check: CheckDef, result: CheckResult) => void;
  /**
   * 'transient' (default): retry only failures a retry may fix; fail at once on
   * the rest. 'all': retry every failure until the deadline.
   */
  retry?: RetryPolicy;
  /**
   * Epoch ms until which a 5xx answer is retried as a release warming up (with retry
   * 'transient'); a 5xx that comes after it fails the check at once. Default: the deadline
   * (every 5xx retried until the timeout).
   */
  warmUpUntil?: number;
  /** Stops every check (the runner cancelling the job); the results so far are reported. */
  signal?: AbortSignal;
}

export type RetryPolicy = 'transient' | 'all';

/** TLS verification failures (wrong name, expired, untrusted): the certificate will not change between attempts. */
function isCertificateError(error: unknown): boolean {
  const code = error instanceof HttpError ? (error.code ?? '') : '';
  return code.startsWith('ERR_TLS') || code.includes('CERT') || code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE';
}

/** A network error as an assertion, so the report shows it in the same columns. */
export function errorAssertion(error: unknown): Assertion {
  return assertion('request', false, 'an HTTP answer', errorMessage(error), {
    transient: !isCertificateError(error),
  });
}

/**
 * Whether an attempt is worth repeating: its first failing assertion, the one
 * the report names as the cause, is transient — and, for a 5xx, the answer came
 * during the warm-up. (A 503 page also lacks HSTS; the status comes first, so
 * that attempt is retried during the warm-up.)
 */
export function isRetryable(assertions: readonly Assertion[], inWarmUp = true): boolean {
  const cause = assertions.find((a) => !a.passed);
  return cause?.transient === true && (inWarmUp || cause.serverError !== true);
}

export async function runCheck(check: CheckDef, options: RunOptions): Promise<CheckResult> {
  const started = Date.now();
  let attempts = 0;
  let last: Assertion[] = [];
  /** The last attempt that finished on its own: an attempt cut short by the deadline says less than it. */
  let lastFinished: Assertion[] | undefined;
  let definitive = false;
  const deadlineSignal = AbortSignal.any([
    AbortSignal.timeout(Math.max(1, options.deadline - started)),
    ...(options.signal ? [options.signal] : []),
  ]);
  try {
    last = await retry(
      async (attempt) => {
        attempts = attempt;
        let results: Assertion[];
        try {
          results = await check.attempt({ client: options.client, signal: deadlineSignal, attempt });
        } catch (error) {
          results = [
            errorAssertion(
              options.signal?.aborted
                ? new HttpError('the smoke test was cancelled', 'CANCELLED')
                : deadlineSignal.aborted
                  ? new HttpError('no answer before the timeout', 'DEADLINE')
                  : error,
            ),
          ];
        }
        last = results;
        if (!deadlineSignal.aborted) lastFinished = results;
        if (results.some((a) => !a.passed))
          throw new AttemptFailed(
            results,
            options.retry === 'all' ||
              isRetryable(results, Date.now() < (options.warmUpUntil ?? options.deadline)),
          );
        return results;
      },
      {
        deadlineMs: Math.max(0, options.deadline - started),
        signal: deadlineSignal,
        retryable: (error) => error instanceof AttemptFailed && error.retryable,
        initialDelayMs: options.initialDelayMs ?? 250,
        maxDelayMs: options.maxDelayMs ?? 3000,
        onRetry: ({ attempt, delayMs, error }) =>
          options.onAttemptFailed?.(check, attempt, errorMessage(error), delayMs),
      },
    );
  } catch (error) {
    if (error instanceof AttemptFailed) {
      // Thrown by retry() without waiting: not retryable, or cancelled while it was running.
      definitive = !deadlineSignal.aborted && !error.retryable;
    } else if (!(error instanceof RetryGaveUp) && !deadlineSignal.aborted) {
      throw error;
    }
  }
  // Cut off by the deadline mid-attempt: report the last attempt that got its answers.
  if (deadlineSignal.aborted && !options.signal?.aborted && lastFinished && last !== lastFinished)
    last = lastFinished;
  const failing = last.find((a) => !a.passed);
  return {
    name: check.name,
    group: check.group,
    passed: failing === undefined && last.length > 0,
    attempts,
    durationMs: Date.now() - started,
    assertions: last,
    failure: failing ? describeFailure(failing) : last.length === 0 ? 'no assertion ran' : undefined,
    ...(failing && definitive ? { definitive: true } : {}),
    ...(failing && definitive && failing.transient && failing.serverError ? { afterWarmUp: true } : {}),
    ...(check.implicit ? { implicit: true } : {}),
  };
}

/** Run every check, at most `parallel` at a time; results come back in the order given. */
export function runChecks(checks: readonly CheckDef[], options: RunOptions): Promise<CheckResult[]> {
  return mapPool(checks, options.parallel, async (check) => {
    const result = await runCheck(check, options);
    options.onCheckDone?.(check, result);
    return result;
  });
}
