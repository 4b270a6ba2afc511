import { PolicyFailure, ToolError } from '@deploy-kit/shared';
import type { Git } from './git';

/** Named error sentences (unit-tested) for the tag and move-major steps. */

export function tagConflict(tag: string, existing: string, wanted: string): PolicyFailure {
  return new PolicyFailure(
    `${tag} already exists at commit ${existing}, not at ${wanted} (this run's HEAD); ` +
      `a released version never moves: delete ${tag} on purpose if it was cut by mistake, or release a new commit.`,
  );
}

/** Why a host refused a tag push, in words a person can act on; undefined when the refusal is not one we know. */
export function explainRefusal(ref: string, stderr: string): string | undefined {
  if (/without [`']?workflows[`']? permission|workflow[s]? scope/i.test(stderr))
    return (
      `GitHub refused to update ${ref}: the commit touches .github/workflows and the token lacks the ` +
      '`workflows` permission (GITHUB_TOKEN can never have it); pass a GitHub App token with ' +
      '"Workflows: write" or a personal token with the workflow scope as `token`.'
    );
  if (/GH013|rule violations|ruleset/i.test(stderr))
    return (
      `a repository ruleset refused the update of ${ref}: add the token's actor (github-actions[bot] or ` +
      'your GitHub App) to the bypass list of the tag ruleset, or exclude this tag pattern from it.'
    );
  if (/protected (tag|ref|branch)|cannot (update|create|delete) (this )?protected/i.test(stderr))
    return `${ref} is protected on the remote: allow the token's actor to update it, or exclude it from the protection.`;
  return undefined;
}

export function pushFailed(ref: string, stderr: string): Error {
  const known = explainRefusal(ref, stderr);
  if (known) return new PolicyFailure(known);
  const detail = stderr.trim().split('\n').slice(-3).join(' ') || 'no message';
  return new ToolError(`git push of ${ref} failed: ${detail}`);
}

export type TagOutcome = 'pushed' | 'present';

/**
 * An annotated tag at `sha` on the remote, whatever happened before: a tag already there at the
 * same commit is success with nothing done (a rerun, or a run that won a race with this one); at
 * another commit it is a failure that names both. No force, ever.
 */
export async function ensureTag(
  git: Git,
  remote: string,
  tag: string,
  sha: string,
  message: string,
): Promise<TagOutcome> {
  const onRemote = await git.remoteTagCommit(remote, tag);
  if (onRemote) {
    if (onRemote === sha) return 'present';
    throw tagConflict(tag, onRemote, sha);
  }
  const local = await git.tagCommit(tag);
  if (local && local !== sha) throw tagConflict(tag, local, sha);
  if (!local) await git.createAnnotatedTag(tag, sha, message);
  const pushed = await git.push(remote, `refs/tags/${tag}:refs/tags/${tag}`);
  if (pushed.code === 0) return 'pushed';
  // Another run may have pushed the same tag between our look and our push.
  const now = await git.remoteTagCommit(remote, tag);
  if (now === sha) return 'present';
  if (now) throw tagConflict(tag, now, sha);
  throw pushFailed(`refs/tags/${tag}`, pushed.stderr);
}

export type MoveOutcome = 'moved' | 'created' | 'unchanged';

/** Point a floating tag (v1, v1.4) at the release's commit: a lightweight tag on the commit, never the tag object. */
export async function moveFloatingTag(
  git: Git,
  remote: string,
  name: string,
  sha: string,
): Promise<MoveOutcome> {
  const current = await git.remoteTagCommit(remote, name);
  if (current === sha) return 'unchanged';
  const pushed = await git.push(remote, `${sha}:refs/tags/${name}`, { force: true });
  if (pushed.code !== 0) throw pushFailed(`refs/tags/${name}`, pushed.stderr);
  return current ? 'moved' : 'created';
}
