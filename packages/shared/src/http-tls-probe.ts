import * as net from 'node:net';
import * as tls from 'node:tls';
import { HttpError, describeHttpError } from './http-errors';
import { pinnedAddress, type ResolveRule } from './http-resolve';

/**
 * A bare TLS handshake, apart from HTTP: what protocol a server negotiates (also within a
 * restricted version range) and whether its certificate verifies, with the reason when not.
 */

export interface TlsProbeOptions {
  host: string;
  port: number;
  ca?: string;
  resolve?: readonly ResolveRule[];
  timeoutMs: number;
  /** Restrict the protocol range (to find out whether a server still accepts old versions). */
  minVersion?: tls.SecureVersion;
  maxVersion?: tls.SecureVersion;
  ciphers?: string;
  signal?: AbortSignal;
}

export interface TlsProbeResult {
  /** Negotiated protocol, e.g. TLSv1.3. */
  protocol: string;
  /** Chain valid and certificate valid for the host name. */
  authorized: boolean;
  /** OpenSSL / Node code when not authorized (e.g. CERT_HAS_EXPIRED, ERR_TLS_CERT_ALTNAME_INVALID). */
  authorizationError?: string;
  subject?: string;
  issuer?: string;
  subjectAltName?: string;
  validFrom?: Date;
  validTo?: Date;
}

/**
 * Open a TLS connection and report what was negotiated and whether the
 * certificate verifies for `host` (through pinning and the custom CA, like
 * HttpClient). Verification runs without rejecting, so the report can say why.
 */
export function probeTls(options: TlsProbeOptions): Promise<TlsProbeResult> {
  const address = pinnedAddress(options.resolve ?? [], options.host, options.port) ?? options.host;
  const hostIsIp = net.isIP(options.host) !== 0;
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host: address,
      port: options.port,
      // SNI cannot carry an IP address; Node then checks the IP SANs against `host`.
      servername: hostIsIp ? undefined : options.host,
      ca: options.ca,
      rejectUnauthorized: false,
      minVersion: options.minVersion,
      maxVersion: options.maxVersion,
      ciphers: options.ciphers,
      checkServerIdentity: (_name, cert) => tls.checkServerIdentity(options.host, cert),
    });
    const fail = (error: HttpError): void => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      reject(error);
    };
    const timer = setTimeout(
      () =>
        fail(
          new HttpError(`TLS handshake with ${options.host}:${options.port} timed out`, 'CONNECT_TIMEOUT'),
        ),
      options.timeoutMs,
    );
    const onAbort = (): void =>
      fail(
        new HttpError(`no TLS answer from ${options.host}:${options.port} before the deadline`, 'DEADLINE'),
      );
    if (options.signal?.aborted) onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      const cert = socket.getPeerCertificate();
      const err = socket.authorizationError as unknown;
      const code =
        err === null || err === undefined
          ? undefined
          : typeof err === 'string'
            ? err
            : ((err as Error).message ?? '');
      const result: TlsProbeResult = {
        protocol: socket.getProtocol() ?? 'unknown',
        authorized: socket.authorized,
        authorizationError: socket.authorized ? undefined : code,
        subject: cert?.subject?.CN as string | undefined,
        issuer: cert?.issuer?.CN as string | undefined,
        subjectAltName: cert?.subjectaltname,
        validFrom: cert?.valid_from ? new Date(cert.valid_from) : undefined,
        validTo: cert?.valid_to ? new Date(cert.valid_to) : undefined,
      };
      socket.end();
      resolve(result);
    });
    socket.once('error', (error) =>
      fail(describeHttpError(error, `https://${options.host}:${options.port}/`)),
    );
  });
}
