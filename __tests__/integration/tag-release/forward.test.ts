import { GitHubStandIn, type Handler } from '@deploy-kit/harness';
import {
  changeAfterV100,
  firstRelease,
  holdFirstPushUntilSecond,
  Repos,
  reposPerTest,
  runTagRelease,
  tokenForms,
} from './repo';

// Issue 18 C4, C5, C7 through the committed bundle, against real git and the validated REST
// stand-in: two runs at once both end green; `v1` and "Latest" only ever move forward; a revert
// of an unreleased change takes the change out of the release.

describe('tag-release: two runs at once moving v1 (issue 18 C4)', () => {
  let repos: Repos;
  let gh: GitHubStandIn;

  reposPerTest((made) => ({ repos, gh } = made), changeAfterV100('feat: second', { v1: 'lightweight' }));

  test('both runs push v1 from the same old value in the same moment: both green, one end state', async () => {
    // A real race, made certain: the remote's pre-receive hook holds the first push of v1 until
    // the second has arrived (a FIFO, no sleeps), so both runs read v1 at v1.0.0 and push it from
    // there. One update lands; git refuses the other ("cannot lock ref 'refs/tags/v1': is at …
    // but expected …"), which must re-read the remote and find v1 where it wanted it.
    holdFirstPushUntilSecond(repos, ' refs/tags/v1$');
    const [a, b] = await Promise.all([
      runTagRelease(repos, repos.checkout(), gh, { 'move-major': 'true' }),
      runTagRelease(repos, repos.checkout(), gh, { 'move-major': 'true' }),
    ]);
    expect([a.error, b.error]).toEqual([undefined, undefined]);
    expect([a.exitCode, b.exitCode]).toEqual([0, 0]);
    // The race happened: both runs pushed v1, from the same old value.
    expect(repos.argv().match(/git push --porcelain .*refs\/tags\/v1( |$)/gm)).toHaveLength(2);
    // The same end state for both: one tag, one release (latest), v1 at the release's commit.
    const head = repos.head();
    expect(repos.remoteTag('v1.1.0')).toBe(head);
    expect(repos.remoteTag('v1')).toBe(head);
    expect(repos.remoteTagType('v1')).toBe('commit');
    expect(gh.releases).toHaveLength(1);
    expect(gh.latestReleaseId).toBe(gh.releases[0]!.id);
    const moved = [a, b].map((r) => JSON.parse(r.outputs.results!).done.moved[0].outcome).sort();
    expect(moved).toEqual(['moved', 'unchanged']);
    expect(gh.violations).toEqual([]);
    for (const r of [a, b]) expect(r.leaks(tokenForms())).toEqual([]);
  });
});

