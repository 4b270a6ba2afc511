import * as fs from 'node:fs';
import * as path from 'node:path';
import { GitHubStandIn } from '@deploy-kit/harness';
import {
  changeAfterV100,
  firstRelease,
  holdFirstPushUntilSecond,
  Repos,
  reposPerTest,
  runTagRelease,
  tokenForms,
} from './repo';

// rc → promote, reruns after each interruption, two runs at once, moving v1: the whole cycle
// through the committed bundle, against real git and the validated REST stand-in.

describe('tag-release release candidates and promotion', () => {
  let repos: Repos;
  let gh: GitHubStandIn;

  reposPerTest((made) => ({ repos, gh } = made), firstRelease);

  test('rc.1, rc.2 (notes against rc.1), then promote on the same commit; promote elsewhere is refused', async () => {
    repos.commit('feat: search');
    repos.push();
    const rc1 = await runTagRelease(repos, repos.checkout(), gh, { mode: 'rc' });
    expect(rc1.outputs).toMatchObject({
      version: '1.1.0-rc.1',
      tag: 'v1.1.0-rc.1',
      'previous-tag': 'v1.0.0',
    });

    const fixed = repos.commit('fix: search paging');
    repos.push();
    const rc2 = await runTagRelease(repos, repos.checkout(), gh, { mode: 'rc' });
    expect(rc2.outputs).toMatchObject({ version: '1.1.0-rc.2', 'previous-tag': 'v1.1.0-rc.1' });
    const rc2Release = gh.releases.find((r) => r.tag_name === 'v1.1.0-rc.2')!;
    expect(rc2Release).toMatchObject({ prerelease: true, make_latest: 'false' });
    expect(rc2Release.body).toContain('search paging');
    expect(rc2Release.body).not.toContain('### Features');
    expect(rc2Release.body).toContain('compare/v1.1.0-rc.1...v1.1.0-rc.2');
    expect(gh.latestReleaseId).toBeUndefined();

    // Main moved on after rc.2: promoting HEAD would release code nobody validated.
    const later = repos.commit('feat: unvalidated');
    repos.push();
    const refused = await runTagRelease(repos, repos.checkout(), gh, { mode: 'promote' });
    expect(refused.exitCode).toBe(1);
    expect(refused.error).toContain(
      `HEAD ${later.slice(0, 12)} is not the commit of the newest release candidate v1.1.0-rc.2 (${fixed.slice(0, 12)})`,
    );
    expect(repos.remoteTag('v1.1.0')).toBeUndefined();

    // Promote from the validated rc's commit (the workflow dispatched on the rc tag).
    const promoted = await runTagRelease(repos, repos.checkout({ ref: 'v1.1.0-rc.2' }), gh, {
      mode: 'promote',
    });
    expect(promoted.error).toBeUndefined();
    expect(promoted.outputs).toMatchObject({
      version: '1.1.0',
      tag: 'v1.1.0',
      'previous-tag': 'v1.0.0',
      bump: 'minor',
      sha: fixed,
    });
    expect(repos.remoteTag('v1.1.0')).toBe(fixed);
    const final = gh.releases.find((r) => r.tag_name === 'v1.1.0')!;
    expect(final).toMatchObject({ prerelease: false, make_latest: 'true' });
    expect(gh.latestReleaseId).toBe(final.id);
    // Final notes compare with the previous final: both the feature and the fix.
    expect(final.body).toContain('### Features');
    expect(final.body).toContain('search paging');
    expect(final.body).toContain('compare/v1.0.0...v1.1.0');

    // Rerunning the promotion is a no-op success that completes (updates) the same release.
    const again = await runTagRelease(repos, repos.checkout({ ref: 'v1.1.0' }), gh, { mode: 'promote' });
    expect(again.error).toBeUndefined();
    expect(again.outputs.tag).toBe('v1.1.0');
    expect(gh.releases.filter((r) => r.tag_name === 'v1.1.0')).toHaveLength(1);
    expect(gh.violations).toEqual([]);
  });

  test('promote with no rc newer than the last final is refused with a sentence', async () => {
    repos.commit('fix: x');
    repos.push();
    const r = await runTagRelease(repos, repos.checkout(), gh, { mode: 'promote' });
    expect(r.exitCode).toBe(1);
    expect(r.error).toMatch(/no release candidate to promote.*newer than v1\.0\.0.*mode: rc/);
  });

  test('rc numbers count rc tags on other branches too', async () => {
    repos.git(repos.author, 'checkout', '--quiet', '-b', 'staging');
    repos.commit('fix: on staging');
    repos.tag('v1.0.1-rc.1');
    repos.tag('v1.0.1-rc.3');
    repos.git(repos.author, 'checkout', '--quiet', 'main');
    repos.commit('fix: on main');
    repos.push();
    const r = await runTagRelease(repos, repos.checkout(), gh, { mode: 'rc', 'dry-run': 'true' });
    expect(r.outputs).toMatchObject({ version: '1.0.1-rc.4', 'previous-tag': 'v1.0.0' });
  });
});

