import type { PipAuditReport } from './audit-report';
import { fixedIn, fixFromList, type FixRecord } from './fixes';
import { normalizeName } from './requirements';
import { severityOf, type Severity, type SeverityRecord } from './severity';
import { locate, type RequirementsTree } from './tree';

/** One vulnerability in one package of one audited source, with everything the outputs need. Pure assembly. */
export interface Finding {
  /** The stable identity of the advisory (canonicalId of the whole alias set): keys, SARIF rules and fingerprints. */
  advisory: string;
  /** The id pip-audit reported it under this time (may change when the database adds an alias record). */
  id: string;
  aliases: string[];
  /** PEP 503 normalised name (as pip-audit reports it). */
  package: string;
  /** The name as the requirements file writes it, for the suggested pin. */
  written: string;
  version: string;
  /** Workspace-relative requirements file, undefined when auditing an environment. */
  file?: string;
  line?: number;
  description: string;
  severity: Severity;
  fixedIn?: string;
  ignoredUntil?: string;
  ignoreReason?: string;
  /** Set when an ignore entry matched but had expired. */
  expiredIgnore?: { expires: string; reason: string };
}

export interface Source {
  /** Workspace-relative path, or undefined for the environment. */
  file?: string;
  /** The file and its includes, to place each finding at the line that pins it. */
  tree?: RequirementsTree;
  report: PipAuditReport;
}

/** Records for a finding, own id first, then aliases, in the order given. */
function recordsFor(
  ids: readonly string[],
  records: ReadonlyMap<string, unknown>,
): (SeverityRecord & FixRecord)[] {
  return ids.map((id) => records.get(id)).filter((r): r is SeverityRecord & FixRecord => r !== undefined);
}

export function buildFindings(sources: readonly Source[], records: ReadonlyMap<string, unknown>): Finding[] {
  const out: Finding[] = [];
  for (const source of sources)
    for (const dep of source.report.dependencies) {
      if (!dep.version) continue;
      const req = source.tree ? locate(source.tree, dep.name) : undefined;
      for (const v of dep.vulns ?? []) {
        const recs = recordsFor([v.id, ...v.aliases], records);
        // pip-audit already drops withdrawn records from the query; a record read since then may say so too.
        if (recs.some((r) => r.id === v.id && (r as SeverityRecord).withdrawn)) continue;
        const known = recs.flatMap((r) => [
          r.id,
          ...(((r as { aliases?: unknown }).aliases as string[]) ?? []),
        ]);
        out.push({
          advisory: canonicalId([v.id, ...v.aliases, ...known.filter((x) => typeof x === 'string')]),
          id: v.id,
          // pip-audit keeps aliases in a set: sorted here so reports and fingerprints do not churn.
          aliases: [...v.aliases].sort(),
          package: normalizeName(dep.name),
          written: req?.written ?? dep.name,
          version: dep.version,
          file: req?.file ?? source.file,
          line: req?.line,
          description: (v.description ?? '').trim(),
          severity: severityOf(recs),
          fixedIn: fixedIn(recs, dep.name, dep.version) ?? fixFromList(v.fix_versions, dep.version),
        });
      }
    }
  return out;
}

/** Packages pip-audit could not audit (not on the index, a URL requirement, ...), with its reason. */
export function skipped(sources: readonly Source[]): { file?: string; name: string; reason: string }[] {
  return sources.flatMap((s) =>
    s.report.dependencies
      .filter((d) => d.skip_reason !== undefined)
      .map((d) => ({ file: s.file, name: d.name, reason: d.skip_reason as string })),
  );
}

const PREFERRED = ['CVE-', 'GHSA-', 'PYSEC-'];

/**
 * One id for an advisory, chosen from its whole alias set the same way every time, so it does not
 * change when the database adds an alias record (week 1 the Django advisory comes back as
 * CVE-2022-28346, week 2 as PYSEC-2022-190 with the CVE among its aliases): the CVE id when there
 * is one (every database that carries an advisory names its CVE), else the GHSA id, else the
 * PYSEC id, else any other; within a kind the lowest (ids compared upper-cased).
 */
export function canonicalId(ids: readonly string[]): string {
  // Compared upper-cased, written as the database spells it (GHSA ids are lower-case after the prefix).
  const byUpper = new Map<string, string>();
  for (const id of ids.map((x) => x.trim()).filter((x) => x !== ''))
    if (!byUpper.has(id.toUpperCase())) byUpper.set(id.toUpperCase(), id);
  const kind = (id: string): number => {
    const at = PREFERRED.findIndex((p) => id.startsWith(p));
    return at < 0 ? PREFERRED.length : at;
  };
  const first = [...byUpper.keys()].sort((a, b) => kind(a) - kind(b) || (a < b ? -1 : a > b ? 1 : 0))[0];
  return first === undefined ? '' : (byUpper.get(first) as string);
}

/** A key that stays the same across runs for the same advisory in the same package and file (whatever id pip-audit used). */
export function findingKey(f: Pick<Finding, 'file' | 'package' | 'advisory'>): string {
  return `${f.file ?? '(environment)'}|${f.package}|${f.advisory}`;
}
