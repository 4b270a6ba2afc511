import { HttpClient } from '@deploy-kit/shared/http';

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

export async function fetchRecords(
  osvQueryUrl: string,
  ids: readonly string[],
  options: { timeoutMs: number; concurrency?: number; signal?: AbortSignal },
): Promise<RecordLookup> {
  const { url: queryUrl, headers: auth } = withBasicAuth(osvQueryUrl);
  const base = vulnsBase(queryUrl);
  const client = new HttpClient({
    connectTimeoutMs: options.timeoutMs,
    headersTimeoutMs: options.timeoutMs,
    bodyTimeoutMs: options.timeoutMs,
    maxBodyBytes: 2 << 20,
  });
  const records = new Map<string, unknown>();
  const failures: string[] = [];
  const queue = [...new Set(ids)];
  const worker = async (): Promise<void> => {
    for (let id = queue.shift(); id !== undefined && !options.signal?.aborted; id = queue.shift()) {
      try {
        const res = await client.request({
          url: base + encodeURIComponent(id),
          headers: { accept: 'application/json', ...auth },
          signal: options.signal
            ? AbortSignal.any([AbortSignal.timeout(options.timeoutMs), options.signal])
            : AbortSignal.timeout(options.timeoutMs),
        });
        // Aliases such as CVE ids are often not records of their own: 404 is an answer, not a failure.
        if (res.status === 404) continue;
        if (res.status !== 200) {
          failures.push(`${id}: HTTP ${res.status}`);
          continue;
        }
        const json = JSON.parse(res.body.toString('utf8')) as { id?: unknown };
        if (typeof json?.id === 'string') records.set(id, json);
        else failures.push(`${id}: the answer is not an OSV record`);
      } catch (error) {
        failures.push(`${id}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 8, queue.length) }, worker));
  } finally {
    await client.destroy();
  }
  return { records, failures };
}
