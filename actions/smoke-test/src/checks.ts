import { InputError } from '@deploy-kit/shared';
import { type HttpClient, type HttpResponse } from '@deploy-kit/shared/http';
import { assertion, evaluateExpect, type Assertion } from './assertions';
import { capture } from './captures';
import { CookieJar } from './cookies';
import { errorAssertion, type CheckDef } from './runner';
import type { CheckSpec, CsrfSpec, JourneySpec, RequestSpec } from './spec';
import { fill } from './template';

/** Turns spec checks and journeys into runnable checks. */

export interface RequestDefaults {
  /** Base for relative URLs (the `url` input). */
  baseUrl?: string;
  /** Per-request time limit; the overall deadline still applies. */
  requestTimeoutMs: number;
  /** `{{ secrets.NAME }}` values, keyed `secrets.NAME` (see secretVars). */
  secretVars?: Readonly<Record<string, string>>;
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
  /** Close the connection after this request (the next one opens a new connection). */
  reset?: boolean;
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
      const res = await send(
        client,
        buildRequest(spec, url, defaults.secretVars),
        signal,
        defaults.requestTimeoutMs,
      );
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
      const vars: Record<string, string> = { ...defaults.secretVars };
      const all: Assertion[] = [];
      for (const [i, step] of spec.steps.entries()) {
        const prefix = `${step.name}: `;
        const built = buildRequest(step, urls[i] as string, vars);
        const cookie = jar.header(built.url);
        if (cookie && built.headers.cookie === undefined) built.headers.cookie = cookie;
        const csrfProblem = spec.csrf && addCsrf(spec.csrf, jar, built, defaults.onSecret);
        if (csrfProblem) {
          all.push(assertion(`${prefix}csrf`, false, `cookie ${spec.csrf?.cookie}`, csrfProblem));
          return all;
        }
        let res: HttpResponse;
        try {
          res = await send(client, built, signal, defaults.requestTimeoutMs);
        } catch (error) {
          all.push({ ...errorAssertion(error), name: `${prefix}request` });
          return all;
        }
        jar.store(res, built.url);
        // Captures are read (and secret ones masked) before this response is judged:
        // a token the response echoes must already be masked when its snippet is shown.
        const captured = Object.entries(step.capture ?? {}).map(([name, how]) => {
          try {
            const value = how.cookie !== undefined ? fromJar(jar, name, how.cookie) : capture(name, how, res);
            if (how.secret !== false) defaults.onSecret?.(value);
            return { name, how, value };
          } catch (error) {
            return { name, how, error: (error as Error).message };
          }
        });
        const results = evaluateExpect(step.expect, res).map((a) => ({ ...a, name: prefix + a.name }));
        all.push(...results);
        if (results.some((a) => !a.passed)) return all;
        for (const c of captured) {
          if (c.error !== undefined) {
            all.push(assertion(`${prefix}capture ${c.name}`, false, 'a value', c.error));
            return all;
          }
          vars[c.name] = c.value as string;
          all.push(
            assertion(
              `${prefix}capture ${c.name}`,
              true,
              'a value',
              c.how.secret === false ? (c.value as string) : '(captured)',
            ),
          );
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

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * A journey's `csrf`: on a state-changing request, the CSRF cookie an earlier
 * step set goes back in the header (Django's double submit), and a same-origin
 * Referer is added when the step gives none (Django refuses an HTTPS POST
 * without one). Returns why it could not, or undefined.
 */
export function addCsrf(
  csrf: CsrfSpec,
  jar: CookieJar,
  req: BuiltRequest,
  onSecret?: (value: string) => void,
): string | undefined {
  if (!UNSAFE_METHODS.has(req.method)) return undefined;
  const header = csrf.header.toLowerCase();
  if (req.headers[header] === undefined) {
    const value = jar.get(csrf.cookie);
    if (value === undefined)
      return `no cookie named ${csrf.cookie} was set by an earlier step (GET the form page first)`;
    onSecret?.(value);
    req.headers[header] = value;
  }
  req.headers.referer ??= `${new URL(req.url).origin}/`;
  return undefined;
}