describe('tag-release idempotence, interruptions and concurrency', () => {
  let repos: Repos;
  let gh: GitHubStandIn;

  reposPerTest((made) => ({ repos, gh } = made), changeAfterV100('feat: second'));

  test('killed after the tag was pushed: the rerun creates the release and does not tag again', async () => {
    const first = await runTagRelease(
      repos,
      repos.checkout(),
      gh,
      {},
      { signal: 'SIGKILL', signalWhenStdout: 'Pushed v1.1.0.' },
    );
    expect(first.signal).toBe('SIGKILL');
    expect(repos.remoteTag('v1.1.0')).toBe(repos.head());
    expect(gh.releases).toHaveLength(0);
    const tagObject = repos.git(repos.remote, 'rev-parse', 'refs/tags/v1.1.0');

    const rerun = await runTagRelease(repos, repos.checkout(), gh);
    expect(rerun.error).toBeUndefined();
    expect(rerun.outputs).toMatchObject({
      version: '1.1.0',
      tag: 'v1.1.0',
      'previous-tag': 'v1.0.0',
      bump: 'minor',
    });
    expect(rerun.stdout).toContain('v1.1.0 is already at');
    expect(repos.git(repos.remote, 'rev-parse', 'refs/tags/v1.1.0')).toBe(tagObject);
    expect(gh.releases).toHaveLength(1);
    expect(gh.releases[0]!.body).toContain('second');
    expect(gh.violations).toEqual([]);
  });

  test('killed after the release was created: the rerun updates it (422 already_exists) and moves v1', async () => {
    const first = await runTagRelease(
      repos,
      repos.checkout(),
      gh,
      { 'move-major': 'true' },
      {
        signal: 'SIGKILL',
        signalWhenStdout: /Release v1\.1\.0 created/,
      },
    );
    expect(first.signal).toBe('SIGKILL');
    expect(gh.releases).toHaveLength(1);
    expect(repos.remoteTag('v1')).toBeUndefined();

    const rerun = await runTagRelease(repos, repos.checkout(), gh, { 'move-major': 'true' });
    expect(rerun.error).toBeUndefined();
    expect(gh.releases).toHaveLength(1);
    const creates = gh.requests.filter((q) => q.method === 'POST');
    expect(creates.map((q) => q.status)).toEqual([201, 422]);
    expect(gh.requests.some((q) => q.method === 'PATCH' && q.status === 200)).toBe(true);
    expect(repos.remoteTag('v1')).toBe(repos.head());
    expect(gh.violations).toEqual([]);
  });

  test('a 502 from GitHub on create is retried, and the release is created once', async () => {
    const bad = { status: 502, body: { message: 'Server Error' } };
    gh.inject('post', '/repos/{owner}/{repo}/releases', bad);
    const r = await runTagRelease(repos, repos.checkout(), gh);
    expect(r.error).toBeUndefined();
    expect(r.stdout).toMatch(/GitHub API attempt 1 failed \(502\); retrying/);
    expect(gh.requests.filter((q) => q.method === 'POST').map((q) => q.status)).toEqual([502, 201]);
    expect(gh.releases).toHaveLength(1);
    // GitHub's description lists no 5xx for this operation: the stand-in records the injected one.
    expect(gh.violations).toEqual([
      expect.stringMatching(/→ 502: status 502 is not a response the description lists/),
    ]);
  });

  test('a draft release someone made for the tag is found in the list and published', async () => {
    const draft = gh.addRelease({ tag_name: 'v1.1.0', draft: true, body: 'hand-written draft' });
    const r = await runTagRelease(repos, repos.checkout(), gh);
    expect(r.error).toBeUndefined();
    expect(gh.releases).toHaveLength(1);
    expect(gh.releases[0]).toMatchObject({ id: draft.id, draft: false, make_latest: 'true' });
    expect(gh.releases[0]!.body).toContain('second');
    expect(r.outputs['release-url']).toBe('https://github.com/example/app/releases/tag/v1.1.0');
  });

  test('the tag already at another commit fails naming both commits, and nothing is published', async () => {
    // Someone tagged v1.1.0 on a branch that never reached main.
    repos.git(repos.author, 'checkout', '--quiet', '-b', 'hotfix', 'HEAD~1');
    const elsewhere = repos.commit('fix: on a branch');
    repos.tag('v1.1.0');
    repos.git(repos.author, 'checkout', '--quiet', 'main');
    repos.push();
    const r = await runTagRelease(repos, repos.checkout(), gh);
    expect(r.exitCode).toBe(1);
    expect(r.error).toContain(`v1.1.0 already exists at commit ${elsewhere}, not at ${repos.head()}`);
    expect(gh.releases).toHaveLength(0);
    // results: the policy failure's sentence, the plan, and how far it got (no tag).
    const results = JSON.parse(r.outputs.results!);
    expect(results).toMatchObject({
      status: 'failed',
      failure: r.error,
      tag: 'v1.1.0',
      done: { tag: null, release: null, releaseUrl: null, moved: [] },
    });
  });

  test('two runs at once, pushing the same tag in the same moment: one tag, one release, both succeed', async () => {
    // A real race, made certain: the remote's pre-receive hook holds the first push of v1.1.0
    // until the second has arrived (a FIFO, no sleeps), so both runs have seen no tag, created
    // one locally and pushed it. The second push lands; the first is then refused by git's
    // ref lock and must find the same commit there. Both then create the release at once.
    holdFirstPushUntilSecond(repos, 'refs/tags/v1.1.0');
    const [a, b] = await Promise.all([
      runTagRelease(repos, repos.checkout(), gh),
      runTagRelease(repos, repos.checkout(), gh),
    ]);
    expect([a.error, b.error]).toEqual([undefined, undefined]);
    expect(a.outputs.tag).toBe('v1.1.0');
    expect(b.outputs.tag).toBe('v1.1.0');
    expect(repos.remoteTag('v1.1.0')).toBe(repos.head());
    // Both pushed; one push won, the other was refused and found the same commit.
    expect(
      repos.argv().match(/git push --porcelain origin refs\/tags\/v1\.1\.0:refs\/tags\/v1\.1\.0/g),
    ).toHaveLength(2);
    const said = [a, b].map((r) => [
      /Pushed v1\.1\.0\./.test(r.stdout),
      /v1\.1\.0 is already at/.test(r.stdout),
    ]);
    expect(said.filter(([pushed]) => pushed)).toHaveLength(1);
    expect(said.filter(([, present]) => present)).toHaveLength(1);
    // One release: one create won, the other got 422 already_exists and updated it.
    expect(gh.releases).toHaveLength(1);
    expect(
      gh.requests
        .filter((q) => q.method === 'POST')
        .map((q) => q.status)
        .sort(),
    ).toEqual([201, 422]);
    expect(gh.violations).toEqual([]);
    for (const r of [a, b]) expect(r.leaks(tokenForms())).toEqual([]);
  });
});

