import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Dispatcher } from 'undici';
import { Semaphore } from '@deploy-kit/shared';
import { loadDeferred } from './deferred';
import { withBasicAuth } from './osv';

/**
 * A relay on loopback between pip-audit and the OSV service, so the action sees every answer
 * pip-audit gets. pip-audit reads any empty-looking body (`null`, `[]`, `""`, `0`) as "no
 * vulnerabilities"; here only a JSON object whose `vulns` (when present) is a list of records
 * with an id is an OSV answer. Anything else, a failed request or an HTTP error is recorded as a
 * problem (the run is then "Could not run", never clean), and pip-audit gets a 502 for an
 * answer it would have misread. The upstream request honours HTTP(S)_PROXY / NO_PROXY as
 * pip-audit's own would, and carries the URL's credentials as Basic auth, as requests does.
 */

export interface OsvRelay {
  /** The query URL to give pip-audit. */
  url: string;
  /** Ask these queries now, before pip-audit does; its own ask then gets the same answer. */
  askAhead(queries: readonly ExpectedQuery[]): void;
  /** Problems since the last call, one line each; the list is emptied. */
  takeProblems(): string[];
  close(): Promise<void>;
}

/** Why an HTTP 200 body is not an OSV query answer, or undefined when it is one. */
export function notAnOsvAnswer(body: string): string | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return `the answer is not JSON (${describe(body)})`;
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json))
    return `the answer is not an OSV answer (${describe(body)})`;
  const vulns = (json as { vulns?: unknown }).vulns;
  if (vulns === undefined) return undefined;
  if (!Array.isArray(vulns) || !vulns.every((v) => v && typeof v === 'object' && typeof v.id === 'string'))
    return `the answer's vulns is not a list of OSV records (${describe(body)})`;
  return undefined;
}

function describe(body: string): string {
  const flat = body.replace(/\s+/g, ' ').trim();
  if (flat === '') return 'an empty body';
  return flat.length > 60 ? `${flat.slice(0, 60)}…` : flat;
}