describe('tag-release: v1 and "Latest" only move forward (issue 18 C5)', () => {
  let repos: Repos;
  let gh: GitHubStandIn;

  reposPerTest((made) => ({ repos, gh } = made));

  test('a backport v1.4.1 on release/1.4 after v1.5.0: v1 stays on v1.5.0, v1.4 moves, v1.5.0 stays Latest', async () => {
    repos.commit('feat: search');
    repos.tag('v1.4.0');
    repos.tag('v1.4', 'HEAD', false);
    repos.git(repos.author, 'branch', 'release/1.4');
    repos.commit('feat: export');
    repos.push();
    const inputs = { 'move-major': 'true', 'move-minor': 'true' };
    const v150 = await runTagRelease(repos, repos.checkout(), gh, inputs);
    expect(v150.error).toBeUndefined();
    expect(v150.outputs.tag).toBe('v1.5.0');
    const main = repos.head();
    expect(repos.remoteTag('v1')).toBe(main);
    const latest = gh.releases.find((r) => r.tag_name === 'v1.5.0')!;
    expect(gh.latestReleaseId).toBe(latest.id);

    // The backport: a fix on release/1.4, released from that branch.
    repos.git(repos.author, 'checkout', '--quiet', 'release/1.4');
    const fix = repos.commit('fix: search paging');
    repos.push();
    const r = await runTagRelease(repos, repos.checkout({ ref: 'release/1.4' }), gh, inputs);
    expect(r.error).toBeUndefined();
    expect(r.outputs).toMatchObject({ tag: 'v1.4.1', 'previous-tag': 'v1.4.0', bump: 'patch' });
    expect(repos.remoteTag('v1.4.1')).toBe(fix);
    // v1 stays on the newer v1.5.0; v1.4 moves forward to the backport.
    expect(repos.remoteTag('v1')).toBe(main);
    expect(repos.remoteTag('v1.4')).toBe(fix);
    // The backport's release is published, not Latest: v1.5.0 keeps it.
    const backport = gh.releases.find((x) => x.tag_name === 'v1.4.1')!;
    expect(backport).toMatchObject({ draft: false, prerelease: false, make_latest: 'false' });
    expect(gh.latestReleaseId).toBe(latest.id);
    const results = JSON.parse(r.outputs.results!);
    expect(results.done.moved).toEqual([
      { name: 'v1', outcome: 'kept', newer: 'v1.5.0' },
      { name: 'v1.4', outcome: 'moved' },
    ]);
    expect(results.done.latest).toBe(false);
    expect(r.stdout).toContain('v1 stays at v1.5.0, which is newer than v1.4.1');
    expect(r.stdout).toContain('not marked Latest: v1.5.0 is newer');
    expect(r.summary).toMatch(/Moved `v1`.*kept: v1\.5\.0 is newer/);

    // A rerun of the backport changes nothing of that.
    const rerun = await runTagRelease(repos, repos.checkout({ ref: 'release/1.4' }), gh, inputs);
    expect(rerun.error).toBeUndefined();
    expect(repos.remoteTag('v1')).toBe(main);
    expect(gh.latestReleaseId).toBe(latest.id);
    expect(gh.violations).toEqual([]);
  });

  test('a newer release published while the backport publishes its own keeps Latest: it is given back', async () => {
    repos.commit('feat: search');
    repos.tag('v1.4.0');
    repos.git(repos.author, 'branch', 'release/1.4');
    repos.commit('feat: export');
    repos.tag('v1.5.0'); // another run is releasing it right now
    repos.git(repos.author, 'checkout', '--quiet', 'release/1.4');
    repos.commit('fix: search paging');
    repos.push();
    // That run's release lands between the backport's look at the releases and its create, and
    // the backport's create (make_latest: true, as it saw no newer release) takes Latest from it.
    const routes = (gh as unknown as { routes: Map<string, Handler> }).routes;
    const create = routes.get('post /repos/{owner}/{repo}/releases')!;
    let newer: number | undefined;
    gh.route('post', '/repos/{owner}/{repo}/releases', (req) => {
      if (newer === undefined) {
        newer = gh.addRelease({ tag_name: 'v1.5.0', make_latest: 'true' }).id;
        gh.latestReleaseId = newer;
      }
      return create(req);
    });
    const r = await runTagRelease(repos, repos.checkout({ ref: 'release/1.4' }), gh);
    expect(r.error).toBeUndefined();
    expect(r.outputs.tag).toBe('v1.4.1');
    expect(r.stdout).toContain('v1.5.0 was released meanwhile and is newer: Latest given back to it.');
    expect(gh.latestReleaseId).toBe(newer);
    expect(JSON.parse(r.outputs.results!).done.latest).toBe(false);
    expect(gh.violations).toEqual([]);
  });

  test('the dry run of a backport says so in its steps', async () => {
    repos.commit('feat: search');
    repos.tag('v1.4.0');
    repos.git(repos.author, 'branch', 'release/1.4');
    repos.commit('feat: export');
    repos.tag('v1.5.0');
    repos.git(repos.author, 'checkout', '--quiet', 'release/1.4');
    repos.commit('fix: search paging');
    repos.push();
    const r = await runTagRelease(repos, repos.checkout({ ref: 'release/1.4' }), gh, {
      'move-major': 'true',
      'dry-run': 'true',
    });
    expect(r.error).toBeUndefined();
    const steps = JSON.parse(r.outputs.results!).steps;
    expect(steps).toEqual([
      expect.objectContaining({ action: 'push-tag', ref: 'v1.4.1' }),
      expect.objectContaining({
        action: 'create-or-update-release',
        detail: 'not latest if v1.5.0 has a release: it is newer',
      }),
      expect.objectContaining({ action: 'move-tag', ref: 'v1', detail: 'kept: v1.5.0 is newer' }),
    ]);
  });
});

describe('tag-release: reverts (issue 18 C7)', () => {
  let repos: Repos;
  let gh: GitHubStandIn;

  reposPerTest((made) => ({ repos, gh } = made), firstRelease);

  test('a revert of an unreleased feat takes it out: the fix beside it makes a patch, neither is in the notes', async () => {
    const feat = repos.commit('feat: experimental search', { files: { 'search.py': 'x = 1\n' } });
    repos.commit('fix: paging');
    repos.git(repos.author, 'revert', '--no-edit', feat);
    repos.push();
    const r = await runTagRelease(repos, repos.checkout(), gh);
    expect(r.error).toBeUndefined();
    expect(r.outputs).toMatchObject({ tag: 'v1.0.1', bump: 'patch' });
    const notes = r.outputs.notes!;
    expect(notes).toContain('paging');
    expect(notes).not.toContain('experimental search');
    expect(notes).not.toContain('### Features');
  });

  test('a squash-merged revert PR of an unreleased feat PR takes it out too', async () => {
    repos.commit('feat: experimental search (#11)');
    repos.commit('fix: paging (#12)');
    repos.commit('Revert "feat: experimental search (#11)" (#13)\n\nReverts example/app#11');
    repos.push();
    const r = await runTagRelease(repos, repos.checkout(), gh, { 'dry-run': 'true' });
    expect(r.outputs).toMatchObject({ version: '1.0.1', bump: 'patch' });
  });

  test('a revert of a released feat is a patch release listing the revert; only a revert and its feat: nothing', async () => {
    const released = repos.commit('feat: export');
    repos.tag('v1.1.0');
    repos.git(repos.author, 'revert', '--no-edit', released);
    repos.push();
    const r = await runTagRelease(repos, repos.checkout(), gh, { 'dry-run': 'true' });
    expect(r.outputs).toMatchObject({ version: '1.1.1', bump: 'patch' });
    expect(r.outputs.notes).toMatch(/### Reverts\n- feat: export /);

    const feat = repos.commit('feat: unreleased idea');
    repos.git(repos.author, 'revert', '--no-edit', feat);
    repos.tag('v1.1.1', 'HEAD~2');
    repos.push();
    const none = await runTagRelease(repos, repos.checkout(), gh, { 'dry-run': 'true' });
    expect(none.outputs).toMatchObject({ version: '', bump: 'none' });
  });
});