describe('tag-release move-major', () => {
  let repos: Repos;
  let gh: GitHubStandIn;

  reposPerTest((made) => ({ repos, gh } = made), changeAfterV100('fix: second', { v1: 'annotated' }));

  test('moves v1 (and v1.0) to the commit as lightweight tags; an rc moves nothing', async () => {
    const rc = await runTagRelease(repos, repos.checkout(), gh, { mode: 'rc', 'move-major': 'true' });
    expect(rc.error).toBeUndefined();
    expect(repos.remoteTag('v1')).toBe(repos.head('HEAD~1'));

    const r = await runTagRelease(repos, repos.checkout(), gh, {
      'move-major': 'true',
      'move-minor': 'true',
    });
    expect(r.error).toBeUndefined();
    expect(r.outputs.tag).toBe('v1.0.1');
    expect(repos.remoteTag('v1')).toBe(repos.head());
    expect(repos.remoteTagType('v1')).toBe('commit');
    expect(repos.remoteTag('v1.0')).toBe(repos.head());
    expect(repos.remoteTagType('v1.0')).toBe('commit');
    expect(r.summary).toContain('Moved `v1`');
  });

  test('refuses to move a v1 that carries a GitHub Release', async () => {
    gh.addRelease({ tag_name: 'v1' });
    const r = await runTagRelease(repos, repos.checkout(), gh, { 'move-major': 'true' });
    expect(r.exitCode).toBe(1);
    expect(r.error).toMatch(/v1 has a GitHub Release attached.*move-major: false/);
    expect(repos.remoteTag('v1')).toBe(repos.head('HEAD~1'));
    // The tag and the release were done before the refusal: results says so.
    expect(JSON.parse(r.outputs.results!)).toMatchObject({
      status: 'failed',
      done: { tag: 'pushed', release: 'created', moved: [] },
    });
    expect(gh.violations).toEqual([]);
  });

  test('a ruleset refusal is explained', async () => {
    // The remote refuses v1 the way GitHub's rulesets answer a push (GH013), from a real hook.
    const hook = path.join(repos.remote, 'hooks', 'pre-receive');
    fs.writeFileSync(
      hook,
      '#!/bin/sh\nwhile read old new ref; do\n  if [ "$ref" = refs/tags/v1 ]; then\n' +
        '    echo "error: GH013: Repository rule violations found for refs/tags/v1." >&2\n' +
        '    echo "- Cannot update this protected ref." >&2\n    exit 1\n  fi\ndone\n',
      { mode: 0o755 },
    );
    const r = await runTagRelease(repos, repos.checkout(), gh, { 'move-major': 'true' });
    expect(r.exitCode).toBe(1);
    expect(r.error).toMatch(/ruleset refused the update of refs\/tags\/v1.*bypass list/);
    // The outputs and the summary still say how far it got.
    expect(r.outputs).toMatchObject({
      tag: 'v1.0.1',
      'release-url': 'https://github.com/example/app/releases/tag/v1.0.1',
    });
    expect(r.summary).toContain('(created)');
    // The release itself went out; a rerun after fixing the ruleset only moves v1.
    expect(repos.remoteTag('v1.0.1')).toBe(repos.head());
    fs.rmSync(hook);
    const rerun = await runTagRelease(repos, repos.checkout(), gh, { 'move-major': 'true' });
    expect(rerun.error).toBeUndefined();
    expect(repos.remoteTag('v1')).toBe(repos.head());
    expect(gh.releases).toHaveLength(1);
  });

  test('a missing workflows permission is explained', async () => {
    const hook = path.join(repos.remote, 'hooks', 'pre-receive');
    fs.writeFileSync(
      hook,
      "#!/bin/sh\necho '! [remote rejected] refusing to allow a GitHub App to create or update workflow `.github/workflows/ci.yml` without `workflows` permission' >&2\nexit 1\n",
      { mode: 0o755 },
    );
    const r = await runTagRelease(repos, repos.checkout(), gh, { 'move-major': 'true' });
    expect(r.exitCode).toBe(1);
    expect(r.error).toMatch(/lacks the `workflows` permission/);
  });
});