/** What a query asked for, for messages: "django 3.2.10". */
function asked(body: string): string {
  try {
    const q = JSON.parse(body) as { package?: { name?: unknown }; version?: unknown };
    return `${String(q.package?.name ?? '?')} ${String(q.version ?? '?')}`;
  } catch {
    return 'a query';
  }
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** A pin pip-audit is known to ask about: a pinned file's `name==version`, audited as written. */
export interface ExpectedQuery {
  name: string;
  version: string;
}

/**
 * The body pip-audit's OSV service sends for one package (its name canonicalised, PEP 503, as
 * normalizeName does), and the key the relay files it under. A query with anything else in it (a
 * page token, another ecosystem) has no key: it is always sent on as asked.
 */
export function osvQueryBody(query: ExpectedQuery): string {
  return JSON.stringify({ package: { name: query.name, ecosystem: 'PyPI' }, version: query.version });
}

export function osvQueryKey(body: string): string | undefined {
  try {
    const q = JSON.parse(body) as { package?: { name?: unknown; ecosystem?: unknown }; version?: unknown };
    const keys = Object.keys(q ?? {})
      .sort()
      .join();
    const pkg = Object.keys(q.package ?? {})
      .sort()
      .join();
    if (keys !== 'package,version' || pkg !== 'ecosystem,name' || q.package?.ecosystem !== 'PyPI')
      return undefined;
    if (typeof q.package.name !== 'string' || typeof q.version !== 'string') return undefined;
    return `${q.package.name}\u0000${q.version}`;
  } catch {
    return undefined;
  }
}

/** What the service said to one query: its status and body, or why it could not be asked. */
interface Answer {
  status?: number;
  body?: string;
  /** Why the service could not be asked (no status then). */
  unreachable?: string;
  /** Why a 200 body is not an OSV answer, or the HTTP status that is not 200. */
  invalid?: string;
  /** Its records were handed to onRecords (once per answer). */
  taken?: boolean;
  /** No answer within the request timeout. */
  timedOut?: boolean;
  /** Asked ahead, before pip-audit asked it. */
  early?: boolean;
}

export async function startOsvRelay(
  queryUrl: string,
  options: {
    timeoutMs: number;
    /** Every record of every valid answer, as it passes (the action reads their aliases meanwhile). */
    onRecords?: (records: { id: string; aliases?: unknown }[]) => void;
    /** Queries asked ahead at most this many at a time (default 8). */
    concurrency?: number;
  },
): Promise<OsvRelay> {
  const upstream = withBasicAuth(queryUrl);
  // Made on the first query (undici loads once pip-audit is running: deferred.ts).
  let made: Promise<Dispatcher> | undefined;
  const agent = (): Promise<Dispatcher> =>
    (made ??= loadDeferred().then(
      ({ undici }) =>
        new undici.EnvHttpProxyAgent({
          connect: { timeout: options.timeoutMs },
          headersTimeout: options.timeoutMs,
          bodyTimeout: options.timeoutMs,
        }),
    ));
  let problems: string[] = [];
  let closed = false;
  /** One request to the service; never rejects. */
  const ask = async (query: string): Promise<Answer> => {
    if (closed) return { unreachable: 'the audit had ended' };
    try {
      const { undici } = await loadDeferred();
      const answer = await undici.request(upstream.url, {
        dispatcher: await agent(),
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', ...upstream.headers },
        body: query,
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      const body = await answer.body.text();
      const status = answer.statusCode;
      return {
        status,
        body,
        invalid: status === 200 ? notAnOsvAnswer(body) : `the OSV service answered HTTP ${status}`,
      };
    } catch (error) {
      // undici's errors and the AbortSignal's DOMException alike (not always an Error instance).
      const e = (error ?? {}) as { name?: unknown; code?: unknown; message?: unknown };
      const timedOut = /timeout/i.test(`${String(e.name ?? '')} ${String(e.code ?? '')}`);
      return {
        timedOut,
        unreachable: timedOut
          ? `no answer within ${options.timeoutMs / 1000} s`
          : typeof e.message === 'string'
            ? e.message
            : String(error),
      };
    }
  };
  const takeRecords = (answer: Answer): void => {
    if (answer.taken || answer.invalid !== undefined || answer.status !== 200 || !options.onRecords) return;
    answer.taken = true;
    const vulns = (JSON.parse(answer.body ?? '{}') as { vulns?: { id: string; aliases?: unknown }[] }).vulns;
    if (vulns && vulns.length > 0) options.onRecords(vulns);
  };
  /**
   * Queries asked before pip-audit asks them (#18 B6). pip-audit asks one package at a time, each
   * after the last answer; for a file audited as written the relay knows every query it will
   * send, so it asks them all at once (a few at a time) while pip-audit's Python starts, and
   * pip-audit gets that answer, judged as if it had just been asked. An answer asked ahead that is
   * not a valid one (and did not time out) is asked again when pip-audit asks, and that second
   * answer is what pip-audit gets and what is judged: asking ahead never turns a refused burst
   * into a failed audit. A query not asked ahead is sent on when pip-audit asks it.
   */
  const early = new Map<string, { asked: boolean; answer: Promise<Answer> | undefined }>();
  const slots = new Semaphore(options.concurrency ?? 8);
  const askEarly = async (key: string, body: string): Promise<void> => {
    const release = await slots.acquire();
    try {
      const entry = early.get(key);
      // pip-audit asked it while it waited for a slot: it was sent on then.
      if (!entry || entry.asked) return;
      entry.asked = true;
      entry.answer = ask(body).then((answer) => ({ ...answer, early: true }));
      takeRecords(await entry.answer);
    } finally {
      release();
    }
  };
  /** The answer asked ahead for this query, if it was sent; a query still waiting is sent now instead. */
  const askedAhead = (key: string | undefined): Promise<Answer> | undefined => {
    const entry = key === undefined ? undefined : early.get(key);
    if (!entry) return undefined;
    entry.asked = true;
    return entry.answer;
  };
  const relay = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const query = await readBody(req);
    const what = asked(query);
    const key = osvQueryKey(query);
    let answer = await (askedAhead(key) ?? ask(query));
    // An error asked ahead (a burst a mirror refused, a hiccup) is asked again now, as pip-audit
    // would have asked it; only a timeout is not (it already waited the whole time).
    if (
      answer.early &&
      (answer.invalid !== undefined || (answer.unreachable !== undefined && !answer.timedOut))
    )
      answer = await ask(query);
    if (answer.unreachable !== undefined) {
      problems.push(`${what}: the OSV service could not be asked (${answer.unreachable})`);
      res.writeHead(502).end();
      return;
    }
    const { status = 502, invalid } = answer;
    if (invalid) problems.push(`${what}: ${invalid}`);
    res
      .writeHead(invalid && status === 200 ? 502 : status, { 'content-type': 'application/json' })
      .end(answer.body);
    // pip-audit has its answer first; what the action does with the records comes after.
    takeRecords(answer);
  };
  const server = http.createServer((req, res) => {
    relay(req, res).catch((error: unknown) => {
      problems.push(`a query: ${error instanceof Error ? error.message : String(error)}`);
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/query`,
    askAhead: (queries) => {
      for (const query of queries) {
        const body = osvQueryBody(query);
        const key = osvQueryKey(body) as string;
        if (early.has(key)) continue;
        early.set(key, { asked: false, answer: undefined });
        void askEarly(key, body);
      }
    },
    takeProblems: () => {
      const out = problems;
      problems = [];
      return out;
    },
    close: async () => {
      closed = true;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      // In-flight upstream requests are dropped, not awaited (a cancelled or timed-out run ends now).
      if (made) await (await made).destroy();
    },
  };
}
