import * as fs from 'node:fs';
import * as path from 'node:path';
import { GitHubStandIn } from '@deploy-kit/harness';
import { startGitHttp, type GitHttpServer } from './git-http';
import { changeAfterV100, Repos, reposPerTest, runTagRelease, TOKEN, tokenForms } from './repo';

// The token's only way into git is an http.<server>/.extraheader in the GIT_CONFIG_* environment.
// Here the remote is real smart HTTP that demands it, and the checkout carries a stale header
// persisted by actions/checkout: the push must authenticate with the token and the stale one
// must not be sent, without the token reaching argv, the log or .git/config.

describe('tag-release over authenticated smart HTTP', () => {
  let repos: Repos;
  let gh: GitHubStandIn;
  let server: GitHttpServer;

  reposPerTest((made) => ({ repos, gh } = made), changeAfterV100('feat: over http'));
  beforeEach(async () => {
    server = await startGitHttp(repos.root, TOKEN);
  });
  afterEach(async () => {
    await server.close();
  });

  test('fetches and pushes with the token header only; the persisted header is overridden, not sent', async () => {
    const ws = repos.checkout();
    repos.git(ws, 'remote', 'set-url', 'origin', `${server.url}/origin.git`);
    const stale = `AUTHORIZATION: basic ${Buffer.from('x-access-token:stale-checkout-token').toString('base64')}`;
    repos.git(ws, 'config', `http.${server.url}/.extraheader`, stale);
    const configBefore = fs.readFileSync(path.join(ws, '.git', 'config'), 'utf8');

    const r = await runTagRelease(
      repos,
      ws,
      gh,
      { 'move-major': 'true' },
      { env: { GITHUB_SERVER_URL: server.url } },
    );
    expect(r.error).toBeUndefined();
    expect(r.outputs.tag).toBe('v1.1.0');
    expect(repos.remoteTag('v1.1.0')).toBe(repos.head());
    expect(repos.remoteTag('v1')).toBe(repos.head());

    // Every request carried the token's header and nothing else got through.
    expect(server.seen.length).toBeGreaterThan(3);
    const expected = `basic ${Buffer.from(`x-access-token:${TOKEN}`).toString('base64')}`;
    expect(new Set(server.seen.map((s) => s.toLowerCase()))).toEqual(new Set([expected.toLowerCase()]));

    expect(fs.readFileSync(path.join(ws, '.git', 'config'), 'utf8')).toBe(configBefore);
    for (const form of tokenForms()) expect(repos.argv()).not.toContain(form);
    expect(r.leaks(tokenForms())).toEqual([]);
  });

  test('a wrong token fails the fetch with a sentence, and the token is still nowhere', async () => {
    const ws = repos.checkout();
    repos.git(ws, 'remote', 'set-url', 'origin', `${server.url}/origin.git`);
    const r = await runTagRelease(
      repos,
      ws,
      gh,
      { token: 'ghs_wrongWrongWrong0123456789' },
      { env: { GITHUB_SERVER_URL: server.url } },
    );
    expect(r.exitCode).toBe(1);
    expect(r.error).toMatch(
      /^Could not run: git fetch failed: .*(401|Authentication failed|could not read Username)/,
    );
    expect(r.leaks(['ghs_wrongWrongWrong0123456789'])).toEqual([]);
    expect(repos.remoteTag('v1.1.0')).toBeUndefined();
  });
});
