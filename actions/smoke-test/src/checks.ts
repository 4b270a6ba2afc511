import { InputError } from '@deploy-kit/shared';
import { type HttpClient, type HttpResponse } from '@deploy-kit/shared/http';
import { assertion, evaluateExpect, type Assertion } from './assertions';
import { capture } from './captures';
import { CookieJar } from './cookies';
import type { CheckDef } from './runner';
import type { CheckSpec, JourneySpec, RequestSpec } from './spec';
import { fill } from './template';

/** Turns spec checks and journeys into runnable checks. */

export interface RequestDefaults {
  /** Base for relative URLs (the `url` input). */
  baseUrl?: string;
  /** Per-request time limit; the overall deadline still applies. */
  requestTimeoutMs: number;
  /** Called with each captured value flagged secret, before anything could print it. */
  onSecret?: (value: string) => void;
}

export function resolveRequestUrl(
  url: string | undefined,
  baseUrl: string | undefined,
  where: string,
): string {
  const target = url ?? '';
  try {
    return new URL(target, baseUrl).href;
  } catch {
    throw new InputError(
      baseUrl
        ? `${where}: '${target}' is not a valid URL.`
        : `${where}: '${target || '(empty)'}' is not an absolute URL; give an absolute URL or set the 'url' input as the base.`,
    );
  }
}

interface BuiltRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
}

/** Method, headers and body of a request spec, placeholders filled. */
export function buildRequest(
  req: RequestSpec,
  url: string,
  vars: Readonly<Record<string, string>> = {},
): BuiltRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers ?? {}))
    headers[name.toLowerCase()] = fill(value, vars);
  let body: string | undefined;
  if (req.json !== undefined) {
    body = fill(JSON.stringify(req.json), vars);
    headers['content-type'] ??= 'application/json';
  } else if (req.form !== undefined) {
    const form = new URLSearchParams();
    for (const [name, value] of Object.entries(req.form)) form.append(name, fill(value, vars));
    body = form.toString();
    headers['content-type'] ??= 'application/x-www-form-urlencoded';
  } else if (req.body !== undefined) {
    body = fill(req.body, vars);
  }
  const method = req.method ?? (body !== undefined ? 'POST' : 'GET');
  return { url: fill(url, vars), method, headers, body };
}

export async function send(
  client: HttpClient,
  req: BuiltRequest,
  signal: AbortSignal,
  timeoutMs: number,
): Promise<HttpResponse> {
  return client.request({ ...req, signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) });
}

export function specCheck(spec: CheckSpec, defaults: RequestDefaults): CheckDef {
  const url = resolveRequestUrl(spec.url, defaults.baseUrl, `check '${spec.name}'`);
  return {
    name: spec.name,
    group: 'check',
    async attempt({ client, signal }) {
      const res = await send(client, buildRequest(spec, url), signal, defaults.requestTimeoutMs);
      return evaluateExpect(spec.expect, res);
    },
  };
}

/**
 * A journey: its steps in order with one cookie jar, captures feeding later
 * steps. Each attempt starts over with an empty jar, as a new visitor would.
 * Assertions are prefixed with the step name; the attempt stops at the first
 * failing step.
 */
export function journeyCheck(spec: JourneySpec, defaults: RequestDefaults): CheckDef {
  const urls = spec.steps.map((step) =>
    resolveRequestUrl(step.url, defaults.baseUrl, `journey '${spec.name}' step '${step.name}'`),
  );
  return {
    name: spec.name,
    group: 'journey',
    async attempt({ client, signal }) {
      const jar = new CookieJar();
      const vars: Record<string, string> = {};
      const all: Assertion[] = [];
      for (const [i, step] of spec.steps.entries()) {
        const prefix = `${step.name}: `;
        const built = buildRequest(step, urls[i] as string, vars);
        const cookie = jar.header(built.url);
        if (cookie && built.headers.cookie === undefined) built.headers.cookie = cookie;
        let res: HttpResponse;
        try {
          res = await send(client, built, signal, defaults.requestTimeoutMs);
        } catch (error) {
          all.push(assertion(`${prefix}request`, false, 'an HTTP answer', (error as Error).message));
          return all;
        }
        jar.store(res, built.url);
        const results = evaluateExpect(step.expect, res).map((a) => ({ ...a, name: prefix + a.name }));
        all.push(...results);
        if (results.some((a) => !a.passed)) return all;
        for (const [name, how] of Object.entries(step.capture ?? {})) {
          try {
            // Cookies come from the jar (already updated with this response), so a
            // cookie set by an earlier step, e.g. Django's rotated CSRF token, is found too.
            const value = how.cookie !== undefined ? fromJar(jar, name, how.cookie) : capture(name, how, res);
            if (how.secret !== false) defaults.onSecret?.(value);
            vars[name] = value;
            all.push(
              assertion(
                `${prefix}capture ${name}`,
                true,
                'a value',
                how.secret === false ? value : '(captured)',
              ),
            );
          } catch (error) {
            all.push(assertion(`${prefix}capture ${name}`, false, 'a value', (error as Error).message));
            return all;
          }
        }
      }
      return all;
    },
  };
}

function fromJar(jar: CookieJar, captureName: string, cookie: string): string {
  const value = jar.get(cookie);
  if (value === undefined)
    throw new Error(`capture '${captureName}': no cookie named ${cookie} has been set in this journey`);
  return value;
}
