import { compare, valid } from '@renovatebot/pep440';
import { loadDeferred } from './deferred';
import { withBasicAuth } from './osv';
import { normalizeName, type Requirement } from './requirements';

/**
 * Pins checked against the package index (PEP 503 / PEP 691 simple API): a pinned package the
 * index does not list, a version it has no file of, or `--hash` values that match none of that
 * version's files. pip-audit's pinned mode never asks the index, and the OSV service answers "no
 * vulnerabilities" for a package or version it has never heard of, so without this a typo'd
 * package, `idna==99.1` or a wrong hash passed clean. One request per package (JSON asked for,
 * HTML read too), several at once, through HTTP(S)_PROXY / NO_PROXY; the URL's credentials go
 * as Basic auth. An index that cannot be asked is reported as such, never as "all known".
 */

export const DEFAULT_INDEX_URL = 'https://pypi.org/simple/';

export interface PinToCheck extends Pick<Requirement, 'name' | 'written' | 'line' | 'file'> {
  version: string;
  /** `algorithm:hex` values from `--hash` options, lower-cased. */
  hashes: string[];
}

export interface UnknownPin {
  file?: string;
  line?: number;
  name: string;
  version: string;
  /** Why, one clause: "the index has no package acc-no-such-package". */
  reason: string;
}

export interface IndexCheck {
  unknown: UnknownPin[];
  /** Why the index could not be asked (the pins were then not checked), one line per package. */
  problems: string[];
}

interface IndexFile {
  filename: string;
  hashes: Record<string, string>;
}

/** `--hash=sha256:...` values of a requirement line, lower-cased. */
export function hashesOf(text: string): string[] {
  return [...text.matchAll(/--hash[=\s]+([A-Za-z0-9]+):([0-9A-Fa-f]+)/g)].map(
    (m) => `${(m[1] as string).toLowerCase()}:${(m[2] as string).toLowerCase()}`,
  );
}

/** The version in a distribution file name (wheel or sdist) of `name`, or undefined. */
export function versionOfFile(filename: string, name: string): string | undefined {
  if (filename.endsWith('.whl')) return filename.split('-')[1];
  const stem = /^(.*?)\.(tar\.gz|tar\.bz2|tgz|zip|tar|tar\.xz)$/i.exec(filename)?.[1];
  if (!stem) return undefined;
  // The sdist's name part is the project name in any spelling (python-dateutil, python_dateutil).
  for (let cut = stem.indexOf('-'); cut >= 0; cut = stem.indexOf('-', cut + 1))
    if (normalizeName(stem.slice(0, cut)) === normalizeName(name)) return stem.slice(cut + 1);
  return undefined;
}

/** The files of a project page, PEP 691 JSON or PEP 503 HTML (hashes from the URL fragment). */
export function parseProjectPage(body: string, contentType: string): IndexFile[] {
  if (/json/i.test(contentType)) {
    const json = JSON.parse(body) as { files?: { filename?: unknown; hashes?: unknown }[] };
    return (json.files ?? [])
      .filter((f) => typeof f.filename === 'string')
      .map((f) => ({
        filename: f.filename as string,
        hashes: (f.hashes && typeof f.hashes === 'object' ? f.hashes : {}) as Record<string, string>,
      }));
  }
  const files: IndexFile[] = [];
  for (const m of body.matchAll(/<a\s[^>]*href\s*=\s*["']([^"']+)["'][^>]*>([^<]*)<\/a>/gi)) {
    const href = m[1] as string;
    const fragment = /#([a-z0-9]+)=([0-9a-f]+)$/i.exec(href);
    const filename = decodeURIComponent(
      (m[2] as string).trim() || (href.split('#')[0]!.split('/').pop() ?? ''),
    );
    files.push({
      filename,
      hashes: fragment ? { [fragment[1]!.toLowerCase()]: fragment[2]!.toLowerCase() } : {},
    });
  }
  return files;
}

