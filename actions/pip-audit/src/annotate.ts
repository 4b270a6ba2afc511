import * as core from '@actions/core';
import type { Finding } from './findings';
import { upgradeFor } from './fixes';

/** One annotation per vulnerable pin (file + package), at its requirements line: an error when it fails the gate. */

function message(group: readonly Finding[]): string {
  const first = group[0]!;
  const upgrade = upgradeFor(group.map((f) => f.fixedIn));
  const unfixed = group.filter((f) => !f.fixedIn).map((f) => f.id);
  const ids = group.map(
    (f) =>
      `${f.id} (${f.severity.level}${f.severity.score !== undefined ? ` ${f.severity.score.toFixed(1)}` : ''})`,
  );
  const advice = upgrade
    ? `upgrade to ${first.written}==${upgrade}${unfixed.length ? `; no fix yet for ${unfixed.join(', ')}` : ''}`
    : 'no fixed release is known';
  return `${first.written} ${first.version}: ${group.length} known vulnerabilit${group.length === 1 ? 'y' : 'ies'}: ${ids.join(', ')}; ${advice}.`;
}

export function annotate(findings: readonly Finding[], breaking: (f: Finding) => boolean): void {
  const groups = new Map<string, Finding[]>();
  for (const f of findings.filter((x) => !x.ignoredUntil)) {
    const key = `${f.file ?? ''}|${f.package}`;
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  for (const group of groups.values()) {
    const first = group[0]!;
    const title = `pip-audit: ${first.written} ${first.version}`;
    const props = first.file ? { file: first.file, startLine: first.line ?? 1, title } : { title };
    if (group.some(breaking)) core.error(message(group), props);
    else core.warning(message(group), props);
  }
}
