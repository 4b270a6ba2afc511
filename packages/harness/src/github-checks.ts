import {
  ajvErrors,
  deref,
  githubDescription,
  validatorFor,
  type OpenApiParameter,
  type Operation,
} from './github-openapi';
import type { StandInResponse } from './github-standin-types';

/**
 * Requests and responses held to GitHub's REST description: the operation a method and path
 * name, its path and query parameters, its JSON body, and the status and body of the answer.
 * Each check returns the one problem it found (a sentence) or nothing.
 */

/** The operation for this method (lower case) and path, or why there is none. */
export function findOperation(method: string, pathname: string): Operation | string {
  const pathMatches = githubDescription().operations.filter((o) => o.regex.test(pathname));
  const operation = pathMatches.find((o) => o.method === method);
  if (operation) return operation;
  return pathMatches.length > 0
    ? `the description has no ${method.toUpperCase()} for this path`
    : 'the path is not in the description';
}

export type CheckedRequest = { params: Record<string, string>; body: unknown } | { problem: string };

/** The request's path parameters, query and body checked against the operation, in that order. */
export function checkRequest(operation: Operation, url: URL, raw: string): CheckedRequest {
  const d = githubDescription();
  const m = operation.regex.exec(url.pathname) as RegExpExecArray;
  const params: Record<string, string> = {};
  operation.names.forEach((name, i) => (params[name] = decodeURIComponent(m[i + 1] as string)));
  const declared = (operation.op.parameters ?? []).map((p) => deref<OpenApiParameter>(d, p));
  for (const p of declared.filter((p) => p.in === 'path')) {
    const problem = checkParam(p, params[p.name]);
    if (problem) return { problem };
  }
  const queryProblem = checkQuery(
    declared.filter((p) => p.in === 'query'),
    url.searchParams,
  );
  if (queryProblem) return { problem: queryProblem };
  const body = readBody(operation, raw);
  return 'problem' in body ? body : { params, body: body.value };
}

function checkQuery(queryParams: OpenApiParameter[], query: URLSearchParams): string | undefined {
  for (const key of new Set(query.keys())) {
    const p = queryParams.find((q) => q.name === key);
    if (!p) return `query parameter '${key}' is not in the description`;
    const problem = checkParam(p, query.get(key) ?? undefined);
    if (problem) return problem;
  }
  for (const p of queryParams)
    if (p.required && !query.has(p.name)) return `query parameter '${p.name}' is required`;
  return undefined;
}

/** The JSON body, if the operation takes one and it matches the operation's schema. */
function readBody(operation: Operation, raw: string): { value: unknown } | { problem: string } {
  const d = githubDescription();
  const rb = operation.op.requestBody
    ? deref<{ required?: boolean; content?: Record<string, unknown> }>(d, operation.op.requestBody)
    : undefined;
  if (raw.trim() === '')
    return rb?.required ? { problem: 'the operation requires a JSON body' } : { value: undefined };
  if (!rb?.content?.['application/json']) return { problem: 'the operation takes no JSON body' };
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { problem: 'the body is not JSON' };
  }
  const v = validatorFor(d, [
    'paths',
    operation.template,
    operation.method,
    'requestBody',
    'content',
    'application/json',
    'schema',
  ]);
  return v(value) ? { value } : { problem: `the body does not match the description: ${ajvErrors(v)}` };
}

function checkParam(p: OpenApiParameter, value: string | undefined): string | undefined {
  if (value === undefined) return p.required ? `parameter '${p.name}' is required` : undefined;
  const s = p.schema ?? {};
  if (s.type === 'integer' && !/^-?\d+$/.test(value))
    return `parameter '${p.name}' must be an integer, got '${value}'`;
  if (s.type === 'integer' && s.minimum !== undefined && Number(value) < s.minimum)
    return `parameter '${p.name}' must be at least ${s.minimum}`;
  if (s.type === 'integer' && s.maximum !== undefined && Number(value) > s.maximum)
    return `parameter '${p.name}' must be at most ${s.maximum}`;
  if (s.type === 'boolean' && value !== 'true' && value !== 'false')
    return `parameter '${p.name}' must be true or false`;
  if (s.enum && !s.enum.includes(value)) return `parameter '${p.name}' must be one of ${s.enum.join(', ')}`;
  return undefined;
}

/** The response's status and body checked against what the operation lists. */
export function checkResponse(operation: Operation, response: StandInResponse): string | undefined {
  const d = githubDescription();
  const status = String(response.status);
  const responses = operation.op.responses;
  const key = status in responses ? status : 'default' in responses ? 'default' : undefined;
  if (!key)
    return `status ${status} is not a response the description lists (${Object.keys(responses).join(', ')})`;
  const described = deref<{ content?: Record<string, unknown> }>(d, responses[key] as object);
  const json = described.content?.['application/json'];
  if (!json) return response.body === undefined ? undefined : 'the description gives this response no body';
  const responseRef = responses[key] as { $ref?: string };
  const segments = responseRef.$ref
    ? [...responseRef.$ref.replace(/^#\//, '').split('/'), 'content', 'application/json', 'schema']
    : [
        'paths',
        operation.template,
        operation.method,
        'responses',
        key,
        'content',
        'application/json',
        'schema',
      ];
  const v = validatorFor(d, segments);
  return v(response.body) ? undefined : `the body does not match the description: ${ajvErrors(v)}`;
}