/** What the index says about one pin, given the project's files; undefined when it knows it. */
export function judgePin(pin: PinToCheck, files: readonly IndexFile[]): string | undefined {
  const same = (v: string | undefined): boolean =>
    v !== undefined &&
    (v === pin.version || (!!valid(v) && !!valid(pin.version) && compare(v, pin.version) === 0));
  const ofVersion = files.filter((f) => same(versionOfFile(f.filename, pin.name)));
  if (ofVersion.length === 0) {
    const versions = [...new Set(files.map((f) => versionOfFile(f.filename, pin.name)))]
      .filter((v): v is string => !!v && !!valid(v))
      .sort(compare);
    const latest = versions.at(-1);
    return `the index has no ${pin.version} of ${pin.written}${latest ? ` (its latest is ${latest})` : ''}`;
  }
  if (pin.hashes.length === 0) return undefined;
  const known = ofVersion.flatMap((f) =>
    Object.entries(f.hashes).map(([a, h]) => `${a.toLowerCase()}:${String(h).toLowerCase()}`),
  );
  // Files listed without hashes cannot be checked: nothing is said about them.
  if (known.length === 0) return undefined;
  if (pin.hashes.some((h) => known.includes(h))) return undefined;
  return `no file of ${pin.written} ${pin.version} on the index has the --hash given (${ofVersion.length} file(s) listed)`;
}

export async function checkPins(
  indexUrl: string,
  pins: readonly PinToCheck[],
  options: { timeoutMs: number; signal?: AbortSignal; concurrency?: number },
): Promise<IndexCheck> {
  const { url, headers } = withBasicAuth(indexUrl.endsWith('/') ? indexUrl : `${indexUrl}/`);
  const { EnvHttpProxyAgent, request } = (await loadDeferred()).undici;
  const agent = new EnvHttpProxyAgent({ connect: { timeout: options.timeoutMs } });
  const byName = new Map<string, PinToCheck[]>();
  for (const pin of pins) byName.set(pin.name, [...(byName.get(pin.name) ?? []), pin]);
  const out: IndexCheck = { unknown: [], problems: [] };
  const queue = [...byName.keys()];
  const worker = async (): Promise<void> => {
    for (let name = queue.shift(); name !== undefined && !options.signal?.aborted; name = queue.shift()) {
      const group = byName.get(name) as PinToCheck[];
      try {
        const res = await request(new URL(`${encodeURIComponent(name)}/`, url), {
          dispatcher: agent,
          headers: {
            accept: 'application/vnd.pypi.simple.v1+json, text/html;q=0.1',
            ...headers,
          },
          signal: AbortSignal.any([
            AbortSignal.timeout(options.timeoutMs),
            ...(options.signal ? [options.signal] : []),
          ]),
        });
        const body = await res.body.text();
        if (res.statusCode === 404) {
          for (const pin of group)
            out.unknown.push({ ...place(pin), reason: `the index has no package ${pin.written}` });
          continue;
        }
        if (res.statusCode !== 200) {
          out.problems.push(`${name}: the index answered HTTP ${res.statusCode}`);
          continue;
        }
        const files = parseProjectPage(body, String(res.headers['content-type'] ?? ''));
        for (const pin of group) {
          const reason = judgePin(pin, files);
          if (reason) out.unknown.push({ ...place(pin), reason });
        }
      } catch (error) {
        out.problems.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 8, queue.length) }, worker));
  } finally {
    await agent.destroy();
  }
  out.problems.sort();
  const order = (u: UnknownPin): string => `${u.file ?? ''}\u0000${String(u.line ?? 0).padStart(8, '0')}`;
  out.unknown.sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
  return out;
}

function place(pin: PinToCheck): Omit<UnknownPin, 'reason'> {
  return { file: pin.file, line: pin.line, name: pin.written, version: pin.version };
}

/** Every `==` pin of the trees (requirements, and -c pins of what they require), once per file and line. */
export function pinsOf(
  trees: readonly { requirements: Requirement[]; constraints: Requirement[] }[],
): PinToCheck[] {
  const seen = new Set<string>();
  const out: PinToCheck[] = [];
  for (const tree of trees) {
    const required = new Set(tree.requirements.map((r) => r.name));
    const pinned = [...tree.requirements, ...tree.constraints.filter((c) => required.has(c.name))];
    for (const r of pinned) {
      if (r.pinned === undefined || r.text.includes(' @ ')) continue;
      const at = `${r.file ?? ''}:${r.line}:${r.name}`;
      if (seen.has(at)) continue;
      seen.add(at);
      out.push({
        name: r.name,
        written: r.written,
        line: r.line,
        file: r.file,
        version: r.pinned,
        hashes: hashesOf(r.text),
      });
    }
  }
  return out;
}
