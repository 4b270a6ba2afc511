import { InputError } from '@deploy-kit/shared';
import { describeTlsError, headerValue, probeTls, type TlsProbeResult } from '@deploy-kit/shared/http';
import { assertion, statusAssertion, type Assertion } from '../assertions';
import { send } from '../checks';
import type { CheckDef } from '../runner';
import { statusMatcher } from '../status';
import type { SuiteConfig } from './config';

const DAY_MS = 86_400_000;

/** Plain HTTP must send a permanent redirect (301/308) to the same host on https. */
export function evaluateHttpsRedirect(
  status: number,
  location: string | undefined,
  httpUrl: string,
  httpsUrl: string,
): Assertion[] {
  const permanent = statusMatcher([301, 308]);
  const want = new URL(httpsUrl);
  let target = '(no Location header)';
  let sameOrigin = false;
  if (location !== undefined) {
    try {
      const to = new URL(location, httpUrl);
      target = to.href;
      sameOrigin = to.origin === want.origin;
    } catch {
      target = location;
    }
  }
  return [
    statusAssertion('status', permanent, status),
    assertion('redirect target', sameOrigin, `${want.origin}/…`, target),
  ];
}

const TLS_ORDER = ['SSLv3', 'TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

export function evaluateTlsProtocol(protocol: string): Assertion {
  return assertion(
    'TLS version',
    TLS_ORDER.indexOf(protocol) >= TLS_ORDER.indexOf('TLSv1.2'),
    '>= TLSv1.2',
    protocol,
  );
}

export function describeCertificate(probe: TlsProbeResult): string {
  const parts = [
    probe.subject ? `CN=${probe.subject}` : undefined,
    probe.subjectAltName,
    probe.issuer ? `issuer ${probe.issuer}` : undefined,
  ];
  return parts.filter(Boolean).join('; ');
}

export function evaluateCertificate(host: string, probe: TlsProbeResult): Assertion {
  const seen = probe.authorized
    ? `valid (${describeCertificate(probe)})`
    : `${describeTlsError(probe.authorizationError ?? 'unknown')} (${describeCertificate(probe)})`;
  return assertion('certificate', probe.authorized, `a trusted chain valid for ${host}`, seen);
}

export function daysLeft(validTo: Date, now: number): number {
  return Math.floor((validTo.getTime() - now) / DAY_MS);
}

export function evaluateExpiry(validTo: Date | undefined, minDays: number, now = Date.now()): Assertion {
  if (!validTo) return assertion('days to expiry', false, `>= ${minDays}`, '(no expiry date)');
  const days = daysLeft(validTo, now);
  const seen =
    days < 0
      ? `expired ${-days} day(s) ago (${validTo.toISOString()})`
      : `${days} (until ${validTo.toISOString()})`;
  return assertion('days to expiry', days >= minDays, `>= ${minDays}`, seen);
}

export function httpsChecks(config: SuiteConfig): CheckDef[] {
  const base = new URL(config.baseUrl);
  if (base.protocol !== 'https:')
    throw new InputError(`suite 'https' needs an https:// 'url', got '${config.baseUrl}'.`);
  const host = base.hostname.replace(/^\[|\]$/g, '');
  const port = Number(base.port) || 443;
  const httpUrl = config.https.httpUrl ?? `http://${base.host.replace(/:\d+$/, '')}${base.pathname}`;
  const probe = (
    signal: AbortSignal,
    extra: Partial<Parameters<typeof probeTls>[0]> = {},
  ): Promise<TlsProbeResult> =>
    probeTls({
      host,
      port,
      ca: config.ca,
      resolve: config.resolve,
      timeoutMs: config.requestTimeoutMs,
      signal,
      ...extra,
    });
  return [
    {
      name: 'https: http redirects to https',
      group: 'https',
      async attempt({ client, signal }) {
        const res = await send(
          client,
          { url: httpUrl, method: 'GET', headers: {} },
          signal,
          config.requestTimeoutMs,
        );
        return evaluateHttpsRedirect(
          res.status,
          headerValue(res.headers, 'location'),
          httpUrl,
          config.baseUrl,
        );
      },
    },
    {
      name: 'https: TLS 1.2 or newer only',
      group: 'https',
      async attempt({ signal }) {
        const results = [evaluateTlsProtocol((await probe(signal)).protocol)];
        // Offer only TLS 1.0/1.1 (at OpenSSL's lowest security level, or the client itself would refuse):
        // a server that completes this handshake still accepts old protocols.
        let old = 'refused';
        try {
          old = `accepted ${(await probe(signal, { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' })).protocol}`;
        } catch {
          // A failed handshake is what we want.
        }
        results.push(assertion('TLS 1.0/1.1 offered', old === 'refused', 'refused', old));
        return results;
      },
    },
    {
      name: 'https: certificate valid for host',
      group: 'https',
      async attempt({ signal }) {
        return [evaluateCertificate(host, await probe(signal))];
      },
    },
    {
      name: 'https: certificate expiry',
      group: 'https',
      async attempt({ signal }) {
        return [evaluateExpiry((await probe(signal)).validTo, config.https.minCertDays)];
      },
    },
  ];
}
