import * as fs from 'node:fs';
import * as path from 'node:path';
import { GitHubStandIn, NODE20, NODE24 } from '@deploy-kit/harness';
import { ALICE, BOB, Repos, reposPerTest, runTagRelease, tokenForms } from './repo';

// mode: auto through the committed bundle, against real git and the validated REST stand-in.

describe('tag-release auto', () => {
  let repos: Repos;
  let gh: GitHubStandIn;

  reposPerTest((made) => ({ repos, gh } = made));

  /** v1.2.0 released, then a real cycle of work on top: squash merges, a merge commit, a migration. */
  function history(): { released: string; head: string } {
    repos.commit('feat: first');
    repos.tag('v1.0.0');
    repos.commit('fix: a fix');
    repos.tag('v1.2.0');
    const released = repos.head();
    repos.tag('latest', 'HEAD', false);
    repos.tag('deploy-2026-11-01');
    // A higher version tagged on a branch that never reached main must not be the base.
    repos.git(repos.author, 'checkout', '--quiet', '-b', 'experiment');
    repos.commit('feat: experiment');
    repos.tag('v9.0.0');
    repos.git(repos.author, 'checkout', '--quiet', 'main');
    // A squash merge: PR title as subject, the PR's commits as bullets (one of them a feat).
    repos.commit(
      'fix(api): handle empty payloads (#12)\n\n* fix(api): handle empty payloads\n* feat(api): accept gzip bodies\n* chore: tidy',
      {
        files: {
          'app/orders/migrations/0007_add_status.py': '# migration\n',
          'app/orders/models.py': 'x = 1\n',
        },
      },
    );
    // A feature branch merged with a merge commit: its fix counts once, the merge itself not at all.
    repos.git(repos.author, 'checkout', '--quiet', '-b', 'topic');
    repos.commit('fix(ui): align buttons', { author: BOB });
    repos.git(repos.author, 'checkout', '--quiet', 'main');
    repos.commit('docs: readme');
    repos.gitAs(
      ALICE,
      repos.author,
      'merge',
      '--no-ff',
      '--quiet',
      '-m',
      'Merge pull request #13 from example/topic\n\nfeat: this merge body is not a change',
      'topic',
    );
    repos.commit('not a conventional subject');
    repos.push();
    return { released, head: repos.head() };
  }

  test.each([
    ['node24', NODE24],
    ['node20', NODE20],
  ])(
    'on %s: tags the next minor from the newest reachable tag, publishes deploy-aware notes, leaks no token',
    async (_label, node) => {
      const { released, head } = history();
      const ws = repos.checkout();
      const configBefore = fs.readFileSync(path.join(ws, '.git', 'config'), 'utf8');
      const images = JSON.stringify({
        web: 'registry.example.org/app/web:1.3.0@sha256:' + 'a'.repeat(64),
        worker: 'registry.example.org/app/worker:1.3.0',
      });
      const r = await runTagRelease(repos, ws, gh, { images }, { node });
      expect(r.error).toBeUndefined();
      expect(r.exitCode).toBe(0);
      expect(r.outputs).toMatchObject({
        version: '1.3.0',
        tag: 'v1.3.0',
        'previous-tag': 'v1.2.0',
        bump: 'minor',
        sha: head,
        'release-url': 'https://github.com/example/app/releases/tag/v1.3.0',
      });
      // Annotated, on the commit.
      expect(repos.remoteTag('v1.3.0')).toBe(head);
      expect(repos.remoteTagType('v1.3.0')).toBe('tag');
      expect(repos.git(repos.remote, 'for-each-ref', '--format=%(taggername)', 'refs/tags/v1.3.0')).toBe(
        'github-actions[bot]',
      );
      expect(released).not.toBe(head);

      expect(gh.violations).toEqual([]);
      expect(gh.releases).toHaveLength(1);
      const release = gh.releases[0]!;
      expect(release).toMatchObject({
        tag_name: 'v1.3.0',
        target_commitish: head,
        prerelease: false,
        draft: false,
        make_latest: 'true',
      });
      const notes = release.body ?? '';
      expect(notes).toBe(r.outputs.notes);
      // Order: features, fixes, others; then migrations, images, contributors, compare link.
      const order = [
        '### Features',
        '### Fixes',
        '### Other changes',
        '### Database migrations',
        '### Images',
        '### Contributors',
        '**Full changelog:**',
      ];
      const at = order.map((h) => notes.indexOf(h));
      expect(at.every((i) => i >= 0)).toBe(true);
      expect([...at].sort((a, b) => a - b)).toEqual(at);
      expect(notes).toContain('**api:** accept gzip bodies [#12](https://github.com/example/app/pull/12)');
      expect(notes).toContain('**ui:** align buttons');
      expect(notes).toContain('`app/orders/migrations/0007_add_status.py`');
      expect(notes).not.toContain('models.py');
      expect(notes).toContain('`sha256:' + 'a'.repeat(64) + '`');
      expect(notes).toContain('not pushed (no digest)');
      expect(notes).toContain('@alice');
      expect(notes).toContain('Bob Roe');
      expect(notes).toContain('https://github.com/example/app/compare/v1.2.0...v1.3.0');
      expect(notes).not.toContain('this merge body');
      expect(notes.match(/align buttons/g)).toHaveLength(1);

      const results = JSON.parse(r.outputs.results!);
      expect(results).toMatchObject({
        status: 'passed',
        tag: 'v1.3.0',
        dryRun: false,
        done: { tag: 'pushed', release: 'created', releaseUrl: r.outputs['release-url'], moved: [] },
      });
      expect(results.failure).toBeUndefined();
      expect(results.deciding.map((c: { subject: string }) => c.subject)).toEqual(['accept gzip bodies']);
      expect(r.summary).toContain('tag-release: v1.3.0 (minor)');
      expect(r.summary).toContain('accept gzip bodies');

      // The token: masked, never in a command line, never in the clone's config, never seen anywhere.
      expect(r.masks).toEqual(expect.arrayContaining(tokenForms()));
      expect(r.leaks(tokenForms())).toEqual([]);
      expect(repos.argv()).toContain('git push');
      expect(repos.argv()).not.toContain('RUNNER FILE VARIABLES SEEN');
      for (const form of tokenForms()) expect(repos.argv()).not.toContain(form);
      expect(fs.readFileSync(path.join(ws, '.git', 'config'), 'utf8')).toBe(configBefore);
    },
  );

  test('no releasable commit: bump none, nothing tagged or published, and the step succeeds', async () => {
    repos.commit('feat: first');
    repos.tag('v0.4.0');
    repos.commit('docs: typo');
    repos.commit('chore(deps): bump things');
    repos.push();
    const r = await runTagRelease(repos, repos.checkout(), gh);
    expect(r.exitCode).toBe(0);
    expect(r.outputs).toMatchObject({
      bump: 'none',
      version: '',
      tag: '',
      'previous-tag': 'v0.4.0',
      'release-url': '',
    });
    expect(repos.remoteTags()).toEqual(['v0.4.0']);
    expect(gh.requests).toEqual([]);
    expect(r.summary).toContain('nothing to release');
  });

  test('a breaking change bumps the minor while the major is 0 (pre-major: minor), the major with pre-major: major', async () => {
    repos.commit('feat: first');
    repos.tag('v0.4.2');
    repos.commit(
      'refactor(db): rename columns\n\nBREAKING-CHANGE: run manage.py migrate before starting workers',
    );
    repos.push();
    const dry = await runTagRelease(repos, repos.checkout(), gh, { 'dry-run': 'true' });
    expect(dry.outputs).toMatchObject({ version: '0.5.0', bump: 'major' });
    const r = await runTagRelease(repos, repos.checkout(), gh, { 'pre-major': 'major' });
    expect(r.outputs).toMatchObject({ version: '1.0.0', bump: 'major' });
    const notes = gh.releases[0]!.body ?? '';
    expect(notes.indexOf('### ⚠ Breaking changes and upgrade notes')).toBe(0);
    expect(notes).toContain('run manage.py migrate before starting workers');
    expect(gh.violations).toEqual([]);
  });

  test("tag-prefix: '' releases unprefixed tags (1.2.0 → 1.3.0), and moves 1, not v1", async () => {
    repos.commit('feat: first');
    repos.tag('1.2.0');
    // Another scheme's tag on the same commit: not a version tag when there is no prefix.
    repos.tag('v9.9.9');
    repos.commit('feat: second');
    repos.push();
    const r = await runTagRelease(repos, repos.checkout(), gh, { 'tag-prefix': '', 'move-major': 'true' });
    expect(r.error).toBeUndefined();
    expect(r.outputs).toMatchObject({
      version: '1.3.0',
      tag: '1.3.0',
      'previous-tag': '1.2.0',
      bump: 'minor',
    });
    expect(repos.remoteTag('1.3.0')).toBe(repos.head());
    expect(repos.remoteTag('1')).toBe(repos.head());
    expect(repos.remoteTags()).toEqual(['1', '1.2.0', '1.3.0', 'v9.9.9']);
    expect(gh.releases[0]!.body).toContain('compare/1.2.0...1.3.0');
  });

  test('body prose is not breaking: only `!` or an upper-case BREAKING CHANGE footer is (the spec)', async () => {
    repos.commit('feat: first');
    repos.tag('v1.4.0');
    repos.commit(
      'fix(api): handle empty payloads (#12)\n\n* fix(api): handle empty payloads\n\nBreaking change: none',
    );
    repos.commit('fix: keep the old setting name\n\nbreaking change avoided by keeping the alias');
    repos.push();
    const patch = await runTagRelease(repos, repos.checkout(), gh, { 'dry-run': 'true', token: '' });
    expect(patch.error).toBeUndefined();
    expect(patch.outputs).toMatchObject({ version: '1.4.1', bump: 'patch' });
    expect(patch.outputs.notes).not.toContain('Breaking changes');
    repos.commit('refactor(db): rename columns\n\nBREAKING CHANGE: run manage.py migrate first');
    repos.push();
    const major = await runTagRelease(repos, repos.checkout(), gh, { 'dry-run': 'true', token: '' });
    expect(major.outputs).toMatchObject({ version: '2.0.0', bump: 'major' });
    expect(major.outputs.notes).toContain('run manage.py migrate first');
  });

  test('every tag is read (no 100-tag ceiling) and sorted as SemVer, not as text', async () => {
    repos.commit('feat: first');
    // 150 tags on one commit, created out of order; v0.1.149 is the newest by SemVer, v0.1.99 by text.
    for (let i = 149; i >= 0; i--) repos.tag(`v0.1.${(i * 7) % 150}`, 'HEAD', false);
    repos.commit('fix: after many tags');
    repos.push();
    const r = await runTagRelease(repos, repos.checkout(), gh, { 'dry-run': 'true', token: '' });
    expect(r.error).toBeUndefined();
    expect(r.outputs).toMatchObject({ 'previous-tag': 'v0.1.149', version: '0.1.150' });
  });

  test('bad input fails with one sentence naming the input, before any git or API call', async () => {
    repos.commit('feat: first');
    repos.push();
    const mode = await runTagRelease(repos, repos.checkout(), gh, { mode: 'final' });
    expect(mode.exitCode).toBe(1);
    expect(mode.error).toBe("Invalid input: 'mode' must be one of auto, rc, promote, annotate, got 'final'.");
    expect(JSON.parse(mode.outputs.results!)).toEqual({ status: 'invalid-input', failure: mode.error });
    const notRepo = await runTagRelease(repos, fs.mkdtempSync(path.join(repos.root, 'empty-')), gh);
    expect(notRepo.error).toMatch(
      /'working-directory' \(.*\) is not a git repository; run actions\/checkout with fetch-depth: 0 first\.$/,
    );
    expect(JSON.parse(notRepo.outputs.results!)).toEqual({
      status: 'invalid-input',
      failure: notRepo.error,
      dryRun: false,
    });
    const images = await runTagRelease(repos, repos.checkout(), gh, { images: '["web"]' });
    expect(images.error).toMatch(/'images' must be build-images' images output/);
    expect(gh.requests).toEqual([]);
    expect(repos.argv()).not.toContain('git push');
  });

  test('first release with no tag at all starts at initial-version', async () => {
    repos.commit('feat: hello');
    repos.push();
    const r = await runTagRelease(repos, repos.checkout(), gh, { 'initial-version': '1.0.0' });
    expect(r.outputs).toMatchObject({ version: '1.0.0', tag: 'v1.0.0', 'previous-tag': '' });
    expect(gh.releases[0]!.body).toContain('https://github.com/example/app/commits/v1.0.0');
  });

  test('a shallow checkout is deepened: the base tag far below depth 1 is found', async () => {
    repos.commit('feat: first');
    repos.tag('v2.1.0');
    for (let i = 0; i < 5; i++) repos.commit(`docs: page ${i}`);
    repos.commit('fix: last');
    repos.push();
    const ws = repos.checkout({ depth: 1 });
    expect(repos.git(ws, 'rev-parse', '--is-shallow-repository')).toBe('true');
    const r = await runTagRelease(repos, ws, gh, { 'dry-run': 'true' });
    expect(r.error).toBeUndefined();
    expect(r.outputs).toMatchObject({ version: '2.1.1', 'previous-tag': 'v2.1.0', bump: 'patch' });
  });

  test('a shallow checkout that cannot be deepened fails with the fetch-depth: 0 sentence', async () => {
    repos.commit('feat: first');
    repos.tag('v2.1.0');
    repos.commit('fix: last');
    repos.push();
    const ws = repos.checkout({ depth: 1 });
    repos.git(ws, 'remote', 'set-url', 'origin', path.join(repos.root, 'gone.git'));
    const r = await runTagRelease(repos, ws, gh);
    expect(r.exitCode).toBe(1);
    expect(r.error).toMatch(/shallow.*`fetch-depth: 0`/);
  });

  test('dry run outputs the whole plan and changes nothing (also on Node 20)', async () => {
    history();
    const r = await runTagRelease(
      repos,
      repos.checkout(),
      gh,
      { 'dry-run': 'true', 'move-major': 'true' },
      { node: NODE20 },
    );
    expect(r.exitCode).toBe(0);
    const plan = JSON.parse(r.outputs.results!);
    expect(plan).toMatchObject({
      status: 'passed',
      dryRun: true,
      version: '1.3.0',
      tag: 'v1.3.0',
      previousTag: 'v1.2.0',
      bump: 'minor',
      prerelease: false,
    });
    expect(plan.steps.map((s: { action: string; ref: string }) => `${s.action} ${s.ref}`)).toEqual([
      'push-tag v1.3.0',
      'create-or-update-release v1.3.0',
      'move-tag v1',
    ]);
    expect(plan.notes).toContain('### Features');
    expect(plan.done).toBeUndefined();
    expect(r.stdout).toContain('"create-or-update-release"');
    expect(repos.remoteTag('v1.3.0')).toBeUndefined();
    expect(repos.remoteTag('v1')).toBeUndefined();
    expect(gh.requests).toEqual([]);
    expect(r.outputs['release-url']).toBe('');
    expect(repos.argv()).not.toMatch(/git (push|tag -a)/);
  });
});
