import * as net from 'node:net';
import * as tls from 'node:tls';
import { Agent, buildConnector, request as undiciRequest } from 'undici';
import type { Dispatcher } from 'undici';
import { HttpError, describeHttpError } from './http-errors';
import { pinnedAddress, type ResolveRule } from './http-resolve';
import { retry, type RetryOptions } from './retry';

/**
 * The HTTP client: undici with explicit connect / headers / body timeouts, a body size cap,
 * pinned resolution, a custom CA, and no automatic redirects (callers assert on them).
 */

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

function defaultPort(protocol: string): number {
  return protocol === 'https:' ? 443 : 80;
}

const DEFAULTS = {
  connectTimeoutMs: 10_000,
  headersTimeoutMs: 30_000,
  bodyTimeoutMs: 30_000,
  maxBodyBytes: 5 << 20,
};

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
