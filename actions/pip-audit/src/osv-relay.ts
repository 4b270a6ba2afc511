import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Dispatcher } from 'undici';
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

export async function startOsvRelay(
  queryUrl: string,
  options: {
    timeoutMs: number;
    /** Every record of every valid answer, as it passes (the action reads their aliases meanwhile). */
    onRecords?: (records: { id: string; aliases?: unknown }[]) => void;
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
  const relay = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const query = await readBody(req);
    const what = asked(query);
    let status: number;
    let body: string;
    try {
      const { undici } = await loadDeferred();
      const answer = await undici.request(upstream.url, {
        dispatcher: await agent(),
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', ...upstream.headers },
        body: query,
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      status = answer.statusCode;
      body = await answer.body.text();
    } catch (error) {
      const reason =
        error instanceof Error
          ? /timeout/i.test(`${error.name} ${(error as { code?: string }).code ?? ''}`)
            ? `no answer within ${options.timeoutMs / 1000} s`
            : error.message
          : String(error);
      problems.push(`${what}: the OSV service could not be asked (${reason})`);
      res.writeHead(502).end();
      return;
    }
    const invalid = status === 200 ? notAnOsvAnswer(body) : `the OSV service answered HTTP ${status}`;
    if (invalid) problems.push(`${what}: ${invalid}`);
    res.writeHead(invalid && status === 200 ? 502 : status, { 'content-type': 'application/json' }).end(body);
    // pip-audit has its answer first; what the action does with the records comes after.
    if (!invalid && status === 200 && options.onRecords) {
      const vulns = (JSON.parse(body) as { vulns?: { id: string; aliases?: unknown }[] }).vulns;
      if (vulns && vulns.length > 0) options.onRecords(vulns);
    }
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
    takeProblems: () => {
      const out = problems;
      problems = [];
      return out;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      // In-flight upstream requests are dropped, not awaited (a cancelled or timed-out run ends now).
      if (made) await (await made).destroy();
    },
  };
}
