import { InputError } from '@deploy-kit/shared';
import { headerValue, type HttpResponse } from '@deploy-kit/shared/http';
import { assertion, snippet, statusAssertion, type Assertion } from '../assertions';
import { send } from '../checks';
import { evaluateJsonPath } from '../jsonpath';
import type { CheckDef } from '../runner';
import { statusMatcher } from '../status';
import type { SuiteConfig } from './config';

/**
 * True when `seen` is the expected release: equal, or (for git SHAs) one
 * abbreviation of the other with at least 7 hex digits. Anything else, an
 * old instance still answering included, does not pass.
 */
export function versionMatches(expected: string, seen: string): boolean {
  const e = expected.trim();
  const s = seen.trim();
  if (e === s) return true;
  const sha = /^[0-9a-f]{7,40}$/i;
  if (sha.test(e) && sha.test(s))
    return e.toLowerCase().startsWith(s.toLowerCase()) || s.toLowerCase().startsWith(e.toLowerCase());
  return false;
}

/** What one answer said: its status, and the version in each place the suite reads. */
export interface VersionAnswer {
  status: number;
  /** Field label (`version in X-App-Version`, `version at $.version`) → the value seen there. */
  fields: { label: string; seen: string; ok: boolean }[];
}

/**
 * Every answer of one attempt judged together. One stale backend behind a
 * load balancer answers only some requests: the release counts as rolled out
 * only when every one of `wanted` consecutive answers carries it, and the
 * report says how many old answers it saw and which versions they carried.
 */
export function evaluateVersionAnswers(
  expected: string,
  wanted: number,
  answers: readonly VersionAnswer[],
): Assertion[] {
  const ok = statusMatcher('200-299');
  const badStatus = answers.find((a) => !ok.test(a.status));
  const status = statusAssertion('status', ok, (badStatus ?? answers[answers.length - 1])?.status ?? 0);
  if (badStatus) return [status];
  const current = answers.filter((a) => a.fields.every((f) => f.ok)).length;
  const old = new Map<string, number>();
  for (const a of answers) {
    const wrong = a.fields.find((f) => !f.ok);
    if (wrong) old.set(wrong.seen, (old.get(wrong.seen) ?? 0) + 1);
  }
  const oldText = [...old].map(([version, n]) => `${snippet(version, 40)} ×${n}`).join(', ');
  const results = [
    status,
    // A version not yet rolled out everywhere is what a retry is for.
    assertion(
      'version answers',
      current === wanted,
      `${expected} on ${wanted} of ${wanted} answers`,
      `${current} of ${answers.length} answers${oldText ? `; old: ${oldText}` : ''}`,
      { transient: true },
    ),
  ];
  // Per place: the first stale value seen there, or the agreed value.
  const labels = answers[0]?.fields.map((f) => f.label) ?? [];
  for (const label of labels) {
    const values = answers.map((a) => a.fields.find((f) => f.label === label));
    const stale = values.find((f) => f && !f.ok);
    results.push(
      assertion(label, stale === undefined, expected, snippet((stale ?? values[0])?.seen ?? '(absent)', 60), {
        transient: true,
      }),
    );
  }
  return results;
}

/** One answer's version fields. */
export function readVersionAnswer(
  v: SuiteConfig['version'],
  expected: string,
  res: { status: number; headers: HttpResponse['headers']; body: Buffer },
): VersionAnswer {
  const fields: VersionAnswer['fields'] = [];
  if (v.header) {
    const seen = headerValue(res.headers, v.header);
    fields.push({
      label: `version in ${v.header}`,
      seen: seen ?? '(absent)',
      ok: seen !== undefined && versionMatches(expected, seen),
    });
  }
  if (v.jsonPath) {
    let seen: string;
    let ok = false;
    try {
      const found = evaluateJsonPath(JSON.parse(res.body.toString('utf8')), v.jsonPath);
      seen = found.found ? String(found.value) : '(missing)';
      ok = found.found && versionMatches(expected, String(found.value));
    } catch {
      seen = `(body is not JSON: ${snippet(res.body.toString('utf8'), 40)})`;
    }
    fields.push({ label: `version at ${v.jsonPath}`, seen, ok });
  }
  return { status: res.status, fields };
}

export function versionChecks(config: SuiteConfig): CheckDef[] {
  const v = config.version;
  if (!v.expected)
    throw new InputError(
      "suite 'version' needs 'expect-version' (the version or commit SHA being deployed).",
    );
  if (!v.header && !v.jsonPath)
    throw new InputError(
      "suite 'version' needs 'version-header' or 'version-json-path' to say where the version appears.",
    );
  const expected = v.expected;
  const wanted = v.answers;
  const url = new URL(v.url ?? '', config.baseUrl).href;
  return [
    {
      name: 'version: deployed release answers',
      group: 'version',
      async attempt({ client, signal }) {
        const answers: VersionAnswer[] = [];
        for (let i = 0; i < wanted; i++) {
          // A new connection for every answer: a load balancer that balances connections
          // (IPVS, a TCP proxy) would otherwise send every request to the same backend.
          const res = await send(
            client,
            { url, method: 'GET', headers: { 'cache-control': 'no-cache' }, reset: true },
            signal,
            config.requestTimeoutMs,
          );
          answers.push(readVersionAnswer(v, expected, res));
          if (!statusMatcher('200-299').test(res.status)) break;
        }
        return evaluateVersionAnswers(expected, wanted, answers);
      },
    },
  ];
}
