import { isDeepStrictEqual } from 'node:util';
import { headerValue, type HttpResponse } from '@deploy-kit/shared/http';
import { evaluateJsonPath } from './jsonpath';
import type { Expect, HeaderExpectation } from './spec';

/** One comparison, as the report shows it: what we wanted and what the server gave. */
export interface Assertion {
  name: string;
  expected: string;
  seen: string;
  passed: boolean;
}

export function assertion(name: string, passed: boolean, expected: string, seen: string): Assertion {
  return { name, passed, expected, seen };
}

/** Status text: 200, 2xx, 200-299, or a comma list of those. */
export const STATUS_TEXT =
  /^\s*([1-5]xx|[1-5]\d\d(\s*-\s*[1-5]\d\d)?)(\s*,\s*([1-5]xx|[1-5]\d\d(\s*-\s*[1-5]\d\d)?))*\s*$/i;

/** Parse a status spec (200, '2xx', '200-299', '200,204' or a list) into a predicate and its description. */
export function statusMatcher(spec: number | string | readonly (number | string)[]): {
  test: (status: number) => boolean;
  text: string;
} {
  const items = (Array.isArray(spec) ? spec : [spec]).flatMap((item) =>
    String(item)
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );
  const ranges = items.map((item) => {
    const xx = /^([1-5])xx$/i.exec(item);
    if (xx) return [Number(xx[1]) * 100, Number(xx[1]) * 100 + 99] as const;
    const range = /^(\d{3})\s*-\s*(\d{3})$/.exec(item);
    if (range) return [Number(range[1]), Number(range[2])] as const;
    return [Number(item), Number(item)] as const;
  });
  return {
    test: (status) => ranges.some(([lo, hi]) => status >= lo && status <= hi),
    text: items.join(', '),
  };
}

export const DEFAULT_STATUS = '200-299';
export const REDIRECT_STATUS = '301,302,303,307,308';

function list<T>(value: T | readonly T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? [...value] : [value as T];
}

export function snippet(text: string, max = 80): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
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
  const results: Assertion[] = [];
  const e = expect ?? {};
  const status = statusMatcher(e.status ?? (e.redirect !== undefined ? REDIRECT_STATUS : DEFAULT_STATUS));
  results.push(assertion('status', status.test(res.status), status.text, String(res.status)));

  if (e.redirect !== undefined) {
    const location = headerValue(res.headers, 'location');
    const want = resolveUrl(e.redirect, res.url);
    const seen = location === undefined ? '(no Location header)' : resolveUrl(location, res.url);
    results.push(assertion('redirect', seen === want, want, seen));
  }

  const text = res.body.toString('utf8');
  const sizeNote = res.truncated ? ` (first ${res.body.length} bytes; body was cut at the size cap)` : '';
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

  if (e.json !== undefined) {
    let parsed: { ok: true; value: unknown } | { ok: false } = { ok: false };
    try {
      parsed = { ok: true, value: JSON.parse(text) };
    } catch {
      parsed = { ok: false };
    }
    for (const [path, want] of Object.entries(e.json)) {
      if (!parsed.ok) {
        results.push(
          assertion(`json ${path}`, false, show(want), `body is not JSON: ${snippet(text, 60)}${sizeNote}`),
        );
        continue;
      }
      const found = evaluateJsonPath(parsed.value, path);
      results.push(
        assertion(
          `json ${path}`,
          found.found && jsonEquals(found.value, want),
          show(want),
          found.found ? show(found.value) : '(missing)',
        ),
      );
    }
  }

  for (const [name, want] of Object.entries(e.headers ?? {}))
    results.push(evaluateHeader(name, want, headerValue(res.headers, name)));

  if (e['max-time'] !== undefined)
    results.push(
      assertion(
        'response time',
        res.durationMs <= e['max-time'],
        `<= ${e['max-time']} ms`,
        `${res.durationMs} ms`,
      ),
    );
  return results;
}

/** One sentence for the first failing assertion, e.g. "status was 503, expected 200". */
export function describeFailure(a: Assertion): string {
  return `${a.name}: expected ${a.expected}, saw ${a.seen}`;
}
