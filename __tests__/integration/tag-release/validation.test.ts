import * as fs from 'node:fs';
import * as path from 'node:path';
import { GitHubStandIn } from '@deploy-kit/harness';
import {
  DEPLOY,
  DIGEST,
  IMAGES,
  LINT_GATE,
  PIP_AUDIT,
  SMOKE_TEST,
} from '../../fixtures/tag-release/evidence';
import { firstRelease, Repos, reposPerTest, runTagRelease, tokenForms } from './repo';

// Issue 21 item 4: the pipeline's evidence in the release notes, through the committed bundle,
// against real git and the REST stand-in (validated against @octokit/openapi): the rc's notes
// carry CI's evidence and staging's; the promoted final names the rc and what ran there.

describe('tag-release Validation section', () => {
  let repos: Repos;
  let gh: GitHubStandIn;

  reposPerTest((made) => ({ repos, gh } = made), firstRelease);

  test('rc with CI evidence, then promote with staging evidence (a downloaded file): the final names the rc', async () => {
    repos.commit('feat: export notes as PDF');
    repos.push();
    const evidence = [
      `lint-gate: ${JSON.stringify(LINT_GATE)}`,
      `pip-audit: ${JSON.stringify(PIP_AUDIT)}`,
    ].join('\n');
    const rc = await runTagRelease(repos, repos.checkout(), gh, { mode: 'rc', evidence });
    expect(rc.error).toBeUndefined();
    const rcBody = gh.releases.find((r) => r.tag_name === 'v1.1.0-rc.1')?.body ?? '';
    expect(rcBody).toMatch(
      /^### Validation\n- \*\*Release gate\*\* \(lint-gate, passed\): pytest 205 passed, 0 failed, 0 skipped; coverage 92\.08 % ≥ 80 %/,
    );
    expect(rcBody).toContain('accepted advisories: `GHSA-xxxx-yyyy-zzzz` in django 3.2.25 until 2027-01-31');

    // The staging deploy's results reach the promote job as an artifact (a file in the checkout).
    const ws = repos.checkout({ ref: 'v1.1.0-rc.1' });
    fs.mkdirSync(path.join(ws, 'evidence'));
    fs.writeFileSync(path.join(ws, 'evidence', 'deploy.json'), JSON.stringify(DEPLOY));
    const promoted = await runTagRelease(repos, ws, gh, {
      mode: 'promote',
      evidence: `environment: staging\ndeploy: evidence/deploy.json\nimages: ${JSON.stringify(IMAGES)}`,
    });
    expect(promoted.error).toBeUndefined();
    expect(promoted.outputs.tag).toBe('v1.1.0');
    const final = gh.releases.find((r) => r.tag_name === 'v1.1.0')?.body ?? '';
    expect(final).toMatch(
      /^### Validation\nPromoted from \*\*v1\.1\.0-rc\.1\*\*: the same commit \(`[0-9a-f]{12}`\), validated in staging before this tag\.\n/,
    );
    expect(final).toContain(
      '- **Deploy in staging** (passed): version `sha-0123abc` on 2 hosts (web1 ✓, web2 ✓).',
    );
    expect(final).toContain('- **Smoke test in staging** (passed): 3 of 3 checks passed in 2.4 s.');
    expect(final).toContain('  - ✓ log in, write, download (journey)');
    expect(final).toContain(`| web | \`registry.example.com/notes/web:sha-0123abc\` | \`${DIGEST}\` |`);
    // What ran when the rc was cut, from the rc's own notes.
    expect(final).toContain(
      'As v1.1.0-rc.1 (from its release notes):\n\n- **Release gate** (lint-gate, passed)',
    );
    expect(final).toContain('### Features');
    expect(promoted.outputs.notes).toBe(final);
    expect(promoted.leaks(tokenForms())).toEqual([]);
  });

  test('a smoke test that failed is shown as failed, and a bad evidence input tags nothing', async () => {
    repos.commit('fix: paging');
    repos.push();
    const failed = {
      ...SMOKE_TEST,
      status: 'failed',
      failure: 'log in, write, download: body type: expected PDF, saw HTML',
      passedCount: 2,
      failedCount: 1,
    };
    const dry = await runTagRelease(repos, repos.checkout(), gh, {
      mode: 'rc',
      'dry-run': 'true',
      evidence: `environment: staging\nsmoke-test: '${JSON.stringify(failed)}'`,
    });
    expect(dry.error).toBeUndefined();
    expect(dry.outputs.notes).toContain(
      '- **Smoke test in staging** (**failed**: log in, write, download: body type: expected PDF, saw HTML): 2 of 3 checks passed in 2.4 s.',
    );
    const bad = await runTagRelease(repos, repos.checkout(), gh, {
      mode: 'rc',
      evidence: 'smoke-test: nowhere.json',
    });
    expect(bad.exitCode).toBe(1);
    expect(bad.error).toContain("'evidence' smoke-test: cannot read nowhere.json (ENOENT)");
    expect(JSON.parse(bad.outputs.results ?? '{}')).toMatchObject({ status: 'invalid-input' });
    expect(repos.remoteTag('v1.0.1-rc.1')).toBeUndefined();
  });
});
