import { retry } from '@deploy-kit/shared';
import { HttpClient, headerValue, type HttpResponse } from '@deploy-kit/shared/http';

/**
 * Ask the registry itself which manifest a tag points at (Distribution API:
 * HEAD /v2/<name>/manifests/<reference>, answer in Docker-Content-Digest),
 * so the digests we hand to a deploy are the registry's, not our guess.
 * Handles Basic and Bearer (token service) challenges.
 */
export const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

export interface Credentials {
  username: string;
  password: string;
}

/** Registries on loopback speak plain HTTP (Docker allows that for 127.0.0.0/8 only); everything else HTTPS. */
export function registryBaseUrl(domain: string): string {
  const host = domain === 'docker.io' || domain === '' ? 'registry-1.docker.io' : domain;
  const bare = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  const loopback = bare === 'localhost' || /^127\./.test(bare) || bare === '::1';
  return `${loopback ? 'http' : 'https'}://${host}`;
}

/** Parse `Bearer realm="…",service="…",scope="…"` into its scheme and parameters. */
export function parseChallenge(header: string): { scheme: string; params: Record<string, string> } {
  const m = /^(\w+)\s*(.*)$/s.exec(header.trim());
  const params: Record<string, string> = {};
  for (const p of (m?.[2] ?? '').matchAll(/(\w+)="([^"]*)"/g))
    params[(p[1] as string).toLowerCase()] = p[2] as string;
  return { scheme: (m?.[1] ?? '').toLowerCase(), params };
}

function basic(creds: Credentials): string {
  return `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
}

export class RegistryClient {
  private readonly http = new HttpClient({ connectTimeoutMs: 10_000, headersTimeoutMs: 30_000 });

  constructor(
    private readonly creds: Credentials | undefined,
    private readonly deadlineMs: number,
  ) {}

  private async authorize(res: HttpResponse, repository: string): Promise<string | undefined> {
    const challenge = headerValue(res.headers, 'www-authenticate');
    if (!challenge) return undefined;
    const { scheme, params } = parseChallenge(challenge);
    if (scheme === 'basic') return this.creds ? basic(this.creds) : undefined;
    if (scheme !== 'bearer' || !params.realm) return undefined;
    const url = new URL(params.realm);
    if (params.service) url.searchParams.set('service', params.service);
    url.searchParams.set('scope', params.scope ?? `repository:${repository}:pull`);
    const token = await this.http.request({
      url: url.toString(),
      headers: this.creds ? { authorization: basic(this.creds) } : {},
    });
    if (token.status !== 200) return undefined;
    const body = JSON.parse(token.body.toString('utf8')) as { token?: string; access_token?: string };
    const value = body.token ?? body.access_token;
    return value ? `Bearer ${value}` : undefined;
  }

  /** The digest the registry serves for domain/path:reference. Retries 429/5xx and dropped connections. */
  async manifestDigest(domain: string, path: string, reference: string): Promise<string> {
    const url = `${registryBaseUrl(domain)}/v2/${path}/manifests/${reference}`;
    return retry(
      async () => {
        let res = await this.http.request({ url, method: 'HEAD', headers: { accept: MANIFEST_TYPES } });
        if (res.status === 401) {
          const authorization = await this.authorize(res, path);
          if (authorization)
            res = await this.http.request({
              url,
              method: 'HEAD',
              headers: { accept: MANIFEST_TYPES, authorization },
            });
        }
        if (res.status !== 200) throw new RegistryStatusError(res.status, url);
        const digest = headerValue(res.headers, 'docker-content-digest');
        if (!digest) throw new RegistryStatusError(res.status, url, 'no Docker-Content-Digest header');
        return digest;
      },
      {
        deadlineMs: this.deadlineMs,
        initialDelayMs: 250,
        retryable: (error) =>
          !(error instanceof RegistryStatusError) || error.status === 429 || error.status >= 500,
      },
    );
  }

  async close(): Promise<void> {
    await this.http.close();
  }
}

export class RegistryStatusError extends Error {
  constructor(
    readonly status: number,
    readonly url: string,
    detail?: string,
  ) {
    super(`HEAD ${url} answered ${status}${detail ? ` (${detail})` : ''}`);
    this.name = 'RegistryStatusError';
  }
}
