import { headerValue, headerValues, type HttpResponse } from '@deploy-kit/shared/http';
import { assertion, statusAssertion, type Assertion } from '../assertions';
import { send } from '../checks';
import type { CheckDef } from '../runner';
import { statusMatcher } from '../status';
import type { SuiteConfig } from './config';

/** Split a header like HSTS or CSP into lower-cased directive names and values. */
export function directives(value: string, separator = ';'): Map<string, string> {
  const map = new Map<string, string>();
  for (const part of value.split(separator)) {
    const trimmed = part.trim();
    if (trimmed === '') continue;
    const m = /^([^\s=]+)\s*(?:=\s*"?([^"]*)"?|\s+(.*))?$/.exec(trimmed);
    if (m) map.set((m[1] as string).toLowerCase(), (m[2] ?? m[3] ?? '').trim());
  }
  return map;
}

/**
 * HSTS as a browser applies it. Sent twice (the app's SecurityMiddleware and
 * the proxy's add_header, say), only the first header counts (RFC 6797
 * §8.1), whatever the second one promises: judge the first, and say so.
 */
export function evaluateHsts(
  values: string | readonly string[] | undefined,
  minAge: number,
  includeSubdomains: boolean,
): Assertion {
  const all = values === undefined ? [] : typeof values === 'string' ? [values] : [...values];
  const expected = `max-age >= ${minAge}${includeSubdomains ? ' with includeSubDomains' : ''}`;
  const value = all[0];
  if (value === undefined) return assertion('Strict-Transport-Security', false, expected, '(absent)');
  const d = directives(value);
  const age = Number(d.get('max-age'));
  const ok = Number.isFinite(age) && age >= minAge && (!includeSubdomains || d.has('includesubdomains'));
  const seen =
    all.length > 1
      ? `${value} (${all.length} Strict-Transport-Security headers: browsers apply only the first; the others were ${all
          .slice(1)
          .map((v) => `'${v}'`)
          .join(', ')})`
      : value;
  return assertion('Strict-Transport-Security', ok, expected, seen);
}

export function evaluateNosniff(value: string | undefined): Assertion {
  return assertion(
    'X-Content-Type-Options',
    value?.trim().toLowerCase() === 'nosniff',
    'nosniff',
    value ?? '(absent)',
  );
}

/** Framing is restricted by X-Frame-Options DENY/SAMEORIGIN or CSP frame-ancestors. */
export function evaluateFraming(xfo: string | undefined, csp: string | undefined): Assertion {
  const ancestors = csp === undefined ? undefined : directives(csp).get('frame-ancestors');
  const xfoOk = xfo !== undefined && ['deny', 'sameorigin'].includes(xfo.trim().toLowerCase());
  const cspOk = ancestors !== undefined && ancestors !== '' && !ancestors.split(/\s+/).includes('*');
  const seen = [
    xfo !== undefined ? `X-Frame-Options: ${xfo}` : undefined,
    ancestors !== undefined ? `frame-ancestors ${ancestors}` : undefined,
  ]
    .filter(Boolean)
    .join('; ');
  return assertion(
    'framing',
    xfoOk || cspOk,
    'X-Frame-Options DENY/SAMEORIGIN or CSP frame-ancestors',
    seen || '(neither)',
  );
}

export function evaluateReferrerPolicy(value: string | undefined): Assertion {
  // unsafe-url sends full URLs (paths, query strings) to every other site.
  const ok = value !== undefined && value.trim() !== '' && !/unsafe-url/i.test(value);
  return assertion('Referrer-Policy', ok, 'a policy other than unsafe-url', value ?? '(absent)');
}

export function evaluateCsp(value: string | undefined): Assertion {
  return assertion(
    'Content-Security-Policy',
    value !== undefined && value.trim() !== '',
    'present',
    value ?? '(absent)',
  );
}

type Evaluate = (res: HttpResponse) => Assertion;

export function headersChecks(config: SuiteConfig): CheckDef[] {
  const h = config.headers;
  const ok = statusMatcher('200-399');
  const rows: [string, Evaluate][] = [
    [
      'HSTS',
      (r) =>
        evaluateHsts(
          headerValues(r.headers, 'strict-transport-security'),
          h.hstsMinAge,
          h.hstsIncludeSubdomains,
        ),
    ],
    ['nosniff', (r) => evaluateNosniff(headerValue(r.headers, 'x-content-type-options'))],
    [
      'framing',
      (r) =>
        evaluateFraming(
          headerValue(r.headers, 'x-frame-options'),
          headerValue(r.headers, 'content-security-policy'),
        ),
    ],
    ['Referrer-Policy', (r) => evaluateReferrerPolicy(headerValue(r.headers, 'referrer-policy'))],
    ['CSP', (r) => evaluateCsp(headerValue(r.headers, 'content-security-policy'))],
  ];
  return rows.map(([label, evaluate]) => ({
    name: `headers: ${label}`,
    group: 'headers',
    async attempt({ client, signal }) {
      const res = await send(
        client,
        { url: config.baseUrl, method: 'GET', headers: {} },
        signal,
        config.requestTimeoutMs,
      );
      // Headers on an error page say nothing about the site: insist on a real answer first.
      return [statusAssertion('status', ok, res.status), evaluate(res)];
    },
  }));
}
