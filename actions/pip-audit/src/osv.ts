import type { HttpClient } from '@deploy-kit/shared/http';
import { Semaphore } from '@deploy-kit/shared';
import { loadDeferred } from './deferred';

/**
 * Reads OSV records (`GET /v1/vulns/{id}`) for severity and fix versions, from
 * the same service pip-audit queried. pip-audit's `--osv-url` is the query
 * endpoint (https://api.osv.dev/v1/query); the record endpoint sits beside it.
 */

export const DEFAULT_OSV_QUERY_URL = 'https://api.osv.dev/v1/query';

/**
 * A URL's credentials (a private mirror's https://user:password@host/...) as a Basic auth header,
 * the way requests sends them for pip-audit; the URL without them. Every request to the mirror
 * carries them: the queries (through the relay) and the record reads alike.
 */
export function withBasicAuth(href: string): { url: string; headers: Record<string, string> } {
  const url = new URL(href);
  const headers: Record<string, string> = {};
  if (url.username || url.password) {
    const decode = (text: string): string => {
      try {
        return decodeURIComponent(text);
      } catch {
        return text;
      }
    };
    const user = decode(url.username);
    const pass = decode(url.password);
    headers.authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
    url.username = '';
    url.password = '';
  }
  return { url: url.href, headers };
}

export function vulnsBase(osvQueryUrl: string): string {
  const url = new URL(osvQueryUrl);
  url.pathname = url.pathname.replace(/\/query\/?$/, '').replace(/\/$/, '') + '/vulns/';
  url.search = '';
  return url.href;
}

/** ids OSV can answer: GHSA, PYSEC, CVE and the other prefixes OSV serves (anything id-shaped). */
export function lookupIds(id: string, aliases: readonly string[]): string[] {
  return [...new Set([id, ...aliases])].filter((x) => /^[A-Za-z]+-[A-Za-z0-9-]+$/.test(x));
}

export interface RecordLookup {
  records: Map<string, unknown>;
  /** One line per id that could not be read for a reason other than "no such record". */
  failures: string[];
}

/**
 * Reads records by id, each at most once, several at once. Records the OSV service already sent in
 * its query answers are seeded (the relay sees them while pip-audit runs), and the aliases they
 * name are prefetched then, so little or nothing is left to read once pip-audit has finished.
 */
export interface RecordReader {
  /** A record from a query answer: the same object `GET /v1/vulns/{id}` serves. */
  seed(record: { id: string }): void;
  /** Start reading these ids now (no wait). */
  prefetch(ids: readonly string[]): void;
  /** Every id's record (absent: no such record, or a failure, listed). */
  read(ids: readonly string[]): Promise<RecordLookup>;
  close(): Promise<void>;
}

type Outcome = { record?: unknown; failure?: string };

export function recordReader(
  osvQueryUrl: string,
  options: {
    timeoutMs: number;
    concurrency?: number;
    signal?: AbortSignal;
    /** Each record read from the service, as it arrives (to work on it before it is needed). */
    onRecord?: (record: object) => void;
  },
): RecordReader {
  const { url: queryUrl, headers: auth } = withBasicAuth(osvQueryUrl);
  const base = vulnsBase(queryUrl);
  // Made on the first read: the HTTP client's library loads once pip-audit is running (deferred.ts).
  let made: Promise<HttpClient> | undefined;
  const client = (): Promise<HttpClient> =>
    (made ??= loadDeferred().then(
      ({ HttpClient }) =>
        new HttpClient({
          connectTimeoutMs: options.timeoutMs,
          headersTimeoutMs: options.timeoutMs,
          bodyTimeoutMs: options.timeoutMs,
          maxBodyBytes: 2 << 20,
        }),
    ));
  const outcomes = new Map<string, Promise<Outcome>>();
  const slots = new Semaphore(options.concurrency ?? 8);
  const fetchOne = async (id: string): Promise<Outcome> => {
    const release = await slots.acquire();
    try {
      if (options.signal?.aborted) return { failure: `${id}: stopped` };
      const res = await (
        await client()
      ).request({
        url: base + encodeURIComponent(id),
        headers: { accept: 'application/json', ...auth },
        signal: options.signal
          ? AbortSignal.any([AbortSignal.timeout(options.timeoutMs), options.signal])
          : AbortSignal.timeout(options.timeoutMs),
      });
      // Aliases such as CVE ids are often not records of their own: 404 is an answer, not a failure.
      if (res.status === 404) return {};
      if (res.status !== 200) return { failure: `${id}: HTTP ${res.status}` };
      const json = JSON.parse(res.body.toString('utf8')) as { id?: unknown };
      if (typeof json?.id !== 'string') return { failure: `${id}: the answer is not an OSV record` };
      options.onRecord?.(json);
      return { record: json };
    } catch (error) {
      return { failure: `${id}: ${error instanceof Error ? error.message : String(error)}` };
    } finally {
      release();
    }
  };
  const start = (id: string): Promise<Outcome> => {
    let outcome = outcomes.get(id);
    if (!outcome) {
      outcome = fetchOne(id);
      outcomes.set(id, outcome);
    }
    return outcome;
  };
  return {
    seed: (record) => {
      if (!outcomes.has(record.id)) outcomes.set(record.id, Promise.resolve({ record }));
    },
    prefetch: (ids) => {
      for (const id of ids) void start(id);
    },
    read: async (ids) => {
      const unique = [...new Set(ids)];
      const got = await Promise.all(unique.map((id) => start(id)));
      const records = new Map<string, unknown>();
      const failures: string[] = [];
      got.forEach((o, n) => {
        if (o.record !== undefined) records.set(unique[n] as string, o.record);
        if (o.failure !== undefined) failures.push(o.failure);
      });
      return { records, failures };
    },
    close: async () => {
      if (made) await (await made).destroy();
    },
  };
}

export async function fetchRecords(
  osvQueryUrl: string,
  ids: readonly string[],
  options: { timeoutMs: number; concurrency?: number; signal?: AbortSignal },
): Promise<RecordLookup> {
  const reader = recordReader(osvQueryUrl, options);
  try {
    return await reader.read(ids);
  } finally {
    await reader.close();
  }
}
