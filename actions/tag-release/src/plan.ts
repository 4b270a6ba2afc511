import { PolicyFailure } from '@deploy-kit/shared';
import { decideBump, type Bump, type Change, type Classified } from './commits';
import {
  bumpBetween,
  coreOf,
  isFinal,
  newestFinal,
  nextRc,
  nextVersion,
  rcNumber,
  type PreMajor,
  type VersionTag,
} from './versions';

export type Mode = 'auto' | 'rc' | 'promote';

export interface Facts {
  mode: Mode;
  prefix: string;
  initialVersion: string;
  preMajor: PreMajor;
  head: string;
  /** Every version tag of the repository, newest first (rc numbers are unique across branches). */
  tags: readonly VersionTag[];
  /** Names of the tags reachable from HEAD (`git tag --merged HEAD`). */
  merged: ReadonlySet<string>;
}

/** The changes between a commit (exclusive; undefined = the root) and HEAD. */
export type ChangesSince = (from: string | undefined) => Promise<Classified>;

export interface Plan {
  mode: Mode;
  sha: string;
  bump: Bump;
  version?: string;
  tag?: string;
  previousTag?: string;
  /** The commit the notes start after (the previous tag's commit). */
  previousCommit?: string;
  prerelease: boolean;
  /** True when HEAD already carries this version's tag: a rerun completing an earlier run. */
  resumed: boolean;
  /** Why this version, in one sentence. */
  reason: string;
  /** The changes that decided the bump. */
  deciding: Change[];
  /** The changes the release notes list (previous tag..HEAD). */
  changes: Classified;
}

const short = (sha: string): string => sha.slice(0, 12);

export function promoteRefusal(rc: VersionTag, head: string): string {
  return (
    `HEAD ${short(head)} is not the commit of the newest release candidate ${rc.name} (${short(rc.commit)}); ` +
    `promote tags only a commit that was validated as an rc: run the workflow on ${rc.name} ` +
    `(or cut a new rc of this commit with mode: rc first).`
  );
}

export function noCandidate(prefix: string, base: VersionTag | undefined): string {
  return (
    `there is no release candidate to promote: no ${prefix}X.Y.Z-rc.N tag newer than ` +
    `${base ? base.name : 'any final release'} is reachable from HEAD; cut one with mode: rc first.`
  );
}

