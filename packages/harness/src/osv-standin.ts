import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { compare, gt, gte, valid } from '@renovatebot/pep440';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { REPO_ROOT } from './run-action';

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
 */

export interface OsvRecord {
  id: string;
  modified: string;
  aliases?: string[];
  withdrawn?: string;
  affected?: {
    package?: { ecosystem?: string; name?: string };
    ranges?: { type: string; events: Record<string, string>[] }[];
    versions?: string[];
  }[];
  [key: string]: unknown;
}

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

/**
 * The OSV test data: the committed copy in __tests__/fixtures/osv (real public records, with
 * the README that credits their sources as CC-BY asks), so a fresh clone anywhere has it;
 * DEPLOY_KIT_OSV_DIR points elsewhere (e.g. a newer shared/osv).
 */
export function osvDataDir(): string {
  const candidates = [
    process.env.DEPLOY_KIT_OSV_DIR,
    path.join(REPO_ROOT, '__tests__', 'fixtures', 'osv'),
  ].filter((d): d is string => !!d);
  const found = candidates.find((d) => fs.existsSync(path.join(d, 'schema.json')));
  if (!found) throw new Error(`no OSV test data (schema.json) in ${candidates.join(', ')}`);
  return found;
}

/**
 * The request body of POST /v1/query as OSV's API description documents it: a
 * package (name + ecosystem, or purl) with a version or a commit, and an
 * optional page token. Written from the documentation; pip-audit sends
 * {package: {name, ecosystem}, version}.
 */
export const OSV_QUERY_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    commit: { type: 'string', minLength: 1 },
    version: { type: 'string', minLength: 1 },
    page_token: { type: 'string' },
    package: {
      type: 'object',
      additionalProperties: false,
      properties: {
        name: { type: 'string', minLength: 1 },
        ecosystem: { type: 'string', minLength: 1 },
        purl: { type: 'string', minLength: 1 },
      },
    },
  },
  anyOf: [{ required: ['commit'] }, { required: ['package'] }],
} as const;

/** PEP 503 name normalisation: Django, django and DJANGO are one package. */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/** OSV's ECOSYSTEM range evaluation for PyPI: events sorted by version, introduced opens, fixed/last_affected close. */
export function affectsVersion(record: OsvRecord, name: string, version: string): boolean {
  if (!valid(version)) return false;
  const wanted = normalizeName(name);
  for (const affected of record.affected ?? []) {
    const pkg = affected.package;
    if (!pkg || pkg.ecosystem !== 'PyPI' || !pkg.name || normalizeName(pkg.name) !== wanted) continue;
    if ((affected.versions ?? []).some((v) => valid(v) && compare(v, version) === 0)) return true;
    for (const range of affected.ranges ?? []) {
      if (range.type !== 'ECOSYSTEM') continue;
      const events = range.events
        .map((e) => {
          const [kind, at] = Object.entries(e)[0] ?? ['', ''];
          return { kind, at };
        })
        .filter((e) => e.at === '0' || valid(e.at))
        .sort((a, b) => (a.at === '0' ? -1 : b.at === '0' ? 1 : compare(a.at, b.at)));
      let inside = false;
      for (const e of events) {
        const reached = e.at === '0' || gte(version, e.at);
        if (e.kind === 'introduced' && reached) inside = true;
        if (e.kind === 'fixed' && reached) inside = false;
        if (e.kind === 'last_affected' && e.at !== '0' && gt(version, e.at)) inside = false;
      }
      if (inside) return true;
    }
  }
  return false;
}

export function loadOsvRecords(dir = path.join(osvDataDir(), 'records')): Map<string, OsvRecord> {
  const records = new Map<string, OsvRecord>();
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    const record = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as OsvRecord;
    records.set(record.id, record);
  }
  return records;
}

export interface OsvStandinOptions {
  /** Records to serve; defaults to every record in __tests__/fixtures/osv/records. */
  records?: Map<string, OsvRecord>;
  host?: string;
}

