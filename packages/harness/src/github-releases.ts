import type { Handler, StandInRequest, StandInResponse } from './github-standin-types';

/**
 * The GitHub stand-in's built-in store of releases: the REST resource /repos/{owner}/{repo}/releases
 * (create, list, get by tag, get by id, update) and a release's JSON as the API returns it.
 */

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

/** What the release routes need of the stand-in. */
export interface ReleaseStore {
  readonly url: string;
  readonly repoPath: string;
  readonly releases: Release[];
  latestReleaseId: number | undefined;
  addRelease(fields: Partial<Release> & { tag_name: string }): Release;
  releaseJson(r: Release): Record<string, unknown>;
  route(method: string, template: string, handler: Handler): void;
}

/** Where a release's addresses point. */
export interface ReleaseAddresses {
  /** The stand-in's base URL. */
  url: string;
  /** /repos/{owner}/{repo} */
  repoPath: string;
  /** The repository on the web, e.g. https://github.com/example/app. */
  web: string;
}

/** A timestamp as GitHub writes them: whole seconds, Z. */
function now(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

/** A new release with GitHub's defaults for whatever `fields` leaves out. */
export function newRelease(id: number, fields: Partial<Release> & { tag_name: string }): Release {
  const at = now();
  return {
    id,
    target_commitish: 'main',
    name: fields.tag_name,
    body: '',
    draft: false,
    prerelease: false,
    created_at: at,
    published_at: fields.draft ? null : at,
    updated_at: at,
    ...fields,
  };
}

function botUser(api: string): Record<string, unknown> {
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
export function releaseJson(r: Release, at: ReleaseAddresses): Record<string, unknown> {
  const api = `${at.url}${at.repoPath}`;
  return {
    url: `${api}/releases/${r.id}`,
    html_url: r.draft
      ? `${at.web}/releases/tag/untagged-${r.id}`
      : `${at.web}/releases/tag/${encodeURIComponent(r.tag_name)}`,
    assets_url: `${api}/releases/${r.id}/assets`,
    upload_url: `${at.url.replace('http://', 'http://uploads.')}${at.repoPath}/releases/${r.id}/assets{?name,label}`,
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
    author: botUser(at.url),
    assets: [],
  };
}

function notFound(): StandInResponse {
  return {
    status: 404,
    body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' },
  };
}

type OwnRepo = (req: StandInRequest) => boolean;

/** Serve the releases resource from the store; requests for another repository get 404. */
export function installReleaseRoutes(store: ReleaseStore, ownRepo: OwnRepo): void {
  const base = '/repos/{owner}/{repo}/releases';
  store.route('post', base, createRelease(store, ownRepo));
  store.route('get', base, listReleases(store, ownRepo));
  store.route('get', `${base}/tags/{tag}`, (req) => {
    if (!ownRepo(req)) return notFound();
    // Like GitHub: drafts are not found by tag.
    const r = store.releases.find((x) => x.tag_name === req.params.tag && !x.draft);
    return r ? { status: 200, body: store.releaseJson(r) } : notFound();
  });
  store.route('get', `${base}/{release_id}`, (req) => {
    const r = store.releases.find((x) => x.id === Number(req.params.release_id));
    return r && ownRepo(req) ? { status: 200, body: store.releaseJson(r) } : notFound();
  });
  store.route('patch', `${base}/{release_id}`, updateRelease(store, ownRepo));
}

function createRelease(store: ReleaseStore, ownRepo: OwnRepo): Handler {
  return (req) => {
    if (!ownRepo(req)) return notFound();
    const b = req.body as Record<string, unknown>;
    const tag = String(b.tag_name);
    if (store.releases.some((r) => r.tag_name === tag))
      return {
        status: 422,
        body: {
          message: 'Validation Failed',
          errors: [{ resource: 'Release', code: 'already_exists', field: 'tag_name' }],
          documentation_url: 'https://docs.github.com/rest/releases/releases#create-a-release',
        },
      };
    const r = store.addRelease({
      tag_name: tag,
      target_commitish: typeof b.target_commitish === 'string' ? b.target_commitish : 'main',
      name: typeof b.name === 'string' ? b.name : tag,
      body: typeof b.body === 'string' ? b.body : '',
      draft: b.draft === true,
      prerelease: b.prerelease === true,
      make_latest: typeof b.make_latest === 'string' ? b.make_latest : undefined,
    });
    if (b.make_latest === 'true' && !r.draft && !r.prerelease) store.latestReleaseId = r.id;
    return {
      status: 201,
      body: store.releaseJson(r),
      headers: { location: `${store.url}${store.repoPath}/releases/${r.id}` },
    };
  };
}

function listReleases(store: ReleaseStore, ownRepo: OwnRepo): Handler {
  return (req) => {
    if (!ownRepo(req)) return notFound();
    const perPage = Number(req.query.get('per_page') ?? '30');
    const page = Number(req.query.get('page') ?? '1');
    const all = [...store.releases].reverse();
    const slice = all.slice((page - 1) * perPage, page * perPage);
    const headers: Record<string, string> = {};
    if (page * perPage < all.length)
      headers.link = `<${store.url}${store.repoPath}/releases?per_page=${perPage}&page=${page + 1}>; rel="next"`;
    return { status: 200, body: slice.map((r) => store.releaseJson(r)), headers };
  };
}

function updateRelease(store: ReleaseStore, ownRepo: OwnRepo): Handler {
  return (req) => {
    const r = store.releases.find((x) => x.id === Number(req.params.release_id));
    if (!r || !ownRepo(req)) return notFound();
    const b = req.body as Record<string, unknown>;
    if (typeof b.tag_name === 'string') r.tag_name = b.tag_name;
    if (typeof b.target_commitish === 'string') r.target_commitish = b.target_commitish;
    if (typeof b.name === 'string') r.name = b.name;
    if (typeof b.body === 'string') r.body = b.body;
    if (typeof b.prerelease === 'boolean') r.prerelease = b.prerelease;
    if (typeof b.draft === 'boolean') {
      if (r.draft && !b.draft) r.published_at = now();
      r.draft = b.draft;
    }
    if (typeof b.make_latest === 'string') r.make_latest = b.make_latest;
    if (b.make_latest === 'true' && !r.draft && !r.prerelease) store.latestReleaseId = r.id;
    r.updated_at = now();
    return { status: 200, body: store.releaseJson(r) };
  };
}
