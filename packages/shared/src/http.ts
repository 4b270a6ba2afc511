import * as net from 'node:net';
import * as tls from 'node:tls';
import { Agent, buildConnector, errors as undiciErrors, request as undiciRequest } from 'undici';
import type { Dispatcher } from 'undici';
import { InputError } from './errors';
import { retry, type RetryOptions } from './retry';

/**
 * HTTP for every action: undici with explicit connect / headers / body
 * timeouts, a body size cap, pinned resolution (curl's --resolve: connect to
 * an address of our choosing while TLS is still verified against the host
 * name), a custom CA, and no automatic redirects (callers assert on them).
 */

export interface ResolveRule {
  host: string;
  /** Port as a number; the rule applies only to connections to this port (like curl). */
  port: number;
  address: string;
}

/** Parse `host:port:address` entries (curl --resolve), one per line or comma-separated. */
export function parseResolve(inputName: string, value: string): ResolveRule[] {
  const rules: ResolveRule[] = [];
  for (const raw of value.split(/\r?\n|,/)) {
    const entry = raw.trim();
    if (entry === '' || entry.startsWith('#')) continue;
    const match = /^(\[[^\]]+\]|[^:[\]]+):(\d{1,5}):(\[[^\]]+\]|[^[\]]+)$/.exec(entry);
    const address = match?.[3]?.replace(/^\[|\]$/g, '') ?? '';
    const port = Number(match?.[2]);
    if (!match || net.isIP(address) === 0 || port < 1 || port > 65535)
      throw new InputError(
        `'${inputName}' entries must look like host:port:address with an IP address (e.g. app.example.com:443:127.0.0.1), got '${entry}'.`,
      );
    rules.push({ host: (match[1] as string).replace(/^\[|\]$/g, '').toLowerCase(), port, address });
  }
  return rules;
}

function defaultPort(protocol: string): number {
  return protocol === 'https:' ? 443 : 80;
}

/** The address to connect to for host:port, or undefined when no rule pins it. */
export function pinnedAddress(rules: readonly ResolveRule[], host: string, port: number): string | undefined {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return rules.find((r) => r.host === h && r.port === port)?.address;
}

export interface HttpClientOptions {
  /** PEM bundle trusted instead of the system roots (Node's `ca`), for internal CAs. */
  ca?: string;
  resolve?: readonly ResolveRule[];
  connectTimeoutMs?: number;
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;
  /** Bodies larger than this are cut off and flagged `truncated` (protects memory from huge answers). */
  maxBodyBytes?: number;
}

export interface HttpRequest {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  signal?: AbortSignal;
  /** Overrides the client's cap for this request. */
  maxBodyBytes?: number;
  /** Close the connection after this request instead of keeping it for the next one. */
  reset?: boolean;
}

export interface HttpResponse {
  url: string;
  status: number;
  /** Lower-case names; repeated headers (set-cookie) as arrays. */
  headers: Record<string, string | string[]>;
  body: Buffer;
  /** True when the body was cut at the size cap. */
  truncated: boolean;
  /** Time from sending the request to the end of the (possibly capped) body. */
  durationMs: number;
}

export function headerValue(headers: HttpResponse['headers'], name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(', ') : v;
}

export function headerValues(headers: HttpResponse['headers'], name: string): string[] {
  const v = headers[name.toLowerCase()];
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

const DEFAULTS = {
  connectTimeoutMs: 10_000,
  headersTimeoutMs: 30_000,
  bodyTimeoutMs: 30_000,
  maxBodyBytes: 5 << 20,
};

/** A network-level failure described in one phrase (what a reader of a smoke-test report needs). */
export class HttpError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'HttpError';
  }
}

const TLS_REASONS: Record<string, string> = {
  CERT_HAS_EXPIRED: 'the certificate has expired',
  ERR_TLS_CERT_ALTNAME_INVALID: 'the certificate is not valid for this host name',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the certificate is self-signed and not trusted (pass ca-cert)',
  SELF_SIGNED_CERT_IN_CHAIN: 'the chain ends in an untrusted self-signed CA (pass ca-cert)',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the certificate chain cannot be verified (missing intermediate or CA)',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'the certificate issuer is not trusted (pass ca-cert)',
  CERT_NOT_YET_VALID: 'the certificate is not yet valid',
};

export function describeTlsError(code: string): string {
  return TLS_REASONS[code] ?? `TLS verification failed (${code})`;
}

