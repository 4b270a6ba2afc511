import { registerSecret } from '@deploy-kit/shared';
import { HttpError } from '@deploy-kit/shared/http';
import type { Cookie } from 'undici';
import { assertion, snippet, statusMatcher, type Assertion } from '../assertions';
import { send } from '../checks';
import { responseCookies } from '../cookies';
import type { CheckDef } from '../runner';
import type { SuiteConfig } from './config';

/** Text that only Django's technical (DEBUG = True) pages contain. */
const DEBUG_MARKERS = [
  "You're seeing this error because you have <code>DEBUG = True</code>",
  'Using the URLconf defined in',
  'Traceback (most recent call last)',
  '<div id="traceback">',
  'django.core.exceptions',
];

/** The first debug marker found in a page, or undefined for a production error page. */
export function debugMarker(body: string): string | undefined {
  return DEBUG_MARKERS.find((m) => body.includes(m));
}

export function evaluateNotFound(status: number, body: string): Assertion[] {
  const marker = debugMarker(body);
  return [
    assertion('status', status === 404, '404', String(status)),
    assertion(
      'no debug page',
      marker === undefined,
      'no traceback or URLconf listing (DEBUG off)',
      marker ? `debug page: ${snippet(marker, 70)}` : 'plain error page',
    ),
  ];
}

type Flag = SuiteConfig['django']['cookieFlags'][number];

export function evaluateCookie(cookie: Cookie, flags: readonly Flag[]): Assertion {
  const missing: string[] = [];
  if (flags.includes('secure') && !cookie.secure) missing.push('Secure');
  if (flags.includes('httponly') && !cookie.httpOnly) missing.push('HttpOnly');
  if (flags.includes('samesite') && !cookie.sameSite) missing.push('SameSite');
  const present = [
    cookie.secure && 'Secure',
    cookie.httpOnly && 'HttpOnly',
    cookie.sameSite && `SameSite=${cookie.sameSite}`,
  ].filter(Boolean);
  const want = flags
    .map((f) => ({ secure: 'Secure', httponly: 'HttpOnly', samesite: 'SameSite' })[f])
    .join(' + ');
  return assertion(
    `cookie ${cookie.name}`,
    missing.length === 0,
    want,
    missing.length === 0
      ? present.join(' + ')
      : `missing ${missing.join(', ')} (has ${present.join(' + ') || 'no flags'})`,
  );
}

export function evaluateCookies(
  cookies: readonly Cookie[],
  names: readonly string[],
  flags: readonly Flag[],
  path: string,
): Assertion[] {
  const relevant = cookies.filter((c) => names.includes(c.name));
  if (relevant.length === 0)
    return [
      assertion(
        'cookies',
        false,
        `one of ${names.join(', ')} set by ${path}`,
        cookies.length ? `only ${cookies.map((c) => c.name).join(', ')}` : 'no cookies',
      ),
    ];
  return relevant.map((c) => evaluateCookie(c, flags));
}

/** A request for a host the site does not serve must be refused (ALLOWED_HOSTS, or nginx closing it). */
export function evaluateForeignHost(outcome: { status: number } | { error: string }): Assertion {
  const refused = statusMatcher([400, 403, 404, 421]);
  if ('error' in outcome)
    return assertion(
      'foreign Host refused',
      true,
      'refused (400/403/404/421 or closed)',
      `closed: ${outcome.error}`,
    );
  return assertion(
    'foreign Host refused',
    refused.test(outcome.status),
    'refused (400/403/404/421 or closed)',
    String(outcome.status),
  );
}

export const FOREIGN_HOST = 'deploy-kit-smoke-test.invalid';
export const NOT_FOUND_PATH = '/deploy-kit-smoke-test-does-not-exist/';

export function djangoChecks(config: SuiteConfig): CheckDef[] {
  const d = config.django;
  const at = (path: string): string => new URL(path, config.baseUrl).href;
  const get = (url: string, headers: Record<string, string> = {}) => ({ url, method: 'GET', headers });
  const checks: CheckDef[] = [
    {
      name: 'django: 404 without debug page',
      group: 'django',
      async attempt({ client, signal }) {
        const res = await send(client, get(at(NOT_FOUND_PATH)), signal, config.requestTimeoutMs);
        return evaluateNotFound(res.status, res.body.toString('utf8'));
      },
    },
    {
      name: 'django: static files served',
      group: 'django',
      async attempt({ client, signal }) {
        const res = await send(client, get(at(d.staticPath)), signal, config.requestTimeoutMs);
        return [
          assertion(`GET ${d.staticPath}`, res.status === 200, '200 (collectstatic ran)', String(res.status)),
        ];
      },
    },
    {
      name: 'django: session and CSRF cookies',
      group: 'django',
      async attempt({ client, signal }) {
        const res = await send(client, get(at(d.cookiePath)), signal, config.requestTimeoutMs);
        return evaluateCookies(responseCookies(res), d.cookieNames, d.cookieFlags, d.cookiePath);
      },
    },
    {
      name: 'django: foreign Host refused',
      group: 'django',
      async attempt({ client, signal }) {
        try {
          const res = await send(
            client,
            get(config.baseUrl, { host: FOREIGN_HOST }),
            signal,
            config.requestTimeoutMs,
          );
          return [evaluateForeignHost({ status: res.status })];
        } catch (error) {
          // Only a connection the server closed on us counts as refusal; refused or timed-out connections are outages.
          if (!(error instanceof HttpError) || !['ECONNRESET', 'UND_ERR_SOCKET'].includes(error.code ?? ''))
            throw error;
          return [evaluateForeignHost({ error: error.message })];
        }
      },
    },
  ];
  if (d.metricsPath) {
    const path = d.metricsPath;
    const token = d.metricsToken;
    if (token) registerSecret(`Bearer ${token}`);
    checks.push({
      name: `django: ${path} protected`,
      group: 'django',
      async attempt({ client, signal }) {
        const denied = statusMatcher([401, 403]);
        const anonymous = await send(client, get(at(path)), signal, config.requestTimeoutMs);
        const results = [
          assertion('without token', denied.test(anonymous.status), denied.text, String(anonymous.status)),
        ];
        if (token) {
          const authed = await send(
            client,
            get(at(path), { authorization: `Bearer ${token}` }),
            signal,
            config.requestTimeoutMs,
          );
          results.push(assertion('with token', authed.status === 200, '200', String(authed.status)));
        }
        return results;
      },
    });
  }
  return checks;
}
