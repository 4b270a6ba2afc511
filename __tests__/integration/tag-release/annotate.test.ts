import { GitHubStandIn } from '@deploy-kit/harness';
import { DEPLOY, LINT_GATE, PIP_AUDIT, SMOKE_TEST } from '../../fixtures/tag-release/evidence';
import { Repos, runTagRelease, TOKEN, tokenForms } from './repo';

// Issue 21: mode annotate through the committed bundle, against real git and the REST stand-in.
// The staging deploy of v1.1.0-rc.1 adds its evidence to that rc's notes (a rerun changes
// nothing), promote carries it into v1.1.0's; annotate never touches what is not an rc's release.

const STAGING = `environment: staging\ndeploy: ${JSON.stringify(DEPLOY)}\nsmoke-test: ${JSON.stringify(SMOKE_TEST)}`;

describe('tag-release mode annotate', () => {
  let repos: Repos;
  let gh: GitHubStandIn;

  beforeEach(async () => {
    repos = new Repos();
    gh = await GitHubStandIn.start({ token: TOKEN });
    repos.commit('feat: first');
    repos.tag('v1.0.0');
    repos.commit('feat: export notes as PDF');
    repos.push();
  });
  afterEach(async () => {
    expect(gh.violations).toEqual([]);
    await gh.close();
    repos.cleanup();
  });

  const body = (tag: string): string => gh.releases.find((r) => r.tag_name === tag)?.body ?? '';

  test('rc with CI evidence → annotate from its staging deploy (twice) → promote carries both', async () => {
    const ci = `lint-gate: ${JSON.stringify(LINT_GATE)}\npip-audit: ${JSON.stringify(PIP_AUDIT)}`;
    expect(
      (await runTagRelease(repos, repos.checkout(), gh, { mode: 'rc', evidence: ci })).error,
    ).toBeUndefined();
    const cut = body('v1.1.0-rc.1');

    const ws = repos.checkout({ ref: 'v1.1.0-rc.1' });
    const first = await runTagRelease(repos, ws, gh, { mode: 'annotate', evidence: STAGING });
    expect(first.error).toBeUndefined();
    expect(first.outputs).toMatchObject({ tag: 'v1.1.0-rc.1', version: '1.1.0-rc.1', bump: 'none' });
    expect(JSON.parse(first.outputs.results ?? '{}')).toMatchObject({
      status: 'passed',
      mode: 'annotate',
      done: { tag: 'present', release: 'updated' },
    });
    const annotated = body('v1.1.0-rc.1');
    expect(first.outputs.notes).toBe(annotated);
    expect(annotated).toMatch(/^### Validation\n- \*\*Release gate\*\* \(lint-gate, passed\)/);
    expect(annotated).toContain('- **Deploy in staging** (passed): version `sha-0123abc` on 2 hosts');
    expect(annotated).toContain('- **Smoke test in staging** (passed): 3 of 3 checks passed in 2.4 s.');
    // Everything the cut wrote is still there, below the section.
    expect(annotated).toContain(cut.slice(cut.indexOf('### Features')));
    expect(gh.releases.find((r) => r.tag_name === 'v1.1.0-rc.1')?.prerelease).toBe(true);
    expect(repos.remoteTags()).toEqual(['v1.0.0', 'v1.1.0-rc.1']);

    const again = await runTagRelease(repos, ws, gh, { mode: 'annotate', evidence: STAGING });
    expect(JSON.parse(again.outputs.results ?? '{}')).toMatchObject({ done: { release: 'unchanged' } });
    expect(body('v1.1.0-rc.1')).toBe(annotated);

    const promoted = await runTagRelease(repos, ws, gh, { mode: 'promote' });
    expect(promoted.error).toBeUndefined();
    const final = body('v1.1.0');
    expect(final).toContain(
      'As v1.1.0-rc.1 (from its release notes):\n\n- **Release gate** (lint-gate, passed)',
    );
    expect(final).toContain('- **Smoke test in staging** (passed): 3 of 3 checks passed in 2.4 s.');
    expect(final).not.toContain('<!--');
    expect(again.leaks(tokenForms())).toEqual([]);
  });

  test('refused, nothing changed: HEAD without an rc tag, a final, an rc release that is not a pre-release', async () => {
    // main (no rc on it)
    const onMain = await runTagRelease(repos, repos.checkout(), gh, { mode: 'annotate', evidence: STAGING });
    expect(onMain.exitCode).toBe(1);
    expect(onMain.error).toContain('carries no release candidate tag (vX.Y.Z-rc.N)');
    // a final's tag
    gh.addRelease({ tag_name: 'v1.0.0', body: 'final notes' });
    const onFinal = await runTagRelease(repos, repos.checkout({ ref: 'v1.0.0' }), gh, {
      mode: 'annotate',
      evidence: STAGING,
    });
    expect(onFinal.error).toContain('carries no release candidate tag');
    expect(body('v1.0.0')).toBe('final notes');
    // an rc whose release someone turned into a full release
    await runTagRelease(repos, repos.checkout(), gh, { mode: 'rc' });
    const rc = gh.releases.find((r) => r.tag_name === 'v1.1.0-rc.1');
    if (rc) rc.prerelease = false;
    const before = body('v1.1.0-rc.1');
    const notPre = await runTagRelease(repos, repos.checkout({ ref: 'v1.1.0-rc.1' }), gh, {
      mode: 'annotate',
      evidence: STAGING,
    });
    expect(notPre.error).toContain("v1.1.0-rc.1's GitHub Release is not marked pre-release");
    expect(JSON.parse(notPre.outputs.results ?? '{}')).toMatchObject({ status: 'failed' });
    expect(body('v1.1.0-rc.1')).toBe(before);
    expect(gh.requests.filter((r) => r.method === 'PATCH')).toEqual([]);
  });
});