/** Decide what to release. Pure apart from `changesSince`, which reads commits. */
export async function makePlan(facts: Facts, changesSince: ChangesSince): Promise<Plan> {
  const { tags, merged, head, prefix } = facts;
  const reachable = tags.filter((t) => merged.has(t.name));
  const base = newestFinal(reachable);
  const atHead = (t: VersionTag): boolean => t.commit === head;
  const finalsBelow = (v: VersionTag): VersionTag | undefined =>
    reachable.find((t) => isFinal(t) && t.name !== v.name && t.version.compare(v.version) < 0);

  const resume = async (tag: VersionTag, previous: VersionTag | undefined, why: string): Promise<Plan> => {
    const changes = await changesSince(previous?.commit);
    const { deciding } = decideBump(changes.changes);
    return {
      mode: facts.mode,
      sha: head,
      bump: bumpBetween(previous?.version, coreOf(tag.version)),
      version: tag.version.version,
      tag: tag.name,
      previousTag: previous?.name,
      previousCommit: previous?.commit,
      prerelease: !isFinal(tag),
      resumed: true,
      reason: why,
      deciding,
      changes,
    };
  };

  if (facts.mode === 'promote') {
    const promotedHere = reachable.find(
      (t) =>
        isFinal(t) &&
        atHead(t) &&
        tags.some(
          (rc) =>
            rcNumber(rc.version) !== undefined &&
            atHead(rc) &&
            coreOf(rc.version) === t.name.slice(prefix.length),
        ),
    );
    if (promotedHere)
      return resume(
        promotedHere,
        finalsBelow(promotedHere),
        `${promotedHere.name} is already on HEAD: completing its release.`,
      );
    const candidates = reachable.filter(
      (t) => rcNumber(t.version) !== undefined && (!base || t.version.compare(base.version) > 0),
    );
    const newest = candidates[0];
    if (!newest) throw new PolicyFailure(noCandidate(prefix, base));
    if (!atHead(newest)) throw new PolicyFailure(promoteRefusal(newest, head));
    const version = coreOf(newest.version);
    const changes = await changesSince(base?.commit);
    const { deciding } = decideBump(changes.changes);
    return {
      mode: 'promote',
      sha: head,
      bump: bumpBetween(base?.version, version),
      version,
      tag: `${prefix}${version}`,
      previousTag: base?.name,
      previousCommit: base?.commit,
      prerelease: false,
      resumed: false,
      reason: `${newest.name} was validated; ${prefix}${version} goes on the same commit.`,
      deciding,
      changes,
    };
  }

  if (base && atHead(base)) {
    if (facts.mode === 'auto')
      return resume(base, finalsBelow(base), `${base.name} is already on HEAD: completing its release.`);
    const none = await changesSince(head);
    return {
      mode: facts.mode,
      sha: head,
      bump: 'none',
      prerelease: true,
      resumed: false,
      reason: `HEAD is already released as ${base.name}; there is nothing to cut a candidate from.`,
      deciding: [],
      changes: none,
      previousTag: base.name,
      previousCommit: base.commit,
    };
  }

  if (facts.mode === 'rc') {
    const rcHere = reachable.find(
      (t) => rcNumber(t.version) !== undefined && atHead(t) && (!base || t.version.compare(base.version) > 0),
    );
    if (rcHere) {
      const previousRc = reachable.find(
        (t) =>
          rcNumber(t.version) !== undefined &&
          coreOf(t.version) === coreOf(rcHere.version) &&
          t.version.compare(rcHere.version) < 0,
      );
      return resume(rcHere, previousRc ?? base, `${rcHere.name} is already on HEAD: completing its release.`);
    }
  }

  const sinceBase = await changesSince(base?.commit);
  const { bump, deciding } = decideBump(sinceBase.changes);
  const core = nextVersion(base?.version, bump, facts);
  if (!core)
    return {
      mode: facts.mode,
      sha: head,
      bump: 'none',
      prerelease: facts.mode === 'rc',
      resumed: false,
      reason: base
        ? `no feat, fix, perf or breaking change since ${base.name}: nothing to release.`
        : 'no feat, fix, perf or breaking change in the history: nothing to release.',
      deciding: [],
      changes: sinceBase,
      previousTag: base?.name,
      previousCommit: base?.commit,
    };

  const one = deciding.length === 1;
  const reason = base
    ? `${deciding.length} ${one ? 'change' : 'changes'} since ${base.name} ${one ? 'calls' : 'call'} for a ${bump} release.`
    : `first release: ${deciding.length} releasable ${one ? 'change' : 'changes'}, starting at ${facts.initialVersion}.`;
  if (facts.mode === 'auto')
    return {
      mode: 'auto',
      sha: head,
      bump,
      version: core,
      tag: `${prefix}${core}`,
      previousTag: base?.name,
      previousCommit: base?.commit,
      prerelease: false,
      resumed: false,
      reason,
      deciding,
      changes: sinceBase,
    };

  const n = nextRc(core, tags);
  const version = `${core}-rc.${n}`;
  // RC notes compare with the previous rc of the same version, when there is one.
  const previousRc = reachable.find((t) => rcNumber(t.version) !== undefined && coreOf(t.version) === core);
  const previous = previousRc ?? base;
  return {
    mode: 'rc',
    sha: head,
    bump,
    version,
    tag: `${prefix}${version}`,
    previousTag: previous?.name,
    previousCommit: previous?.commit,
    prerelease: true,
    resumed: false,
    reason,
    deciding,
    changes: previousRc ? await changesSince(previousRc.commit) : sinceBase,
  };
}
