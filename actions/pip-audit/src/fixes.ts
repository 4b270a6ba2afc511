import { compare, gt, gte, valid } from '@renovatebot/pep440';
import { normalizeName } from './requirements';

/**
 * The first release that fixes a vulnerability for the installed version, read
 * from the OSV record's ECOSYSTEM ranges: the lowest `fixed` event above the
 * version, on the branch that contains it. pip-audit's own `fix_versions`
 * compares package names without normalising (a record for "Django" yields none
 * for "django") and keeps only one branch, so the record is read here.
 */

export interface FixRecord {
  affected?: {
    package?: { ecosystem?: string; name?: string };
    ranges?: { type: string; events: Record<string, string>[] }[];
  }[];
}

export function fixedIn(records: readonly FixRecord[], name: string, version: string): string | undefined {
  if (!valid(version)) return undefined;
  const wanted = normalizeName(name);
  const candidates: string[] = [];
  for (const record of records)
    for (const affected of record.affected ?? []) {
      const pkg = affected.package;
      if (pkg?.ecosystem !== 'PyPI' || !pkg.name || normalizeName(pkg.name) !== wanted) continue;
      for (const range of affected.ranges ?? []) {
        if (range.type !== 'ECOSYSTEM') continue;
        const events = range.events.flatMap((e) => Object.entries(e)).map(([kind, at]) => ({ kind, at }));
        // The branch holding the version: the nearest introduced at or below it, and the first fix above that.
        const introduced = events
          .filter((e) => e.kind === 'introduced' && (e.at === '0' || (valid(e.at) && gte(version, e.at))))
          .map((e) => (e.at === '0' ? '0' : e.at))
          .sort((a, b) => (a === '0' ? -1 : b === '0' ? 1 : compare(a, b)))
          .at(-1);
        if (introduced === undefined) continue;
        const fix = events
          .filter((e) => e.kind === 'fixed' && valid(e.at) && gt(e.at, version))
          .map((e) => e.at)
          .sort(compare)[0];
        if (fix) candidates.push(fix);
      }
    }
  return candidates.sort(compare)[0];
}

/** Pick the fix from pip-audit's list when no record was readable: the lowest version above the installed one. */
export function fixFromList(versions: readonly string[], version: string): string | undefined {
  if (!valid(version)) return undefined;
  return versions.filter((v) => valid(v) && gt(v, version)).sort(compare)[0];
}

/** The pin that fixes every listed vulnerability that has a fix: the highest of the per-vulnerability fixes. */
export function upgradeFor(fixes: readonly (string | undefined)[]): string | undefined {
  return fixes
    .filter((f): f is string => f !== undefined)
    .sort(compare)
    .at(-1);
}
