import { GitHubStandIn } from '@deploy-kit/harness';

// The stand-in is only as good as its refusals: each of these must be caught by the description.

describe('GitHub REST stand-in validated against @octokit/openapi', () => {
  let gh: GitHubStandIn;
  const call = async (method: string, path: string, body?: unknown, token = 'tok') => {
    const res = await fetch(`${gh.url}${path}`, {
      method,
      headers: { authorization: `token ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
  };

  beforeEach(async () => {
    gh = await GitHubStandIn.start({ token: 'tok' });
  });
  afterEach(() => gh.close());

  test('creates a release whose response matches the release schema, then 422 already_exists', async () => {
    const created = await call('POST', '/repos/example/app/releases', {
      tag_name: 'v1.0.0',
      make_latest: 'true',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      tag_name: 'v1.0.0',
      draft: false,
      html_url: 'https://github.com/example/app/releases/tag/v1.0.0',
    });
    const again = await call('POST', '/repos/example/app/releases', { tag_name: 'v1.0.0' });
    expect(again.status).toBe(422);
    expect(again.body.errors[0]).toMatchObject({ code: 'already_exists', field: 'tag_name' });
    expect(gh.latestReleaseId).toBe(created.body.id);
    expect(gh.violations).toEqual([]);
  });

  test('a body the description does not allow is refused and recorded', async () => {
    const bad = await call('POST', '/repos/example/app/releases', { tag_name: 5 });
    expect(bad.status).toBe(400);
    const enumBad = await call('POST', '/repos/example/app/releases', { tag_name: 'v1', make_latest: true });
    expect(enumBad.status).toBe(400);
    const missing = await call('POST', '/repos/example/app/releases', { name: 'x' });
    expect(missing.status).toBe(400);
    expect(gh.violations).toHaveLength(3);
    expect(gh.violations[0]).toMatch(/tag_name.*must be string/);
    expect(gh.releases).toHaveLength(0);
  });

  test('paths, methods, query parameters and tokens outside the description are refused', async () => {
    expect((await call('GET', '/repos/example/app/no-such-thing')).status).toBe(400);
    expect((await call('PUT', '/repos/example/app/releases')).status).toBe(400);
    expect((await call('GET', '/repos/example/app/releases?per_page=100&colour=red')).status).toBe(400);
    expect((await call('GET', '/repos/example/app/releases?per_page=x')).status).toBe(400);
    expect((await call('GET', '/repos/example/app/releases', undefined, 'wrong')).status).toBe(401);
    expect(gh.violations).toHaveLength(5);
  });

  test('404 for a tag without a release (drafts are not found by tag) and a listed draft', async () => {
    gh.addRelease({ tag_name: 'v2.0.0', draft: true });
    expect((await call('GET', '/repos/example/app/releases/tags/v2.0.0')).status).toBe(404);
    const list = await call('GET', '/repos/example/app/releases?per_page=100');
    expect(list.status).toBe(200);
    expect(list.body.map((r: { tag_name: string; draft: boolean }) => [r.tag_name, r.draft])).toEqual([
      ['v2.0.0', true],
    ]);
    expect(gh.violations).toEqual([]);
  });

  test('a response the description does not allow is recorded', async () => {
    gh.inject('patch', '/repos/{owner}/{repo}/releases/{release_id}', {
      status: 422,
      body: { message: 'x' },
    });
    const r = gh.addRelease({ tag_name: 'v1.0.0' });
    await call('PATCH', `/repos/example/app/releases/${r.id}`, { name: 'n' });
    gh.route('get', '/repos/{owner}/{repo}/releases/{release_id}', () => ({
      status: 200,
      body: { id: 'not-a-number' },
    }));
    await call('GET', `/repos/example/app/releases/${r.id}`);
    expect(gh.violations).toEqual([
      expect.stringMatching(/status 422 is not a response the description lists/),
      expect.stringMatching(/does not match the description/),
    ]);
  });
});
