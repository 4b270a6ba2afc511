import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { REPO_ROOT } from './run-action';

/**
 * A local stand-in for GitHub's REST API that holds itself to GitHub's published description
 * (@octokit/openapi, generated/api.github.com.json, validated with Ajv 8 + ajv-formats): every
 * request's method, path, parameters and body, and every response's status and body, must be
 * what the description allows. Anything else is refused (the request with 400) and recorded in
 * `violations`, which tests assert empty. Routes are registered by the tests or by the built-in
 * stores (releases); an operation the description has but no route serves answers 404 — a status
 * the description must list for it, or that too is a violation.
 *
 * Reusable: the one-step deploy's tests can register deployments/statuses routes the same way.
 */

export const OPENAPI_FILE = path.join(
  REPO_ROOT,
  'node_modules',
  '@octokit',
  'openapi',
  'generated',
  'api.github.com.json',
);

interface Operation {
  method: string;
  template: string;
  regex: RegExp;
  names: string[];
  literalSegments: number;
  op: OpenApiOperation;
}

interface OpenApiParameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: { type?: string; enum?: unknown[]; minimum?: number; maximum?: number };
}

interface OpenApiOperation {
  operationId?: string;
  parameters?: ({ $ref: string } | OpenApiParameter)[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: unknown }> } | { $ref: string };
  responses: Record<string, { $ref?: string; content?: Record<string, { schema?: unknown }> }>;
}

interface Description {
  doc: {
    paths: Record<string, Record<string, OpenApiOperation>>;
    components: Record<string, Record<string, unknown>>;
  };
  ajv: Ajv;
  operations: Operation[];
  validators: Map<string, ValidateFunction>;
}

let loaded: Description | undefined;

const METHODS = ['get', 'post', 'put', 'patch', 'delete', 'head'];

/** Load the 13 MB description once per process (the file itself, not the package's index of every variant). */
export function githubDescription(): Description {
  if (loaded) return loaded;
  const doc = JSON.parse(fs.readFileSync(OPENAPI_FILE, 'utf8')) as Description['doc'];
  // OpenAPI 3.0 schemas: `nullable` is understood by Ajv 8; x-github and example keywords are not
  // JSON Schema and are ignored (strict: false), formats are checked by ajv-formats.
  const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
  addFormats(ajv);
  ajv.addSchema(doc as object, 'github');
  const operations: Operation[] = [];
  for (const [template, item] of Object.entries(doc.paths)) {
    const names: string[] = [];
    const pattern = template
      .split('/')
      .map((segment) =>
        segment.replace(/\{([^}]+)\}|[^{}]+/g, (whole, name: string | undefined) => {
          if (name) {
            names.push(name);
            return '([^/]+)';
          }
          return whole.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
        }),
      )
      .join('/');
    const literalSegments = template.split('/').filter((s) => s !== '' && !s.includes('{')).length;
    for (const method of METHODS) {
      const op = item[method];
      if (op)
        operations.push({ method, template, regex: new RegExp(`^${pattern}$`), names, literalSegments, op });
    }
  }
  // The most literal template wins: /releases/tags/{tag} over /releases/{release_id}.
  operations.sort((a, b) => b.literalSegments - a.literalSegments || a.names.length - b.names.length);
  loaded = { doc, ajv, operations, validators: new Map() };
  return loaded;
}

