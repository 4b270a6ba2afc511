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

/** annotate never plans a version (annotate.ts): it adds validation to the rc on HEAD. */
export type Mode = 'auto' | 'rc' | 'promote' | 'annotate';

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
  /** promote: the rc this final is the same commit as. */
  promotedFrom?: string;
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

/** What every branch of the decision shares: the facts, the reachable tags and the base. */
interface Ctx {
  facts: Facts;
  changesSince: ChangesSince;
  reachable: VersionTag[];
  base: VersionTag | undefined;
  atHead(t: VersionTag): boolean;
}

/** Decide what to release. Pure apart from `changesSince`, which reads commits. */
export async function makePlan(facts: Facts, changesSince: ChangesSince): Promise<Plan> {
  const reachable = facts.tags.filter((t) => facts.merged.has(t.name));
  const ctx: Ctx = {
    facts,
    changesSince,
    reachable,
    base: newestFinal(reachable),
    atHead: (t) => t.commit === facts.head,
  };
  if (facts.mode === 'promote') return promotePlan(ctx);
  if (ctx.base && ctx.atHead(ctx.base)) return headReleasedPlan(ctx, ctx.base);
  if (facts.mode === 'rc') {
    const rcHere = reachable.find(
      (t) =>
        rcNumber(t.version) !== undefined &&
        ctx.atHead(t) &&
        (!ctx.base || t.version.compare(ctx.base.version) > 0),
    );
    if (rcHere) {
      const previousRc = reachable.find(
        (t) =>
          rcNumber(t.version) !== undefined &&
          coreOf(t.version) === coreOf(rcHere.version) &&
          t.version.compare(rcHere.version) < 0,
      );
      return resume(
        ctx,
        rcHere,
        previousRc ?? ctx.base,
        `${rcHere.name} is already on HEAD: completing its release.`,
      );
    }
  }
  return nextPlan(ctx);
}

/** A version already tagged on HEAD: a rerun completes its release (the release, the moved tags). */
async function resume(
  ctx: Ctx,
  tag: VersionTag,
  previous: VersionTag | undefined,
  why: string,
): Promise<Plan> {
  const changes = await ctx.changesSince(previous?.commit);
  const { deciding } = decideBump(changes.changes);
  return {
    mode: ctx.facts.mode,
    sha: ctx.facts.head,
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
}

/** The newest final reachable below `v` (a resumed final's previous release). */
function finalBelow(ctx: Ctx, v: VersionTag): VersionTag | undefined {
  return ctx.reachable.find((t) => isFinal(t) && t.name !== v.name && t.version.compare(v.version) < 0);
}

/** promote: vX.Y.Z on exactly the commit of the newest rc, or a refusal. */
async function promotePlan(ctx: Ctx): Promise<Plan> {
  const { facts, reachable, base, atHead } = ctx;
  const { prefix, head, tags } = facts;
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
  if (promotedHere) {
    const rc = tags.find(
      (t) =>
        rcNumber(t.version) !== undefined &&
        atHead(t) &&
        coreOf(t.version) === promotedHere.name.slice(prefix.length),
    );
    const resumed = await resume(
      ctx,
      promotedHere,
      finalBelow(ctx, promotedHere),
      `${promotedHere.name} is already on HEAD: completing its release.`,
    );
    return { ...resumed, ...(rc ? { promotedFrom: rc.name } : {}) };
  }
  const candidates = reachable.filter(
    (t) => rcNumber(t.version) !== undefined && (!base || t.version.compare(base.version) > 0),
  );
  const newest = candidates[0];
  if (!newest) throw new PolicyFailure(noCandidate(prefix, base));
  if (!atHead(newest)) throw new PolicyFailure(promoteRefusal(newest, head));
  const version = coreOf(newest.version);
  const changes = await ctx.changesSince(base?.commit);
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
    promotedFrom: newest.name,
  };
}

/** HEAD carries the newest final already: auto completes it; rc has nothing to cut. */
async function headReleasedPlan(ctx: Ctx, base: VersionTag): Promise<Plan> {
  if (ctx.facts.mode === 'auto')
    return resume(
      ctx,
      base,
      finalBelow(ctx, base),
      `${base.name} is already on HEAD: completing its release.`,
    );
  return {
    mode: ctx.facts.mode,
    sha: ctx.facts.head,
    bump: 'none',
    prerelease: true,
    resumed: false,
    reason: `HEAD is already released as ${base.name}; there is nothing to cut a candidate from.`,
    deciding: [],
    changes: await ctx.changesSince(ctx.facts.head),
    previousTag: base.name,
    previousCommit: base.commit,
  };
}

/** A new version from the changes since the base: the final (auto) or its next rc. */
async function nextPlan(ctx: Ctx): Promise<Plan> {
  const { facts, base, reachable } = ctx;
  const { head, prefix } = facts;
  const sinceBase = await ctx.changesSince(base?.commit);
  const { bump, deciding } = decideBump(sinceBase.changes);
  const core = nextVersion(base?.version, bump, facts);
  const common = {
    mode: facts.mode,
    sha: head,
    resumed: false,
    deciding,
    previousTag: base?.name,
    previousCommit: base?.commit,
  };
  if (!core)
    return {
      ...common,
      bump: 'none',
      prerelease: facts.mode === 'rc',
      reason: base
        ? `no feat, fix, perf or breaking change since ${base.name}: nothing to release.`
        : 'no feat, fix, perf or breaking change in the history: nothing to release.',
      deciding: [],
      changes: sinceBase,
    };

  const one = deciding.length === 1;
  const reason = base
    ? `${deciding.length} ${one ? 'change' : 'changes'} since ${base.name} ${one ? 'calls' : 'call'} for a ${bump} release.`
    : `first release: ${deciding.length} releasable ${one ? 'change' : 'changes'}, starting at ${facts.initialVersion}.`;
  if (facts.mode === 'auto')
    return {
      ...common,
      bump,
      version: core,
      tag: `${prefix}${core}`,
      prerelease: false,
      reason,
      changes: sinceBase,
    };

  const version = `${core}-rc.${nextRc(core, facts.tags)}`;
  // RC notes compare with the previous rc of the same version, when there is one.
  const previousRc = reachable.find((t) => rcNumber(t.version) !== undefined && coreOf(t.version) === core);
  const previous = previousRc ?? base;
  return {
    ...common,
    bump,
    version,
    tag: `${prefix}${version}`,
    previousTag: previous?.name,
    previousCommit: previous?.commit,
    prerelease: true,
    reason,
    changes: previousRc ? await ctx.changesSince(previousRc.commit) : sinceBase,
  };
}
