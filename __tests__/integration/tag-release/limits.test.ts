import { execFileSync } from 'node:child_process';
import { GitHubStandIn } from '@deploy-kit/harness';
import { ALICE, changeAfterV100, Repos, reposPerTest, runTagRelease, TOKEN } from './repo';

// GitHub's limits through the committed bundle (issue 18 C3, C6): rate limits are waited out as
// GitHub asks and said as "rate limit"; the release body stays under 125,000 characters.

const CREATE = ['post', '/repos/{owner}/{repo}/releases'] as const;

describe('tag-release and GitHub rate limits', () => {
  let repos: Repos;
  let gh: GitHubStandIn;

  reposPerTest((made) => ({ repos, gh } = made), changeAfterV100('feat: second'));

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

/** `count` commits on main in one `git fast-import` (thousands of `git commit` would take minutes). */
function manyCommits(repos: Repos, count: number): void {
  const chunks: string[] = [];
  const data = (text: string): string => `data ${Buffer.byteLength(text)}\n${text}\n`;
  for (let i = 0; i < count; i++) {
    const type = ['feat', 'fix', 'chore', 'refactor'][i % 4] as string;
    const message = `${type}(area${i % 25}): change number ${i}, described in a subject of ordinary length (#${i + 1})`;
    chunks.push(
      'commit refs/heads/main\n' +
        `committer ${ALICE.name} <${ALICE.email}> ${1_700_000_000 + i} +0000\n` +
        data(message) +
        `M 644 inline src/file-${i % 50}.txt\n` +
        data(`${i}\n`),
    );
  }
  execFileSync('git', ['fast-import', '--quiet'], {
    cwd: repos.author,
    env: repos.env(),
    input: chunks.join(''),
  });
}

describe('tag-release and the release body limit', () => {
  test('a first release of 2,500 commits lands: the notes are shortened under 125,000 characters, the changelog linked', async () => {
    const repos = new Repos();
    const gh = await GitHubStandIn.start({ token: TOKEN });
    try {
      manyCommits(repos, 2500);
      repos.push();
      const r = await runTagRelease(repos, repos.checkout(), gh, {}, { timeoutMs: 120_000 });
      expect(r.error).toBeUndefined();
      expect(r.outputs.tag).toBe('v0.1.0');
      const body = gh.releases[0]?.body ?? '';
      expect(body.length).toBeGreaterThan(50_000);
      expect(body.length).toBeLessThanOrEqual(125_000);
      expect(body).toMatch(/^> These notes list \d+ of \d+ entries: GitHub takes at most 125,000 characters/);
      expect(body).toContain('https://github.com/example/app/commits/v0.1.0');
      expect(body).toContain('### Features');
      expect(r.outputs.notes).toBe(body);
    } finally {
      await gh.close();
      repos.cleanup();
    }
  });
});
