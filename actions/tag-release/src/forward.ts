import * as semver from 'semver';
import { isFinal, versionTags } from './versions';

/**
 * `vN`, `vN.M` and GitHub's "Latest" only ever move forward (issue 18 C5): a backport (v1.4.1 cut
 * on release/1.4 after v1.5.0) is released, but `v1` stays on v1.5.0 and v1.5.0 stays Latest.
 * Decided by SemVer against every final version tag there is, not by which run came last.
 */

/** Which versions a floating tag stands for: every final of a major (`v1`), or of a minor (`v1.4`). */
export interface Scope {
  major?: number;
  minor?: number;
}

/** A tag that follows the newest final release of its scope. */
export interface Floating {
  name: string;
  scope: Scope;
}

const inScope = (v: semver.SemVer, scope: Scope): boolean =>
  (scope.major === undefined || v.major === scope.major) &&
  (scope.minor === undefined || v.minor === scope.minor);

/**
 * The newest final version tag of `scope` above `version`, or undefined when `version` is the
 * newest (then the floating tag, or Latest, may move to it).
 */
export function newerFinal(
  names: Iterable<string>,
  prefix: string,
  version: semver.SemVer,
  scope: Scope = {},
): string | undefined {
  const tags = versionTags(
    [...names].map((name) => ({ name, commit: '' })),
    prefix,
  );
  const newest = tags.find((t) => isFinal(t) && inScope(t.version, scope));
  return newest && semver.gt(newest.version, version) ? newest.name : undefined;
}
