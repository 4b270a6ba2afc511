import { maskSecret } from '@deploy-kit/shared';
import { HttpError } from '@deploy-kit/shared/http';
import type { Cookie } from 'undici';
import { assertion, snippet, statusAssertion, type Assertion } from '../assertions';
import { send } from '../checks';
import { responseCookies } from '../cookies';
import type { CheckDef } from '../runner';
import { isTransientStatus, statusMatcher, statusRetry } from '../status';
import type { SuiteConfig } from './config';

/**
 * Text that only Django's technical (DEBUG = True) pages contain, as rendered
 * by Django 3.2 to 5.x: the technical 404 (with the URLconf listing, or without
 * it when a middleware or view raised Http404), the technical 500 in HTML and
 * in its plain-text form (sent to clients that do not accept HTML). Since
 * Django 3.0 the sentence has a curly apostrophe ("You’re"); older pages and
 * the text form use a straight one, and an HTML-escaped one is matched too.
 */
const DEBUG_MARKERS: readonly { label: string; pattern: RegExp }[] = [
  {
    label: "You're seeing this error because you have DEBUG = True",
    pattern: /You(?:’|'|&#x27;|&#39;|&rsquo;)re seeing this error because you have\s+(?:<code>)?DEBUG = True/,
  },
  { label: 'Using the URLconf defined in', pattern: /Using the URLconf defined in/ },
  { label: 'Traceback (most recent call last)', pattern: /Traceback \(most recent call last\)/ },
  { label: '<div id="traceback">', pattern: /<div id="traceback">/ },
  { label: 'Django Version:', pattern: /Django Version:/ },
  { label: 'django.core.exceptions', pattern: /django\.core\.exceptions/ },
];

/** The first debug marker found in a page, or undefined for a production error page. */
export function debugMarker(body: string): string | undefined {
  return DEBUG_MARKERS.find((m) => m.pattern.test(body))?.label;
}

/** A debug page is the settings' answer (DEBUG = True), checked first and never retried, whatever the status. */
export function evaluateNotFound(status: number, body: string): Assertion[] {
  const marker = debugMarker(body);
  return [
    assertion(
      'no debug page',
      marker === undefined,
      'no traceback or URLconf listing (DEBUG off)',
      marker ? `debug page: ${snippet(marker, 70)}` : 'plain error page',
    ),
    statusAssertion('status', statusMatcher([404]), status),
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
    statusRetry(outcome.status),
  );
}

export const FOREIGN_HOST = 'deploy-kit-smoke-test.invalid';
export const NOT_FOUND_PATH = '/deploy-kit-smoke-test-does-not-exist/';

export function djangoChecks(config: SuiteConfig): CheckDef[] {
  const d = config.django;
  const at = (path: string): string => new URL(path, config.baseUrl).href;
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
          assertion(
            `GET ${d.staticPath}`,
            res.status === 200,
            '200 (collectstatic ran)',
            String(res.status),
            statusRetry(res.status),
          ),
        ];
      },
    },
    {
      name: 'django: session and CSRF cookies',
      group: 'django',
      async attempt({ client, signal }) {
        const res = await send(client, get(at(d.cookiePath)), signal, config.requestTimeoutMs);
        // A 502 from a proxy sets no cookies: say that (and retry), not "no cookies".
        if (isTransientStatus(res.status))
          return [statusAssertion(`GET ${d.cookiePath}`, statusMatcher('200-499'), res.status)];
        return evaluateCookies(responseCookies(res), d.cookieNames, d.cookieFlags, d.cookiePath);
      },
    },
    foreignHostCheck(config),
  ];
  if (d.metricsPath) checks.push(metricsCheck(config, d.metricsPath, d.metricsToken));
  return checks;
}

function get(url: string, headers: Record<string, string> = {}) {
  return { url, method: 'GET', headers };
}

function foreignHostCheck(config: SuiteConfig): CheckDef {
  return {
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
  };
}

/** The metrics endpoint refuses an anonymous request (401/403) and answers 200 with the token. */
function metricsCheck(config: SuiteConfig, path: string, token: string | undefined): CheckDef {
  const at = new URL(path, config.baseUrl).href;
  if (token) maskSecret(`Bearer ${token}`);
  return {
    name: `django: ${path} protected`,
    group: 'django',
    async attempt({ client, signal }) {
      const anonymous = await send(client, get(at), signal, config.requestTimeoutMs);
      const results = [statusAssertion('without token', statusMatcher([401, 403]), anonymous.status)];
      if (token) {
        const authed = await send(
          client,
          get(at, { authorization: `Bearer ${token}` }),
          signal,
          config.requestTimeoutMs,
        );
        results.push(statusAssertion('with token', statusMatcher([200]), authed.status));
      }
      return results;
    },
  };
}
