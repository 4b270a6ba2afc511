import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readGitContext } from '../../../actions/build-images/src/git-context';

/** A real git repository with a commit, a tag and an origin/HEAD, like actions/checkout leaves. */
function repo(): { dir: string; sha: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bi-git-'));
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', ...args], {
      cwd: dir,
      encoding: 'utf8',
    }).trim();
  git('init', '-q', '-b', 'trunk');
  fs.writeFileSync(path.join(dir, 'f'), 'x');
  git('add', 'f');
  git('commit', '-q', '-m', 'init');
  git('tag', 'v1.4.0');
  git('update-ref', 'refs/remotes/origin/trunk', 'HEAD');
  git('symbolic-ref', 'refs/remotes/origin/HEAD', 'refs/remotes/origin/trunk');
  return { dir, sha: git('rev-parse', 'HEAD') };
}

describe('git context', () => {
  test('without runner variables, git supplies ref (tag first), sha and the default branch', async () => {
    const { dir, sha } = repo();
    expect(await readGitContext({}, dir)).toEqual({
      eventName: '',
      ref: 'refs/tags/v1.4.0',
      sha,
      defaultBranch: 'trunk',
    });
  });

  test('runner variables and the event payload win; PR number from the payload', async () => {
    const { dir } = repo();
    const event = path.join(dir, 'event.json');
    fs.writeFileSync(
      event,
      JSON.stringify({ pull_request: { number: 9 }, repository: { default_branch: 'main' } }),
    );
    const ctx = await readGitContext(
      {
        GITHUB_EVENT_NAME: 'pull_request',
        GITHUB_EVENT_PATH: event,
        GITHUB_REF: 'refs/pull/9/merge',
        GITHUB_SHA: 'f'.repeat(40),
        GITHUB_SERVER_URL: 'https://github.com',
        GITHUB_REPOSITORY: 'Org/App',
      },
      dir,
    );
    expect(ctx).toEqual({
      eventName: 'pull_request',
      ref: 'refs/pull/9/merge',
      sha: 'f'.repeat(40),
      defaultBranch: 'main',
      prNumber: 9,
      repositoryUrl: 'https://github.com/Org/App',
      repository: 'Org/App',
    });
  });

  test('outside a repository with no variables: empty, not an error', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bi-nogit-'));
    expect(await readGitContext({}, dir)).toEqual({ eventName: '', ref: '', sha: '' });
  });
});