/** Turn undici / socket errors into one phrase naming the cause. */
export function describeHttpError(error: unknown, url: string): HttpError {
  const e = error as
    { code?: string; message?: string; cause?: { code?: string; message?: string } } | undefined;
  const code = e?.code ?? e?.cause?.code;
  const where = (() => {
    try {
      return new URL(url).host;
    } catch {
      return url;
    }
  })();
  if (error instanceof undiciErrors.ConnectTimeoutError)
    return new HttpError(`connecting to ${where} timed out`, 'CONNECT_TIMEOUT', { cause: error });
  if (error instanceof undiciErrors.HeadersTimeoutError)
    return new HttpError(
      `${where} accepted the connection but sent no response headers in time`,
      'HEADERS_TIMEOUT',
      {
        cause: error,
      },
    );
  if (error instanceof undiciErrors.BodyTimeoutError)
    return new HttpError(`${where} stopped sending the response body`, 'BODY_TIMEOUT', { cause: error });
  if (e && (e as { name?: string }).name === 'AbortError')
    return new HttpError(`no answer from ${where} before the deadline`, 'DEADLINE', { cause: error });
  if (code && (code in TLS_REASONS || code.startsWith('ERR_TLS') || code.includes('CERT')))
    return new HttpError(`TLS to ${where} failed: ${describeTlsError(code)}`, code, { cause: error });
  switch (code) {
    case 'ECONNREFUSED':
      return new HttpError(`connection to ${where} refused`, code, { cause: error });
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return new HttpError(`${where} closed the connection without an answer`, code, { cause: error });
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new HttpError(`host name of ${where} does not resolve`, code, { cause: error });
    default:
      return new HttpError(`request to ${where} failed: ${e?.message ?? String(error)}`, code, {
        cause: error,
      });
  }
}

export class HttpClient {
  private readonly agent: Agent;
  private readonly options: Required<Omit<HttpClientOptions, 'ca' | 'resolve'>> & HttpClientOptions;

  constructor(options: HttpClientOptions = {}) {
    this.options = { ...DEFAULTS, ...options };
    const rules = options.resolve ?? [];
    const base = buildConnector({
      timeout: this.options.connectTimeoutMs,
      // One secure context for every connection: with a bare `ca` option, Node
      // would parse the PEM and build a trust store per connection.
      ...(options.ca ? { secureContext: tls.createSecureContext({ ca: options.ca }) } : {}),
      rejectUnauthorized: true,
    });
    // Pinning happens at connect time so the URL, the Host header and the TLS
    // server name keep the real host name; only the TCP address changes.
    // The TLS server name is always the URL's host: undici would otherwise take
    // it from a Host header, and a check that sends a foreign Host (ALLOWED_HOSTS)
    // must still verify the certificate of the site it is talking to.
    const connect: buildConnector.connector = (opts, callback) => {
      const port = Number(opts.port) || defaultPort(opts.protocol);
      const address = pinnedAddress(rules, opts.hostname, port);
      const servername = net.isIP(opts.hostname) === 0 ? opts.hostname : undefined;
      return base({ ...opts, hostname: address ?? opts.hostname, servername }, callback);
    };
    this.agent = new Agent({
      connect,
      headersTimeout: this.options.headersTimeoutMs,
      bodyTimeout: this.options.bodyTimeoutMs,
      connections: 128,
    });
  }

  get dispatcher(): Dispatcher {
    return this.agent;
  }

  /** One request; network failures throw HttpError, any HTTP status is a response. */
  async request(req: HttpRequest): Promise<HttpResponse> {
    const started = performance.now();
    const cap = req.maxBodyBytes ?? this.options.maxBodyBytes;
    try {
      const res = await undiciRequest(req.url, {
        dispatcher: this.agent,
        method: (req.method ?? 'GET').toUpperCase() as Dispatcher.HttpMethod,
        headers: req.headers,
        body: req.body,
        signal: req.signal,
        ...(req.reset ? { reset: true } : {}),
      });
      const chunks: Buffer[] = [];
      let size = 0;
      let truncated = false;
      for await (const chunk of res.body) {
        const buf = chunk as Buffer;
        if (size + buf.length > cap) {
          chunks.push(buf.subarray(0, cap - size));
          size = cap;
          truncated = true;
          // Stop downloading: destroying the body closes this connection.
          res.body.destroy();
          break;
        }
        chunks.push(buf);
        size += buf.length;
      }
      return {
        url: req.url,
        status: res.statusCode,
        headers: res.headers as HttpResponse['headers'],
        body: Buffer.concat(chunks, size),
        truncated,
        durationMs: Math.round(performance.now() - started),
      };
    } catch (error) {
      if (error instanceof HttpError) throw error;
      throw describeHttpError(error, req.url);
    }
  }

  /**
   * Retry with backoff until `accept` says yes or the deadline passes. Each
   * attempt is bounded by what is left of the deadline, so a host that never
   * answers cannot make this hang.
   */
  async requestWithRetry(
    req: HttpRequest,
    options: Omit<RetryOptions, 'retryable'> & { accept?: (res: HttpResponse) => boolean },
  ): Promise<HttpResponse> {
    const started = Date.now();
    return retry(async () => {
      const left = Math.max(1, options.deadlineMs - (Date.now() - started));
      const signal = anySignal([AbortSignal.timeout(left), req.signal]);
      const res = await this.request({ ...req, signal });
      if (options.accept && !options.accept(res))
        throw new HttpError(`unexpected status ${res.status}`, 'STATUS');
      return res;
    }, options);
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  async destroy(): Promise<void> {
    await this.agent.destroy();
  }
}

function anySignal(signals: readonly (AbortSignal | undefined)[]): AbortSignal {
  const present = signals.filter((s): s is AbortSignal => s !== undefined);
  return present.length === 1 ? (present[0] as AbortSignal) : AbortSignal.any(present);
}

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
