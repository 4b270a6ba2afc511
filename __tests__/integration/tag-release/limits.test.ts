import { GitHubStandIn } from '@deploy-kit/harness';
import { Repos, runTagRelease, TOKEN } from './repo';

// GitHub's limits through the committed bundle (issue 18 C3): rate limits are waited out as
// GitHub asks and said as "rate limit".

const CREATE = ['post', '/repos/{owner}/{repo}/releases'] as const;

describe('tag-release and GitHub rate limits', () => {
  let repos: Repos;
  let gh: GitHubStandIn;

  beforeEach(async () => {
    repos = new Repos();
    gh = await GitHubStandIn.start({ token: TOKEN });
    repos.commit('feat: first');
    repos.tag('v1.0.0');
    repos.commit('feat: second');
    repos.push();
  });
  afterEach(async () => {
    await gh.close();
    repos.cleanup();
  });

  const message = { documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api' };

  test('primary limit (403, x-ratelimit-remaining: 0): waits until the reset, then the release lands', async () => {
    const reset = Math.ceil(Date.now() / 1000) + 2;
    gh.inject(...CREATE, {
      status: 403,
      headers: {
        'x-ratelimit-limit': '1000',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': String(reset),
      },
      body: { message: 'API rate limit exceeded for installation ID 1.', ...message },
    });
    const started = Date.now();
    const r = await runTagRelease(repos, repos.checkout(), gh);
    expect(r.error).toBeUndefined();
    expect(r.stdout).toMatch(/GitHub's primary rate limit was hit; waiting \d s as it asks/);
    // It waited for the reset: the second create came after it.
    const creates = gh.requests.filter((q) => q.method === 'POST');
    expect(creates.map((q) => q.status)).toEqual([403, 201]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(gh.releases).toHaveLength(1);
  });

  test('secondary limit (403 with retry-after): waits that long and retries', async () => {
    gh.inject(...CREATE, {
      status: 403,
      headers: { 'retry-after': '1' },
      body: {
        message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
        ...message,
      },
    });
    const r = await runTagRelease(repos, repos.checkout(), gh);
    expect(r.error).toBeUndefined();
    expect(r.stdout).toMatch(/GitHub's secondary rate limit was hit; waiting 1 s as it asks/);
    expect(gh.requests.filter((q) => q.method === 'POST').map((q) => q.status)).toEqual([403, 201]);
  });

  test('a limit that resets past the wait tag-release allows fails at once, saying "rate limit", not permissions', async () => {
    const reset = Math.ceil(Date.now() / 1000) + 3600;
    gh.inject(...CREATE, {
      status: 403,
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) },
      body: { message: 'API rate limit exceeded for installation ID 1.', ...message },
    });
    const started = Date.now();
    const r = await runTagRelease(repos, repos.checkout(), gh);
    expect(r.exitCode).toBe(1);
    expect(r.error).toMatch(
      /^Could not run: creating the release v1\.1\.0: GitHub's primary API rate limit for this token is used up until \S+Z .*rerun the job after that/,
    );
    expect(r.error).not.toMatch(/contents: write/);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(JSON.parse(r.outputs.results!)).toMatchObject({
      status: 'could-not-run',
      done: { tag: 'pushed' },
    });
  });
});
