import { isDeepStrictEqual } from 'node:util';
import { redactedSnippet } from '@deploy-kit/shared';
import { headerValue, type HttpResponse } from '@deploy-kit/shared/http';
import { evaluateJsonPath } from './jsonpath';
import { judgeBodyStart, judgeBodyType, type BodyTypeName, type Judgement } from './body-type';
import type { Expect, HeaderExpectation } from './spec';
import { DEFAULT_STATUS, REDIRECT_STATUS, statusMatcher, statusRetry } from './status';

/** One comparison, as the report shows it: what we wanted and what the server gave. */
export interface Assertion {
  name: string;
  expected: string;
  seen: string;
  passed: boolean;
  /**
   * A failure a retry may fix (a 5xx, a refused connection, a version not yet
   * rolled out). Other failures are the site's settled answer: retrying them
   * only makes the user wait for the whole timeout. Never part of the output.
   */
  transient?: boolean;
  /** A failing 5xx answer: transient only during the warm-up (RunOptions.warmUpUntil). Never part of the output. */
  serverError?: boolean;
}

export function assertion(
  name: string,
  passed: boolean,
  expected: string,
  seen: string,
  options: { transient?: boolean; serverError?: boolean } = {},
): Assertion {
  return {
    name,
    passed,
    expected,
    seen,
    ...(!passed && options.transient ? { transient: true } : {}),
    ...(!passed && options.serverError ? { serverError: true } : {}),
  };
}

/** A status comparison; a failing 5xx/408/425/429 is transient (a 5xx only during the warm-up). */
export function statusAssertion(
  name: string,
  matcher: { test: (status: number) => boolean; text: string },
  status: number,
): Assertion {
  return assertion(name, matcher.test(status), matcher.text, String(status), statusRetry(status));
}

function list<T>(value: T | readonly T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? [...value] : [value as T];
}

/** What a report shows of a body or value: redacted first, then cut (a cut would leave a secret's prefix no mask matches). */
export function snippet(text: string, max = 80): string {
  return redactedSnippet(text, max);
}

function show(value: unknown): string {
  return value === undefined ? '(missing)' : snippet(JSON.stringify(value), 120);
}

/** Scalars compare by text so YAML's `1.2` matches JSON's "1.2"; objects and lists compare deeply. */
export function jsonEquals(seen: unknown, expected: unknown): boolean {
  if (isDeepStrictEqual(seen, expected)) return true;
  const scalar = (v: unknown): boolean => v === null || ['string', 'number', 'boolean'].includes(typeof v);
  return scalar(seen) && scalar(expected) && String(seen) === String(expected);
}

function resolveUrl(target: string, base: string): string {
  try {
    return new URL(target, base).href;
  } catch {
    return target;
  }
}

export function evaluateHeader(name: string, want: HeaderExpectation, value: string | undefined): Assertion {
  const label = `header ${name}`;
  const seen = value ?? '(absent)';
  if (typeof want === 'boolean')
    return assertion(label, (value !== undefined) === want, want ? 'present' : 'absent', seen);
  if (typeof want === 'string') return assertion(label, value === want, want, seen);
  if (want.equals !== undefined) return assertion(label, value === want.equals, want.equals, seen);
  if (want.matches !== undefined)
    return assertion(
      label,
      value !== undefined && new RegExp(want.matches).test(value),
      `matches /${want.matches}/`,
      seen,
    );
  const present = want.present ?? true;
  return assertion(label, (value !== undefined) === present, present ? 'present' : 'absent', seen);
}

/**
 * Every assertion of one check against one response. Without a status
 * expectation, any 2xx passes (3xx when a redirect target is expected).
 */
export function evaluateExpect(expect: Expect | undefined, res: HttpResponse): Assertion[] {
  const e = expect ?? {};
  const status = statusMatcher(e.status ?? (e.redirect !== undefined ? REDIRECT_STATUS : DEFAULT_STATUS));
  const results: Assertion[] = [statusAssertion('status', status, res.status)];
  if (e.redirect !== undefined) {
    const location = headerValue(res.headers, 'location');
    const want = resolveUrl(e.redirect, res.url);
    const seen = location === undefined ? '(no Location header)' : resolveUrl(location, res.url);
    results.push(assertion('redirect', seen === want, want, seen));
  }
  const text = res.body.toString('utf8');
  const sizeNote = res.truncated ? ` (first ${res.body.length} bytes; body was cut at the size cap)` : '';
  results.push(...bodyAssertions(e, text, sizeNote));
  if (e.json !== undefined) results.push(...jsonAssertions(e.json, text, sizeNote));
  const judged = (name: string, j: Judgement): Assertion => assertion(name, j.passed, j.expected, j.seen);
  if (e['body-type'] !== undefined)
    results.push(judged('body type', judgeBodyType(e['body-type'] as BodyTypeName, res.body)));
  if (e['body-starts-with'] !== undefined)
    results.push(judged('body starts with', judgeBodyStart(e['body-starts-with'], res.body)));
  for (const [name, want] of Object.entries(e.headers ?? {}))
    results.push(evaluateHeader(name, want, headerValue(res.headers, name)));
  if (e['max-time'] !== undefined)
    results.push(
      // A slow answer may be a cold cache or a worker still warming up.
      assertion(
        'response time',
        res.durationMs <= e['max-time'],
        `<= ${e['max-time']} ms`,
        `${res.durationMs} ms`,
        {
          transient: true,
        },
      ),
    );
  return results;
}

/** body-contains, body-not-contains and body-matches. */
function bodyAssertions(e: Expect, text: string, sizeNote: string): Assertion[] {
  const results: Assertion[] = [];
  for (const needle of list(e['body-contains']))
    results.push(
      assertion(
        'body contains',
        text.includes(needle),
        JSON.stringify(needle),
        `${snippet(text)}${sizeNote}`,
      ),
    );
  for (const needle of list(e['body-not-contains']))
    results.push(
      assertion(
        'body does not contain',
        !text.includes(needle),
        `no ${JSON.stringify(needle)}`,
        text.includes(needle) ? `found ${JSON.stringify(needle)}` : 'absent',
      ),
    );
  for (const pattern of list(e['body-matches'])) {
    const m = new RegExp(pattern).exec(text);
    results.push(
      assertion(
        'body matches',
        m !== null,
        `/${pattern}/`,
        m ? snippet(m[0]) : `${snippet(text)}${sizeNote}`,
      ),
    );
  }
  return results;
}

/** One assertion per JSON path: the body must be JSON and the value at the path equal. */
function jsonAssertions(json: Record<string, unknown>, text: string, sizeNote: string): Assertion[] {
  let parsed: { ok: true; value: unknown } | { ok: false };
  try {
    parsed = { ok: true, value: JSON.parse(text) };
  } catch {
    parsed = { ok: false };
  }
  return Object.entries(json).map(([path, want]) => {
    if (!parsed.ok)
      return assertion(
        `json ${path}`,
        false,
        show(want),
        `body is not JSON: ${snippet(text, 60)}${sizeNote}`,
      );
    const found = evaluateJsonPath(parsed.value, path);
    return assertion(
      `json ${path}`,
      found.found && jsonEquals(found.value, want),
      show(want),
      found.found ? show(found.value) : '(missing)',
    );
  });
}

/** One sentence for the first failing assertion, e.g. "status was 503, expected 200". */
export function describeFailure(a: Assertion): string {
  return `${a.name}: expected ${a.expected}, saw ${a.seen}`;
}
