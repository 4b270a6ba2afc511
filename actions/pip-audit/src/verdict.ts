import * as core from '@actions/core';
import { buildFindings, skipped, type Finding, type Source } from './findings';
import { breaks, describePolicy, type GatePolicy } from './gate';
import { applyIgnores, expiredMessage, type IgnoreEntry, type IgnoreVerdict } from './ignores';
import type { IndexCheck, UnknownPin } from './index-check';
import { uniqueActive } from './report';
import { normalizeName } from './requirements';

/**
 * The gate's verdict: the findings with the ignores applied, and why the run fails the policy
 * (findings at the gate, expired ignores; with 'strict', stale ignores and packages pip-audit
 * could not audit). What only warns is printed as a warning here.
 */

export interface VerdictOptions {
  policy: GatePolicy;
  strict: boolean;
  warnDays: number;
  /** The ignore file as the annotations name it (workspace-relative), when there is one. */
  ignoreFile?: string;
  today?: string;
  /** The pins checked against the package index, when they were. */
  index?: IndexCheck;
  indexCheck?: 'fail' | 'warn' | 'off';
}

export interface Verdict {
  findings: Finding[];
  breaking: (f: Finding) => boolean;
  ignores: Omit<IgnoreVerdict<Finding>, 'findings'>;
  notAudited: { file?: string; name: string; reason: string }[];
  /** Pins the package index does not know (no such package, version, or file with the given hash). */
  unknownPins: UnknownPin[];
  /** Findings that fail the gate, one per package + version + id. */
  gating: Finding[];
  /** Why the policy failed, one sentence; undefined when it passed. */
  failure?: string;
}

function withIgnores(verdict: IgnoreVerdict<Finding>): Finding[] {
  return verdict.findings.map(({ finding, ignoredBy, expiredIgnore }) => ({
    ...finding,
    ...(ignoredBy ? { ignoredUntil: ignoredBy.expires, ignoreReason: ignoredBy.reason } : {}),
    ...(expiredIgnore
      ? { expiredIgnore: { expires: expiredIgnore.expires, reason: expiredIgnore.reason } }
      : {}),
  }));
}

function gateReason(gating: readonly Finding[], policy: GatePolicy): string {
  const listed = gating
    .slice(0, 5)
    .map((f) => `${f.package} ${f.version} ${f.id}`)
    .join(', ');
  return `${gating.length} vulnerabilit${gating.length === 1 ? 'y' : 'ies'} at ${describePolicy(policy)} (${listed}${gating.length > 5 ? ', …' : ''})`;
}

/** A reason that fails the run under 'strict' and only warns otherwise. */
function strictOrWarn(reasons: string[], strict: boolean, text: string, where: { file?: string } = {}): void {
  if (strict) reasons.push(text);
  else core.warning(`${text}.`, where);
}

/** The index check's part of the verdict: unknown pins fail ('index-check: fail') or warn, each annotated at its line. */
function judgeIndex(reasons: string[], options: VerdictOptions): UnknownPin[] {
  const { index } = options;
  if (!index) return [];
  const problems = index.problems;
  if (problems.length > 0)
    strictOrWarn(
      reasons,
      options.strict,
      `the package index could not be asked about ${problems.length} package(s) (${problems.slice(0, 3).join('; ')}), so whether it has their pins is not known`,
    );
  const unknown = index.unknown;
  const fails = options.indexCheck === 'fail';
  for (const u of unknown) {
    const props = {
      title: `pip-audit: ${u.name}==${u.version}`,
      ...(u.file ? { file: u.file, startLine: u.line ?? 1 } : {}),
    };
    const text = `${u.name}==${u.version} is not on the package index: ${u.reason}; nothing is known about its vulnerabilities.`;
    if (fails) core.error(text, props);
    else core.warning(text, props);
  }
  if (unknown.length > 0 && fails)
    reasons.push(
      `${unknown.length} pin${unknown.length === 1 ? '' : 's'} the package index does not know (${unknown
        .slice(0, 5)
        .map(
          (u) => `${u.name}==${u.version}${u.file ? ` at ${u.file} line ${u.line ?? 1}` : ''}: ${u.reason}`,
        )
        .join(', ')}${unknown.length > 5 ? ', …' : ''})`,
    );
  return unknown;
}

export function judge(
  sources: readonly Source[],
  records: ReadonlyMap<string, unknown>,
  entries: readonly IgnoreEntry[],
  options: VerdictOptions,
): Verdict {
  const applied = applyIgnores(buildFindings(sources, records), entries, {
    today: options.today ?? new Date().toISOString().slice(0, 10),
    warnDays: options.warnDays,
    normalize: normalizeName,
  });
  const findings = withIgnores(applied);
  const breaking = (f: Finding): boolean => breaks(f, options.policy);
  const notAudited = skipped(sources);
  const gating = uniqueActive(findings).filter(breaking);
  const where = options.ignoreFile ? { file: options.ignoreFile } : {};

  const reasons: string[] = [];
  if (gating.length > 0) reasons.push(gateReason(gating, options.policy));
  if (applied.expired.length > 0) reasons.push(expiredMessage(applied.expired));
  const { stale } = applied;
  if (stale.length > 0)
    strictOrWarn(
      reasons,
      options.strict,
      `${stale.length} ignore entr${stale.length === 1 ? 'y matches' : 'ies match'} no finding and can be removed: ${stale.map((e) => `${e.id} ("${e.reason}")`).join(', ')}`,
      where,
    );
  for (const e of applied.expiringSoon)
    core.warning(`The ignore for ${e.id} ("${e.reason}") expires on ${e.expires}.`, where);
  if (notAudited.length > 0)
    strictOrWarn(
      reasons,
      options.strict,
      `pip-audit could not audit ${notAudited.map((s) => `${s.name} (${s.reason})`).join(', ')}`,
    );
  const unknownPins = judgeIndex(reasons, options);
  return {
    findings,
    breaking,
    ignores: { stale, expired: applied.expired, expiringSoon: applied.expiringSoon },
    notAudited,
    unknownPins,
    gating,
    failure: reasons.length > 0 ? reasons.join('; ') : undefined,
  };
}
