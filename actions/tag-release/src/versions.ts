import * as semver from 'semver';
import type { Bump } from './commits';

export interface Tag {
  name: string;
  /** The commit the tag points to (annotated tags resolved to their commit). */
  commit: string;
}

export interface VersionTag extends Tag {
  version: semver.SemVer;
}

export type PreMajor = 'minor' | 'major';

/** `v1.2.3` → 1.2.3 for prefix `v`; anything else (other prefixes, `latest`, `v1`, `1.2`) is not a version tag. */
export function versionOf(name: string, prefix: string): semver.SemVer | undefined {
  if (!name.startsWith(prefix)) return undefined;
  const rest = name.slice(prefix.length);
  // semver.parse takes `v1.2.3` as 1.2.3: with prefix '' that tag is not one of ours.
  if (!/^\d/.test(rest)) return undefined;
  const parsed = semver.parse(rest, { loose: false });
  return parsed && parsed.raw === rest ? parsed : undefined;
}

export function versionTags(tags: readonly Tag[], prefix: string): VersionTag[] {
  const out: VersionTag[] = [];
  for (const tag of tags) {
    const version = versionOf(tag.name, prefix);
    if (version) out.push({ ...tag, version });
  }
  return out.sort((a, b) => semver.rcompare(a.version, b.version));
}

export const isFinal = (t: VersionTag): boolean => t.version.prerelease.length === 0;

/** `rc.N` → N; other pre-releases (beta.1, rc1) are not ours and count for nothing. */
export function rcNumber(version: semver.SemVer): number | undefined {
  const [label, n, ...rest] = version.prerelease;
  return label === 'rc' && typeof n === 'number' && rest.length === 0 ? n : undefined;
}

export const coreOf = (v: semver.SemVer): string => `${v.major}.${v.minor}.${v.patch}`;

/** Newest final version tag among `tags` (already semver-sorted, newest first). */
export function newestFinal(tags: readonly VersionTag[]): VersionTag | undefined {
  return tags.find(isFinal);
}

/**
 * The version after `base` for `bump`. While the major is 0 a breaking change bumps the minor by
 * default (SemVer §4: 0.y.z may change at any time), unless `pre-major: major` says to go to 1.0.0.
 */
export function nextVersion(
  base: semver.SemVer | undefined,
  bump: Bump,
  options: { initialVersion: string; preMajor: PreMajor },
): string | undefined {
  if (bump === 'none') return undefined;
  if (!base) return options.initialVersion;
  const effective = bump === 'major' && base.major === 0 && options.preMajor === 'minor' ? 'minor' : bump;
  return semver.inc(base.version, effective) ?? undefined;
}

/** N for the next `X.Y.Z-rc.N`: one above the highest rc of that version anywhere (any branch). */
export function nextRc(core: string, tags: readonly VersionTag[]): number {
  let highest = 0;
  for (const t of tags) {
    const n = rcNumber(t.version);
    if (n !== undefined && coreOf(t.version) === core) highest = Math.max(highest, n);
  }
  return highest + 1;
}

/** major/minor/patch between two versions (for a resumed or promoted release), by their cores. */
export function bumpBetween(from: semver.SemVer | undefined, to: string): Bump {
  if (!from) return 'minor';
  const target = semver.parse(to) as semver.SemVer;
  if (target.major !== from.major) return 'major';
  if (target.minor !== from.minor) return 'minor';
  if (target.patch !== from.patch) return 'patch';
  return 'none';
}
