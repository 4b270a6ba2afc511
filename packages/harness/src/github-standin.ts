import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkRequest, checkResponse, findOperation } from './github-checks';
import { githubDescription } from './github-openapi';
import { installReleaseRoutes, newRelease, releaseJson, type Release } from './github-releases';
import type {
  GitHubStandInOptions,
  Handler,
  StandInRecord,
  StandInRequest,
  StandInResponse,
} from './github-standin-types';

export { OPENAPI_FILE, githubDescription } from './github-openapi';
export type { Release } from './github-releases';
export type {
  GitHubStandInOptions,
  Handler,
  StandInRecord,
  StandInRequest,
  StandInResponse,
} from './github-standin-types';

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
 *
 * This file is the server and its dispatch; github-openapi.ts loads the description,
 * github-checks.ts holds requests and responses to it, github-releases.ts is the releases store.
 */

type Reply = (status: number, body?: unknown, headers?: Record<string, string>) => void;

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
    installReleaseRoutes(s, (req) => s.ownRepo(req));
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

  /** A release as the API returns it. */
  releaseJson(r: Release): Record<string, unknown> {
    const web = `${this.options.serverUrl}/${this.options.owner}/${this.options.repo}`;
    return releaseJson(r, { url: this.url, repoPath: this.repoPath, web });
  }

  /** Add a release directly (a draft someone made by hand, a release on v1, …). */
  addRelease(fields: Partial<Release> & { tag_name: string }): Release {
    const r = newRelease(this.nextId++, fields);
    this.releases.push(r);
    return r;
  }

  private ownRepo(req: StandInRequest): boolean {
    return req.params.owner === this.options.owner && req.params.repo === this.options.repo;
  }

  /** Record the request, hold it to the description, answer it from a route and hold the answer too. */
  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const method = (req.method ?? 'GET').toLowerCase();
    const where = `${method.toUpperCase()} ${url.pathname}`;
    const record: StandInRecord = { method: method.toUpperCase(), path: url.pathname, status: 0 };
    this.requests.push(record);
    const send = replier(res, record);
    const refuse = (why: string): void => {
      this.violations.push(`${where}: ${why}`);
      send(400, { message: `stand-in refused the request: ${why}` });
    };

    const operation = findOperation(method, url.pathname);
    if (typeof operation === 'string') return refuse(operation);
    record.template = operation.template;
    if (!this.authorized(req.headers.authorization)) {
      this.violations.push(`${where}: missing or wrong token`);
      return send(401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' });
    }
    const checked = checkRequest(operation, url, raw);
    if ('problem' in checked) return refuse(checked.problem);

    const request: StandInRequest = {
      method: method.toUpperCase(),
      template: operation.template,
      path: url.pathname,
      params: checked.params,
      query: url.searchParams,
      headers: req.headers,
      body: checked.body,
    };
    let response: StandInResponse;
    try {
      response = await this.respond(`${method} ${operation.template}`, request);
    } catch (error) {
      this.violations.push(`${where}: handler threw ${String(error)}`);
      return send(500, { message: String(error) });
    }
    const problem = checkResponse(operation, response);
    if (problem) this.violations.push(`${where} → ${response.status}: ${problem}`);
    send(response.status, response.body, response.headers);
  }

  /** The scheme is case-insensitive (RFC 9110): octokit sends a token shaped like a JWT as `bearer X`. */
  private authorized(authorization: string | undefined): boolean {
    if (!this.options.token) return true;
    const [, scheme = '', credentials] = /^(\S+) (.*)$/s.exec(authorization ?? '') ?? [];
    return /^(token|bearer)$/i.test(scheme) && credentials === this.options.token;
  }

  /** An injected response if one is queued for the operation, else its route's, else 404. */
  private respond(key: string, request: StandInRequest): StandInResponse | Promise<StandInResponse> {
    const queued = this.injected.get(key);
    if (queued && queued.length > 0) return queued.shift() as StandInResponse;
    return (this.routes.get(key) ?? notFound)(request);
  }
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Answer with JSON (or nothing), recording the status and body. */
function replier(res: http.ServerResponse, record: StandInRecord): Reply {
  return (status, body, headers = {}) => {
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
}

function notFound(): StandInResponse {
  return { status: 404, body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' } };
}
