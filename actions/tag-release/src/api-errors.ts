import { ToolError } from '@deploy-kit/shared';

/** How the GitHub API's errors read (Octokit's RequestError): the status, the message, the answer. */

export interface HttpError {
  status: number;
  message: string;
  response?: {
    headers?: Record<string, string | number | undefined>;
    data?: { errors?: { code?: string; field?: string }[] };
  };
}

export function isHttpError(error: unknown): error is HttpError {
  return typeof error === 'object' && error !== null && typeof (error as HttpError).status === 'number';
}

export function alreadyExists(error: unknown): boolean {
  return (
    isHttpError(error) &&
    error.status === 422 &&
    (error.response?.data?.errors ?? []).some((e) => e.code === 'already_exists')
  );
}

/** The longest a call waits out rate limits in all (GitHub's secondary limit often asks for 60 s). */
export const RATE_LIMIT_WAIT_MS = 5 * 60_000;

export interface RateLimit {
  kind: 'primary' | 'secondary';
  /** How long GitHub asks to wait before the next request. */
  waitMs: number;
  /** When the primary limit resets (x-ratelimit-reset). */
  resetAt?: Date;
}

function header(error: HttpError, name: string): string | undefined {
  const value = error.response?.headers?.[name];
  return value === undefined ? undefined : String(value);
}

/**
 * A rate-limit answer, as GitHub documents them: 403 or 429 with `retry-after` (seconds to
 * wait), or with `x-ratelimit-remaining: 0` (wait until `x-ratelimit-reset`, epoch seconds), or
 * a secondary limit without either (wait a minute). Anything else: undefined.
 */
export function rateLimitOf(error: unknown, now: number): RateLimit | undefined {
  if (!isHttpError(error) || (error.status !== 403 && error.status !== 429)) return undefined;
  const retryAfter = header(error, 'retry-after');
  if (retryAfter !== undefined && /^\d+$/.test(retryAfter.trim()))
    return { kind: 'secondary', waitMs: Math.max(1, Number(retryAfter)) * 1000 };
  if (header(error, 'x-ratelimit-remaining') === '0') {
    const reset = Number(header(error, 'x-ratelimit-reset'));
    if (Number.isFinite(reset) && reset > 0)
      // A second more than asked: the reset is whole seconds, and clocks differ.
      return {
        kind: 'primary',
        waitMs: Math.max(0, reset * 1000 - now) + 1000,
        resetAt: new Date(reset * 1000),
      };
    return { kind: 'primary', waitMs: 60_000 };
  }
  if (/secondary rate limit/i.test(error.message)) return { kind: 'secondary', waitMs: 60_000 };
  return undefined;
}

function rateLimitSentence(what: string, limit: RateLimit): string {
  const until = limit.resetAt ? ` until ${limit.resetAt.toISOString().replace(/\.\d+Z$/, 'Z')}` : '';
  return (
    `${what}: GitHub's ${limit.kind} API rate limit for this token is used up${until} ` +
    `(it asks to wait ${Math.ceil(limit.waitMs / 1000)} s, longer than tag-release waits); ` +
    'rerun the job after that: a rerun completes the release where this one stopped.'
  );
}

export function apiFailed(what: string, error: unknown): Error {
  if (isHttpError(error)) {
    const limit = rateLimitOf(error, Date.now());
    if (limit) return new ToolError(rateLimitSentence(what, limit));
    if (error.status === 401)
      return new ToolError(`${what}: GitHub rejected the token (401); check the 'token' input.`);
    if (error.status === 403 || error.status === 404)
      return new ToolError(
        `${what}: GitHub answered ${error.status} (${error.message}); the token needs "contents: write" on this repository.`,
      );
    return new ToolError(`${what}: GitHub answered ${error.status} (${error.message}).`);
  }
  return new ToolError(`${what}: ${error instanceof Error ? error.message : String(error)}`);
}

/** 5xx, 429 and network errors are worth another try; a 4xx is an answer; a rate limit is waited out (call). */
export function transient(error: unknown): boolean {
  if (!isHttpError(error)) return true;
  if (rateLimitOf(error, Date.now())) return false;
  return error.status >= 500 || error.status === 429 || error.status === 0;
}
