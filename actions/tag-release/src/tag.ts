import { PolicyFailure, ToolError } from '@deploy-kit/shared';
import type { SemVer } from 'semver';
import { newerFinal, type Floating } from './forward';
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

export type MoveOutcome = 'moved' | 'created' | 'unchanged' | 'kept';

export interface Moved {
  outcome: MoveOutcome;
  /** With 'kept': the newer release the floating tag stays for. */
  newer?: string;
}

/** How often a move is tried again after another run moved the same tag between our look and our push. */
export const MOVE_ATTEMPTS = 5;

/**
 * Point a floating tag (v1, v1.4) at the release's commit: a lightweight tag on the commit, never
 * the tag object, and only forward — when a newer final of its scope exists on the remote
 * (a backport), it stays. The push is a compare-and-swap on the value just read
 * (--force-with-lease); when another run moved the tag in between, the remote is read again and
 * the decision made again, so two runs at once both end green with the same end state.
 */
export async function moveFloatingTag(
  git: Git,
  remote: string,
  floating: Floating,
  release: { version: SemVer; prefix: string; sha: string },
): Promise<Moved> {
  const { name } = floating;
  let snapshot = await git.remoteTags(remote);
  for (let attempt = 1; ; attempt++) {
    const current = snapshot.get(name);
    if (current?.commit === release.sha) return { outcome: 'unchanged' };
    const newer = newerFinal(snapshot.keys(), release.prefix, release.version, floating.scope);
    if (newer) return { outcome: 'kept', newer };
    const pushed = await git.push(remote, `${release.sha}:refs/tags/${name}`, {
      lease: { ref: `refs/tags/${name}`, expect: current?.object ?? '' },
    });
    if (pushed.code === 0) return { outcome: current ? 'moved' : 'created' };
    if (explainRefusal(`refs/tags/${name}`, pushed.stderr))
      throw pushFailed(`refs/tags/${name}`, pushed.stderr);
    snapshot = await git.remoteTags(remote);
    // Not a race (the tag is where we read it): the refusal is the answer.
    if (snapshot.get(name)?.object === current?.object || attempt >= MOVE_ATTEMPTS)
      throw pushFailed(`refs/tags/${name}`, pushed.stderr);
  }
}