function pointer(segments: readonly string[]): string {
  return '#/' + segments.map((s) => encodeURIComponent(s.replace(/~/g, '~0').replace(/\//g, '~1'))).join('/');
}

function validatorFor(d: Description, segments: readonly string[]): ValidateFunction {
  const key = pointer(segments);
  let v = d.validators.get(key);
  if (!v) {
    v = d.ajv.compile({ $ref: `github${key}` });
    d.validators.set(key, v);
  }
  return v;
}

function deref<T>(d: Description, value: T | { $ref: string }): T {
  let current: unknown = value;
  while (current && typeof current === 'object' && '$ref' in current) {
    const ref = (current as { $ref: string }).$ref;
    const parts = ref
      .replace(/^#\//, '')
      .split('/')
      .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    current = parts.reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], d.doc);
  }
  return current as T;
}

function ajvErrors(v: ValidateFunction): string {
  return (v.errors ?? [])
    .slice(0, 5)
    .map(
      (e) => `${e.instancePath || '/'} ${e.message ?? ''}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`,
    )
    .join('; ');
}

export interface StandInRequest {
  method: string;
  /** The description's path template, e.g. /repos/{owner}/{repo}/releases. */
  template: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

export interface StandInResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Handler = (req: StandInRequest) => StandInResponse | Promise<StandInResponse>;

export interface StandInRecord {
  method: string;
  path: string;
  template?: string;
  status: number;
  body?: unknown;
}

export interface GitHubStandInOptions {
  /** Requests must carry it as `token X` or `Bearer X`; a wrong one gets 401. */
  token?: string;
  owner?: string;
  repo?: string;
  /** The web address html_url values point at. */
  serverUrl?: string;
}

export interface Release {
  id: number;
  tag_name: string;
  target_commitish: string;
  name: string | null;
  body: string | null;
  draft: boolean;
  prerelease: boolean;
  created_at: string;
  published_at: string | null;
  updated_at: string;
  /** What the last create/update asked for ('true' | 'false' | 'legacy'). */
  make_latest?: string;
}

export class GitHubStandIn {
  readonly violations: string[] = [];
  readonly requests: StandInRecord[] = [];
  readonly releases: Release[] = [];
  /** The release marked latest (make_latest: true), by id. */
  latestReleaseId: number | undefined;
  private readonly routes = new Map<string, Handler>();
  private readonly injected = new Map<string, StandInResponse[]>();
  private nextId = 1000;
  private server!: http.Server;
  url = '';

  private constructor(private readonly options: Required<GitHubStandInOptions>) {}

  static async start(options: GitHubStandInOptions = {}): Promise<GitHubStandIn> {
    githubDescription();
    const s = new GitHubStandIn({
      token: options.token ?? '',
      owner: options.owner ?? 'example',
      repo: options.repo ?? 'app',
      serverUrl: options.serverUrl ?? 'https://github.com',
    });
    s.installReleases();
    s.server = http.createServer((req, res) => void s.handle(req, res));
    await new Promise<void>((resolve) => s.server.listen(0, '127.0.0.1', resolve));
    s.url = `http://127.0.0.1:${(s.server.address() as AddressInfo).port}`;
    return s;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }

  /** Serve an operation of the description (method + its path template). */
  route(method: string, template: string, handler: Handler): void {
    const d = githubDescription();
    if (!d.operations.some((o) => o.method === method.toLowerCase() && o.template === template))
      throw new Error(`${method} ${template} is not an operation of GitHub's REST description`);
    this.routes.set(`${method.toLowerCase()} ${template}`, handler);
  }

  /** Answer the next request to an operation with this response instead (still validated). */
  inject(method: string, template: string, response: StandInResponse): void {
    const key = `${method.toLowerCase()} ${template}`;
    this.injected.set(key, [...(this.injected.get(key) ?? []), response]);
  }

  get repoPath(): string {
    return `/repos/${this.options.owner}/${this.options.repo}`;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const method = (req.method ?? 'GET').toLowerCase();
    const record: StandInRecord = { method: method.toUpperCase(), path: url.pathname, status: 0 };
    this.requests.push(record);
    const send = (status: number, body?: unknown, headers: Record<string, string> = {}): void => {
      record.status = status;
      record.body = body;
      const text = body === undefined ? '' : JSON.stringify(body);
      res.writeHead(status, {
        ...(text ? { 'content-type': 'application/json; charset=utf-8' } : {}),
        'x-github-api-version-selected': '2022-11-28',
        ...headers,
      });
      res.end(text);
    };
    const refuse = (why: string): void => {
      this.violations.push(`${method.toUpperCase()} ${url.pathname}: ${why}`);
      send(400, { message: `stand-in refused the request: ${why}` });
    };

    const d = githubDescription();
    const pathMatches = d.operations.filter((o) => o.regex.test(url.pathname));
    const operation = pathMatches.find((o) => o.method === method);
    if (!operation)
      return refuse(
        pathMatches.length > 0
          ? `the description has no ${method.toUpperCase()} for this path`
          : 'the path is not in the description',
      );
    record.template = operation.template;

    // The scheme is case-insensitive (RFC 9110): octokit sends a token shaped like a JWT as `bearer X`.
    const [, scheme = '', credentials] = /^(\S+) (.*)$/s.exec(req.headers.authorization ?? '') ?? [];
    if (this.options.token && (!/^(token|bearer)$/i.test(scheme) || credentials !== this.options.token)) {
      this.violations.push(`${method.toUpperCase()} ${url.pathname}: missing or wrong token`);
      return send(401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' });
    }

    const m = operation.regex.exec(url.pathname) as RegExpExecArray;
    const params: Record<string, string> = {};
    operation.names.forEach((name, i) => (params[name] = decodeURIComponent(m[i + 1] as string)));
    const declared = (operation.op.parameters ?? []).map((p) => deref<OpenApiParameter>(d, p));
    for (const p of declared.filter((p) => p.in === 'path')) {
      const problem = checkParam(p, params[p.name]);
      if (problem) return refuse(problem);
    }
    const queryParams = declared.filter((p) => p.in === 'query');
    for (const key of new Set(url.searchParams.keys())) {
      const p = queryParams.find((q) => q.name === key);
      if (!p) return refuse(`query parameter '${key}' is not in the description`);
      const problem = checkParam(p, url.searchParams.get(key) ?? undefined);
      if (problem) return refuse(problem);
    }
    for (const p of queryParams)
      if (p.required && !url.searchParams.has(p.name))
        return refuse(`query parameter '${p.name}' is required`);

    let body: unknown;
    const rb = operation.op.requestBody
      ? deref<{ required?: boolean; content?: Record<string, unknown> }>(d, operation.op.requestBody)
      : undefined;
    if (raw.trim() !== '') {
      if (!rb?.content?.['application/json']) return refuse('the operation takes no JSON body');
      try {
        body = JSON.parse(raw);
      } catch {
        return refuse('the body is not JSON');
      }
      const v = validatorFor(d, [
        'paths',
        operation.template,
        method,
        'requestBody',
        'content',
        'application/json',
        'schema',
      ]);
      if (!v(body)) return refuse(`the body does not match the description: ${ajvErrors(v)}`);
    } else if (rb?.required) return refuse('the operation requires a JSON body');

    const request: StandInRequest = {
      method: method.toUpperCase(),
      template: operation.template,
      path: url.pathname,
      params,
      query: url.searchParams,
      headers: req.headers,
      body,
    };
    const key = `${method} ${operation.template}`;
    const queued = this.injected.get(key);
    let response: StandInResponse;
    try {
      response =
        queued && queued.length > 0
          ? (queued.shift() as StandInResponse)
          : await (this.routes.get(key) ?? notFound)(request);
    } catch (error) {
      this.violations.push(`${method.toUpperCase()} ${url.pathname}: handler threw ${String(error)}`);
      return send(500, { message: String(error) });
    }
    const problem = this.checkResponse(operation, response);
    if (problem)
      this.violations.push(`${method.toUpperCase()} ${url.pathname} → ${response.status}: ${problem}`);
    send(response.status, response.body, response.headers);
  }

  private checkResponse(operation: Operation, response: StandInResponse): string | undefined {
    const d = githubDescription();
    const status = String(response.status);
    const key =
      status in operation.op.responses ? status : 'default' in operation.op.responses ? 'default' : undefined;
    if (!key)
      return `status ${status} is not a response the description lists (${Object.keys(operation.op.responses).join(', ')})`;
    const described = deref<{ content?: Record<string, unknown> }>(d, operation.op.responses[key] as object);
    const json = described.content?.['application/json'];
    if (!json) return response.body === undefined ? undefined : 'the description gives this response no body';
    const responseRef = operation.op.responses[key] as { $ref?: string };
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

  // ---- built-in store: releases ----

  private user(): Record<string, unknown> {
    const api = this.url;
    const login = 'github-actions[bot]';
    return {
      login,
      id: 41898282,
      node_id: 'MDM6Qm90NDE4OTgyODI=',
      avatar_url: 'https://avatars.githubusercontent.com/in/15368?v=4',
      gravatar_id: '',
      url: `${api}/users/${encodeURIComponent(login)}`,
      html_url: 'https://github.com/apps/github-actions',
      followers_url: `${api}/users/${encodeURIComponent(login)}/followers`,
      following_url: `${api}/users/${encodeURIComponent(login)}/following{/other_user}`,
      gists_url: `${api}/users/${encodeURIComponent(login)}/gists{/gist_id}`,
      starred_url: `${api}/users/${encodeURIComponent(login)}/starred{/owner}{/repo}`,
      subscriptions_url: `${api}/users/${encodeURIComponent(login)}/subscriptions`,
      organizations_url: `${api}/users/${encodeURIComponent(login)}/orgs`,
      repos_url: `${api}/users/${encodeURIComponent(login)}/repos`,
      events_url: `${api}/users/${encodeURIComponent(login)}/events{/privacy}`,
      received_events_url: `${api}/users/${encodeURIComponent(login)}/received_events`,
      type: 'Bot',
      site_admin: false,
    };
  }

  /** A release as the API returns it. */
  releaseJson(r: Release): Record<string, unknown> {
    const api = `${this.url}${this.repoPath}`;
    const web = `${this.options.serverUrl}/${this.options.owner}/${this.options.repo}`;
    return {
      url: `${api}/releases/${r.id}`,
      html_url: r.draft
        ? `${web}/releases/tag/untagged-${r.id}`
        : `${web}/releases/tag/${encodeURIComponent(r.tag_name)}`,
      assets_url: `${api}/releases/${r.id}/assets`,
      upload_url: `${this.url.replace('http://', 'http://uploads.')}${this.repoPath}/releases/${r.id}/assets{?name,label}`,
      tarball_url: r.draft ? null : `${api}/tarball/${encodeURIComponent(r.tag_name)}`,
      zipball_url: r.draft ? null : `${api}/zipball/${encodeURIComponent(r.tag_name)}`,
      id: r.id,
      node_id: Buffer.from(`Release${r.id}`).toString('base64'),
      tag_name: r.tag_name,
      target_commitish: r.target_commitish,
      name: r.name,
      body: r.body,
      draft: r.draft,
      prerelease: r.prerelease,
      immutable: false,
      created_at: r.created_at,
      published_at: r.published_at,
      updated_at: r.updated_at,
      author: this.user(),
      assets: [],
    };
  }

  /** Add a release directly (a draft someone made by hand, a release on v1, …). */
  addRelease(fields: Partial<Release> & { tag_name: string }): Release {
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const r: Release = {
      id: this.nextId++,
      target_commitish: 'main',
      name: fields.tag_name,
      body: '',
      draft: false,
      prerelease: false,
      created_at: now,
      published_at: fields.draft ? null : now,
      updated_at: now,
      ...fields,
    };
    this.releases.push(r);
    return r;
  }

  private notFound(): StandInResponse {
    return {
      status: 404,
      body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' },
    };
  }

  private ownRepo(req: StandInRequest): boolean {
    return req.params.owner === this.options.owner && req.params.repo === this.options.repo;
  }

  private installReleases(): void {
    const base = '/repos/{owner}/{repo}/releases';
    this.route('post', base, (req) => {
      if (!this.ownRepo(req)) return this.notFound();
      const b = req.body as Record<string, unknown>;
      const tag = String(b.tag_name);
      if (this.releases.some((r) => r.tag_name === tag))
        return {
          status: 422,
          body: {
            message: 'Validation Failed',
            errors: [{ resource: 'Release', code: 'already_exists', field: 'tag_name' }],
            documentation_url: 'https://docs.github.com/rest/releases/releases#create-a-release',
          },
        };
      const r = this.addRelease({
        tag_name: tag,
        target_commitish: typeof b.target_commitish === 'string' ? b.target_commitish : 'main',
        name: typeof b.name === 'string' ? b.name : tag,
        body: typeof b.body === 'string' ? b.body : '',
        draft: b.draft === true,
        prerelease: b.prerelease === true,
        make_latest: typeof b.make_latest === 'string' ? b.make_latest : undefined,
      });
      if (b.make_latest === 'true' && !r.draft && !r.prerelease) this.latestReleaseId = r.id;
      return {
        status: 201,
        body: this.releaseJson(r),
        headers: { location: `${this.url}${this.repoPath}/releases/${r.id}` },
      };
    });
    this.route('get', base, (req) => {
      if (!this.ownRepo(req)) return this.notFound();
      const perPage = Number(req.query.get('per_page') ?? '30');
      const page = Number(req.query.get('page') ?? '1');
      const all = [...this.releases].reverse();
      const slice = all.slice((page - 1) * perPage, page * perPage);
      const headers: Record<string, string> = {};
      if (page * perPage < all.length)
        headers.link = `<${this.url}${this.repoPath}/releases?per_page=${perPage}&page=${page + 1}>; rel="next"`;
      return { status: 200, body: slice.map((r) => this.releaseJson(r)), headers };
    });
    this.route('get', `${base}/tags/{tag}`, (req) => {
      if (!this.ownRepo(req)) return this.notFound();
      // Like GitHub: drafts are not found by tag.
      const r = this.releases.find((x) => x.tag_name === req.params.tag && !x.draft);
      return r ? { status: 200, body: this.releaseJson(r) } : this.notFound();
    });
    this.route('get', `${base}/{release_id}`, (req) => {
      const r = this.releases.find((x) => x.id === Number(req.params.release_id));
      return r && this.ownRepo(req) ? { status: 200, body: this.releaseJson(r) } : this.notFound();
    });
    this.route('patch', `${base}/{release_id}`, (req) => {
      const r = this.releases.find((x) => x.id === Number(req.params.release_id));
      if (!r || !this.ownRepo(req)) return this.notFound();
      const b = req.body as Record<string, unknown>;
      if (typeof b.tag_name === 'string') r.tag_name = b.tag_name;
      if (typeof b.target_commitish === 'string') r.target_commitish = b.target_commitish;
      if (typeof b.name === 'string') r.name = b.name;
      if (typeof b.body === 'string') r.body = b.body;
      if (typeof b.prerelease === 'boolean') r.prerelease = b.prerelease;
      if (typeof b.draft === 'boolean') {
        if (r.draft && !b.draft) r.published_at = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
        r.draft = b.draft;
      }
      if (typeof b.make_latest === 'string') r.make_latest = b.make_latest;
      if (b.make_latest === 'true' && !r.draft && !r.prerelease) this.latestReleaseId = r.id;
      r.updated_at = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      return { status: 200, body: this.releaseJson(r) };
    });
  }
}

function notFound(): StandInResponse {
  return { status: 404, body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' } };
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
