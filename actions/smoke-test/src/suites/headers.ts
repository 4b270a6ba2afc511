import { headerValue, type HttpResponse } from '@deploy-kit/shared/http';
import { assertion, statusMatcher, type Assertion } from '../assertions';
import { send } from '../checks';
import type { CheckDef } from '../runner';
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

export function evaluateHsts(
  value: string | undefined,
  minAge: number,
  includeSubdomains: boolean,
): Assertion {
  const expected = `max-age >= ${minAge}${includeSubdomains ? ' with includeSubDomains' : ''}`;
  if (value === undefined) return assertion('Strict-Transport-Security', false, expected, '(absent)');
  const d = directives(value);
  const age = Number(d.get('max-age'));
  const ok = Number.isFinite(age) && age >= minAge && (!includeSubdomains || d.has('includesubdomains'));
  return assertion('Strict-Transport-Security', ok, expected, value);
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
          headerValue(r.headers, 'strict-transport-security'),
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
      return [assertion('status', ok.test(res.status), ok.text, String(res.status)), evaluate(res)];
    },
  }));
}
