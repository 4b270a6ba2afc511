import { headerValue, type HttpResponse } from '@deploy-kit/shared/http';
import { evaluateJsonPath } from './jsonpath';
import { responseCookies } from './cookies';
import type { Capture } from './spec';

/** Extract one captured value from a response; a missing value is an error naming what was looked for. */
export function capture(name: string, spec: Capture, res: HttpResponse): string {
  if (spec.header !== undefined) {
    const value = headerValue(res.headers, spec.header);
    if (value === undefined) throw new Error(`capture '${name}': no ${spec.header} header in the response`);
    return value;
  }
  if (spec.cookie !== undefined) {
    const cookie = responseCookies(res).find((c) => c.name === spec.cookie);
    if (!cookie) throw new Error(`capture '${name}': the response set no cookie named ${spec.cookie}`);
    return cookie.value;
  }
  const text = res.body.toString('utf8');
  if (spec.json !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new Error(`capture '${name}': the body is not JSON`);
    }
    const found = evaluateJsonPath(parsed, spec.json);
    if (!found.found || found.value === null || found.value === undefined)
      throw new Error(`capture '${name}': nothing at ${spec.json}`);
    return typeof found.value === 'string' ? found.value : JSON.stringify(found.value);
  }
  const m = new RegExp(spec.regex as string).exec(text);
  const group = spec.group ?? (m && m.length > 1 ? 1 : 0);
  const value = m?.[group];
  if (value === undefined) throw new Error(`capture '${name}': /${spec.regex}/ did not match the body`);
  return value;
}