export async function startOsvStandin(options: OsvStandinOptions = {}): Promise<OsvStandin> {
  const dataDir = osvDataDir();
  const schema = JSON.parse(fs.readFileSync(path.join(dataDir, 'schema.json'), 'utf8')) as object;
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats(ajv);
  const validateRecord = ajv.compile(schema);
  const validateQuery = ajv.compile(OSV_QUERY_SCHEMA);
  const records = options.records ?? loadOsvRecords(path.join(dataDir, 'records'));
  const requests: OsvRequestLog[] = [];
  const violations: string[] = [];
  let fault: OsvFault | undefined;
  const sockets = new Set<import('node:net').Socket>();
  const timers = new Set<NodeJS.Timeout>();

  // A record that fails the schema is a broken fixture: say so before any test relies on it.
  for (const record of records.values())
    if (!validateRecord(record as unknown))
      violations.push(
        `record ${record.id} does not match the OSV schema: ${ajv.errorsText(validateRecord.errors)}`,
      );

  const serve = (record: OsvRecord): OsvRecord => {
    if (!validateRecord(record as unknown))
      violations.push(
        `served ${record.id}, which does not match the OSV schema: ${ajv.errorsText(validateRecord.errors)}`,
      );
    return record;
  };

  const handle = (req: http.IncomingMessage, body: string): { status: number; json: unknown } => {
    const url = new URL(req.url ?? '/', 'http://standin');
    if (req.method === 'POST' && url.pathname === '/v1/query') {
      let query: unknown;
      try {
        query = JSON.parse(body);
      } catch {
        violations.push(`POST /v1/query with a body that is not JSON: ${body.slice(0, 80)}`);
        return { status: 400, json: { code: 3, message: 'Invalid JSON body.' } };
      }
      if (!validateQuery(query)) {
        violations.push(
          `POST /v1/query body does not match OSV's query shape: ${ajv.errorsText(validateQuery.errors)}`,
        );
        return { status: 400, json: { code: 3, message: 'Invalid query.' } };
      }
      const q = query as { package?: { name?: string; ecosystem?: string }; version?: string };
      if (!q.package?.name || q.package.ecosystem !== 'PyPI' || !q.version) {
        violations.push(`POST /v1/query asked for something other than a PyPI name + version: ${body}`);
        return { status: 400, json: { code: 3, message: 'Unsupported query for this stand-in.' } };
      }
      const { name } = q.package;
      const version = q.version;
      const vulns = [...records.values()].filter((r) => affectsVersion(r, name, version)).map(serve);
      // osv.dev answers {} (not {"vulns": []}) when nothing matches.
      return { status: 200, json: vulns.length > 0 ? { vulns } : {} };
    }
    const m = /^\/v1\/vulns\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'GET' && m) {
      const record = records.get(decodeURIComponent(m[1] as string));
      if (!record) return { status: 404, json: { code: 5, message: 'Bug not found.' } };
      return { status: 200, json: serve(record) };
    }
    violations.push(`unexpected request ${req.method} ${url.pathname}`);
    return { status: 404, json: { code: 5, message: 'Not found.' } };
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const route = req.url?.startsWith('/v1/query') ? 'query' : 'vulns';
      const active = fault && (fault.route === 'all' || fault.route === route) ? fault : undefined;
      const answer =
        active?.status !== undefined
          ? { status: active.status, json: { code: 13, message: 'Internal error (stand-in fault).' } }
          : handle(req, body);
      let parsed: unknown;
      try {
        parsed = body === '' ? undefined : JSON.parse(body);
      } catch {
        parsed = body;
      }
      requests.push({ method: req.method ?? '', path: req.url ?? '', body: parsed, status: answer.status });
      const send = (): void => {
        res.writeHead(answer.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(answer.json));
      };
      if (active?.delayMs) {
        const t = setTimeout(() => {
          timers.delete(t);
          send();
        }, active.delayMs);
        timers.add(t);
      } else send();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port, address } = server.address() as AddressInfo;
  const base = `http://${address}:${port}/v1`;
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
