import type { PipAuditReport } from './audit-report';
import { fixedIn, fixFromList, type FixRecord } from './fixes';
import { normalizeName } from './requirements';
import { severityOf, type Severity, type SeverityRecord } from './severity';
import { locate, type RequirementsTree } from './tree';

/** One vulnerability in one package of one audited source, with everything the outputs need. Pure assembly. */
export interface Finding {
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
        out.push({
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

/** A key that stays the same across runs for the same vulnerability in the same package and file. */
export function findingKey(f: Pick<Finding, 'file' | 'package' | 'id'>): string {
  return `${f.file ?? '(environment)'}|${f.package}|${f.id}`;
}
