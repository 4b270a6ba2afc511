import { InputError } from '@deploy-kit/shared';
import { headerValue } from '@deploy-kit/shared/http';
import { assertion, evaluateExpect, snippet, type Assertion } from '../assertions';
import { send } from '../checks';
import { evaluateJsonPath } from '../jsonpath';
import type { CheckDef } from '../runner';
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
  const url = new URL(v.url ?? '', config.baseUrl).href;
  return [
    {
      name: 'version: deployed release answers',
      group: 'version',
      async attempt({ client, signal }) {
        const res = await send(client, { url, method: 'GET', headers: {} }, signal, config.requestTimeoutMs);
        const results: Assertion[] = evaluateExpect({ status: '200-299' }, res);
        if (v.header) {
          const seen = headerValue(res.headers, v.header);
          results.push(
            assertion(
              `version in ${v.header}`,
              seen !== undefined && versionMatches(expected, seen),
              expected,
              seen ?? '(absent)',
            ),
          );
        }
        if (v.jsonPath) {
          let seen = '(body is not JSON)';
          let ok = false;
          try {
            const found = evaluateJsonPath(JSON.parse(res.body.toString('utf8')), v.jsonPath);
            seen = found.found ? String(found.value) : '(missing)';
            ok = found.found && versionMatches(expected, String(found.value));
          } catch {
            seen = `(body is not JSON: ${snippet(res.body.toString('utf8'), 40)})`;
          }
          results.push(assertion(`version at ${v.jsonPath}`, ok, expected, seen));
        }
        return results;
      },
    },
  ];
}
