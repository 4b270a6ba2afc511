/**
 * The leak scan (issue 14 A7) through tag-release's committed bundle. Its one secret is the
 * `token` input, which goes to git (as an http extraheader in the environment) and to the GitHub
 * REST stand-in (as `Authorization: token ...`). A run takes one token, so every shape is its own
 * pair of runs, a few at a time: a success against a stand-in that accepts the token (a shape that
 * HTTP cannot carry in a header fails instead, which is a failure path of its own), and a failure
 * against a stand-in that answers 401. Scanned: the log as the runner masks it, the outputs, the
 * summary, annotations, RUNNER_TEMP, the checkout (.git/config included), every git command line,
 * and what reached the stand-in (the release notes). Zero hits.
 */
import { filesUnder, GitHubStandIn, type RunActionResult } from '@deploy-kit/harness';
import { Repos, runTagRelease } from '../tag-release/repo';
import { headerSafe, inBatches, scanRuns } from './helpers';
import { secretShapes } from './shapes';

jest.setTimeout(180_000);

const shapes = secretShapes();

interface Run {
  result: RunActionResult;
  files: Record<string, string>;
}

/** One release of a fresh repository with `token`, against a stand-in that accepts `accepted`. */
async function release(token: string, accepted: string): Promise<Run> {
  const repos = new Repos();
  const gh = await GitHubStandIn.start({ token: accepted });
  try {
    repos.commit('feat: first');
    repos.push();
    const ws = repos.checkout();
    const result = await runTagRelease(repos, ws, gh, { token });
    const files = {
      ...filesUnder(ws),
      'git argv': repos.argv(),
      'stand-in releases': JSON.stringify(gh.releases),
    };
    return { result, files };
  } finally {
    await gh.close();
    repos.cleanup();
  }
}

test('tag-release, every shape as the token, accepted and refused (401): zero hits', async () => {
  expect(shapes.length).toBeGreaterThanOrEqual(40);
  const runs: Record<string, Run & { secrets: string[] }> = {};
  await inBatches([...shapes.entries()], 4, async ([i, shape]) => {
    const [ok, refused] = await Promise.all([release(shape, shape), release(shape, `other-${i}`)]);
    runs[`#${i} accepted`] = { ...ok, secrets: [shape] };
    runs[`#${i} refused`] = { ...refused, secrets: [shape] };
    if (headerSafe(shape)) {
      expect(ok.result.error).toBeUndefined();
      expect(ok.result.outputs.tag).toBe('v0.1.0');
    } else expect(ok.result.error).toMatch(/^Invalid input: 'token' holds a line break/);
    // Refused by GitHub's 401 (or, for a token no header carries, by the input check), unquoted.
    expect(refused.result.error).toMatch(
      headerSafe(shape) ? /GitHub rejected the token \(401\)/ : /^Invalid input: 'token' holds a line break/,
    );
  });
  expect(scanRuns(runs)).toEqual([]);
});
