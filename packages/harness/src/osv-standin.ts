import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import * as path from 'node:path';
import { osvAnswerer, osvValidators, type OsvAnswer } from './osv-api';
import { loadOsvRecords, osvDataDir, type OsvRecord } from './osv-data';

export { OSV_QUERY_SCHEMA } from './osv-api';
export { affectsVersion, loadOsvRecords, normalizeName, osvDataDir, type OsvRecord } from './osv-data';

/**
 * A local stand-in for the OSV API (api.osv.dev), for tests that run the real
 * pip-audit with `--osv-url`. It answers the two calls pip-audit and the
 * pip-audit action make — `POST /v1/query` and `GET /v1/vulns/{id}` — from real
 * advisory records (__tests__/fixtures/osv/records). Every record it serves is validated
 * against the published OSV schema (__tests__/fixtures/osv/schema.json, JSON Schema 2020-12)
 * and every request body against the query shape of OSV's API description
 * (https://google.github.io/osv.dev/post-v1-query/); anything that does not
 * conform is answered 400/500 and recorded in `violations`, which tests assert
 * empty. Faults (status codes, delays) can be switched on to test the client.
 *
 * This file is the server (faults, request log, lifecycle); osv-api.ts answers the calls and
 * validates them, osv-data.ts holds the records and OSV's range evaluation.
 */

export interface OsvRequestLog {
  method: string;
  path: string;
  body?: unknown;
  status: number;
}

export interface OsvFault {
  /** Which calls the fault applies to. */
  route: 'query' | 'vulns' | 'all';
  /** Answer with this status (and an OSV-style error body) instead of the real answer. */
  status?: number;
  /** Hold the answer this long (a service that hangs); the socket is closed on stop(). */
  delayMs?: number;
}

export interface OsvStandin {
  /** Base URL without a trailing slash, e.g. http://127.0.0.1:PORT/v1 */
  base: string;
  /** The URL pip-audit's `--osv-url` takes (the query endpoint). */
  queryUrl: string;
  requests: OsvRequestLog[];
  violations: string[];
  records: Map<string, OsvRecord>;
  fault(f: OsvFault | undefined): void;
  stop(): Promise<void>;
}

export interface OsvStandinOptions {
  /** Records to serve; defaults to every record in __tests__/fixtures/osv/records. */
  records?: Map<string, OsvRecord>;
  host?: string;
}

export async function startOsvStandin(options: OsvStandinOptions = {}): Promise<OsvStandin> {
  const dataDir = osvDataDir();
  const validate = osvValidators(dataDir);
  const records = options.records ?? loadOsvRecords(path.join(dataDir, 'records'));
  const requests: OsvRequestLog[] = [];
  const violations: string[] = [];
  const answer = osvAnswerer(records, validate, violations);
  let fault: OsvFault | undefined;
  const timers = new Set<NodeJS.Timeout>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const route = req.url?.startsWith('/v1/query') ? 'query' : 'vulns';
      const active = fault && (fault.route === 'all' || fault.route === route) ? fault : undefined;
      const reply =
        active?.status !== undefined
          ? { status: active.status, json: { code: 13, message: 'Internal error (stand-in fault).' } }
          : answer(req, body);
      requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        body: parsedBody(body),
        status: reply.status,
      });
      sendLater(res, reply, active?.delayMs, timers);
    });
  });
  const sockets = trackSockets(server);
  const base = await listen(server, options.host ?? '127.0.0.1');
  return {
    base,
    queryUrl: `${base}/query`,
    requests,
    violations,
    records,
    fault(f) {
      fault = f;
    },
    async stop() {
      for (const t of timers) clearTimeout(t);
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The request body as logged: JSON when it parses, else the text; nothing when empty. */
function parsedBody(body: string): unknown {
  try {
    return body === '' ? undefined : JSON.parse(body);
  } catch {
    return body;
  }
}

/** Answer now, or after `delayMs` (a service that hangs) with the timer kept for stop(). */
function sendLater(
  res: http.ServerResponse,
  reply: OsvAnswer,
  delayMs: number | undefined,
  timers: Set<NodeJS.Timeout>,
): void {
  const send = (): void => {
    res.writeHead(reply.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(reply.json));
  };
  if (!delayMs) return send();
  const t = setTimeout(() => {
    timers.delete(t);
    send();
  }, delayMs);
  timers.add(t);
}

/** The open sockets, so stop() can close a held answer's connection. */
function trackSockets(server: http.Server): Set<Socket> {
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return sockets;
}

/** Listen on a free port; the base URL of the API (…/v1). */
async function listen(server: http.Server, host: string): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const { port, address } = server.address() as AddressInfo;
  return `http://${address}:${port}/v1`;
}
