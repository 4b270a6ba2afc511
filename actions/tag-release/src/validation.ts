import { mdCode, mdEscape } from '@deploy-kit/shared';
import { isBlockMarker } from './annotate-notes';
import type { Evidence, Json } from './evidence';

/**
 * The release notes' Validation section (the seeds' "Release Gate"): what the pipeline proved
 * about this commit, from the evidence handed in. Pure; every number shown comes from a results
 * output, and a failed or missing piece says so rather than being left out.
 */

export interface Promotion {
  /** The rc this final promotes (same commit). */
  rc: string;
  sha: string;
  /** The Validation lines of the rc's own release notes, when it has them. */
  rcValidation?: string[];
  /** Where the rc was validated, from the environments annotate added to its notes. */
  environments?: string[];
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function outcome(results: Json): string {
  const status = str(results.status) ?? 'unknown';
  const failure = str(results.failure);
  return status === 'passed' ? 'passed' : `**${mdEscape(status)}**${failure ? `: ${mdEscape(failure)}` : ''}`;
}

function seconds(ms: unknown): string {
  const n = num(ms);
  return n === undefined ? '' : ` in ${(n / 1000).toFixed(1)} s`;
}

/** "pytest 205 passed, 0 failed, 0 skipped; coverage 92.08 % ≥ 80 %; black, flake8 passed". */
export function lintGateLine(results: Json): string {
  const gates = isObject(results.gates) ? results.gates : {};
  const parts: string[] = [];
  const pytest = isObject(gates.pytest) ? gates.pytest : undefined;
  if (pytest) {
    const c = isObject(pytest.counts) ? pytest.counts : {};
    parts.push(
      num(c.tests) === undefined
        ? `pytest ${mdEscape(str(pytest.summary) ?? String(pytest.status))}`
        : `pytest ${num(c.passed) ?? 0} passed, ${num(c.failed) ?? 0} failed, ${num(c.skipped) ?? 0} skipped`,
    );
  }
  for (const name of ['coverage', 'diff-coverage']) {
    const gate = gates[name];
    if (isObject(gate)) parts.push(`${name} ${mdEscape(str(gate.summary) ?? String(gate.status))}`);
  }
  const others = Object.entries(gates).filter(([n]) => !['pytest', 'coverage', 'diff-coverage'].includes(n));
  const ok = others.filter(([, g]) => isObject(g) && g.status === 'passed').map(([n]) => n);
  const bad = others.filter(([, g]) => !(isObject(g) && g.status === 'passed'));
  if (ok.length > 0) parts.push(`${ok.join(', ')} passed`);
  for (const [n, g] of bad)
    parts.push(
      `${n} **${isObject(g) ? String(g.status) : 'unknown'}**${isObject(g) && str(g.summary) ? `: ${mdEscape(str(g.summary) as string)}` : ''}`,
    );
  return `- **Release gate** (lint-gate, ${outcome(results)}): ${parts.join('; ') || 'no gate ran'}.`;
}

/** "0 vulnerabilities; accepted: GHSA-… in django 3.2.1 until 2027-01-31 (reason)". */
export function pipAuditLine(results: Json): string {
  const findings = Array.isArray(results.findings) ? results.findings.filter(isObject) : [];
  const count = num(results.vulnerabilityCount);
  const accepted = new Map<string, string>();
  for (const f of findings) {
    const until = str(f.ignoredUntil);
    if (!until) continue;
    const id = str(f.advisory) ?? str(f.id) ?? '?';
    const key = `${id}|${String(f.package)}|${String(f.version)}`;
    const reason = str(f.ignoreReason);
    accepted.set(
      key,
      `${mdCode(id)} in ${mdEscape(`${String(f.package)} ${String(f.version)}`)} until ${mdEscape(until)}${reason ? ` (${mdEscape(reason)})` : ''}`,
    );
  }
  const found =
    count === undefined
      ? 'the audit did not complete'
      : `${count} ${count === 1 ? 'vulnerability' : 'vulnerabilities'}`;
  const rest =
    accepted.size > 0
      ? `; accepted advisories: ${[...accepted.values()].join(', ')}`
      : '; no accepted advisories';
  return `- **Dependency audit** (pip-audit, ${outcome(results)}): ${found}${rest}.`;
}

/** Smoke test: counts and every check by name (journeys marked), failures with their sentence. */
export function smokeLines(results: Json, where: string): string[] {
  const checks = Array.isArray(results.checks) ? results.checks.filter(isObject) : [];
  const passed = num(results.passedCount) ?? checks.filter((c) => c.passed === true).length;
  const total = passed + (num(results.failedCount) ?? checks.filter((c) => c.passed !== true).length);
  const head = `- **Smoke test${where}** (${outcome(results)}): ${passed} of ${total} checks passed${seconds(results.durationMs)}.`;
  const rows = checks.slice(0, 40).map((c) => {
    const kind = c.group === 'journey' ? ' (journey)' : '';
    const failure = str(c.failure);
    return `  - ${c.passed === true ? '✓' : '✗'} ${mdEscape(String(c.name))}${kind}${failure ? `: ${mdEscape(failure)}` : ''}`;
  });
  if (checks.length > 40) rows.push(`  - … and ${checks.length - 40} more`);
  return [head, ...rows];
}

/** remote-deploy's results, or the one-step deploy's (its remote-deploy and smoke-test stages). */
export function deployLines(results: Json, where: string, smokeGiven: boolean): string[] {
  const stages = isObject(results.stages) ? results.stages : {};
  const stageResults = (name: string): Json | undefined => {
    const s = stages[name];
    return isObject(s) && isObject(s.results) ? s.results : undefined;
  };
  const remote = stageResults('remote-deploy') ?? results;
  const hosts = Array.isArray(remote.hosts) ? remote.hosts.filter(isObject) : [];
  const version = str(results.version) ?? str(remote.version);
  const hostList = hosts.map(
    (h) =>
      `${mdEscape(String(h.host))} ${h.status === 'passed' || h.status === 'deployed' ? '✓' : mdEscape(String(h.status))}`,
  );
  const rolledBack =
    results.rolledBack === true ? `; rolled back (${mdEscape(String(results.rollbackReason))})` : '';
  const lines = [
    `- **Deploy${where}** (${outcome(results)}): ${version ? `version ${mdCode(version)}` : 'version unknown'}` +
      `${hosts.length > 0 ? ` on ${hosts.length} host${hosts.length === 1 ? '' : 's'} (${hostList.join(', ')})` : ''}${rolledBack}.`,
  ];
  const smoke = stageResults('smoke-test');
  if (smoke && !smokeGiven) lines.push(...smokeLines(smoke, where));
  return lines;
}

function imageTable(images: Readonly<Record<string, string>>, where: string): string {
  const rows = Object.entries(images)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([service, ref]) => {
      const at = ref.indexOf('@sha256:');
      return `| ${mdEscape(service)} | ${mdCode(at >= 0 ? ref.slice(0, at) : ref)} | ${mdCode(at >= 0 ? ref.slice(at + 1) : 'no digest')} |`;
    });
  // Without an environment the images are the build's (an rc cut from ci's evidence), not a deploy's.
  return [
    where ? `Images deployed${where}:` : 'Images built and pushed for this commit:',
    '',
    '| Service | Image | Digest |',
    '| --- | --- | --- |',
    ...rows,
  ].join('\n');
}

/** The section's entries (each one list item or block); empty when there is nothing to show. */
export function validationItems(evidence: Evidence, promotion?: Promotion): string[] {
  const env = evidence.environment;
  const where = env ? ` in ${mdEscape(env)}` : '';
  const items: string[] = [];
  // Paragraphs and tables stand apart from the list items around them (blank lines), or
  // markdown would read them as the previous item's continuation.
  const validatedIn = env ? [env] : (promotion?.environments ?? []);
  if (promotion)
    items.push(
      `Promoted from **${mdEscape(promotion.rc)}**: the same commit (${mdCode(promotion.sha.slice(0, 12))}), ` +
        `validated${validatedIn.length > 0 ? ` in ${validatedIn.map(mdEscape).join(', ')}` : ' as a release candidate'} before this tag.\n`,
    );
  if (evidence.lintGate) items.push(lintGateLine(evidence.lintGate));
  if (evidence.pipAudit) items.push(pipAuditLine(evidence.pipAudit));
  if (evidence.deploy)
    items.push(deployLines(evidence.deploy, where, evidence.smokeTest !== undefined).join('\n'));
  if (evidence.smokeTest) items.push(smokeLines(evidence.smokeTest, where).join('\n'));
  if (evidence.images && Object.keys(evidence.images).length > 0)
    items.push(`\n${imageTable(evidence.images, where)}\n`);
  if (promotion?.rcValidation && promotion.rcValidation.length > 0)
    items.push(
      ['', `As ${mdEscape(promotion.rc)} (from its release notes):`, '', ...promotion.rcValidation].join(
        '\n',
      ),
    );
  return items;
}

/** The Validation section of a release's notes (as tag-release writes it), or undefined. */
export function extractValidation(notes: string): string[] | undefined {
  const m = /^### Validation\n([\s\S]*?)(?=\n### |\n\*\*Full changelog|$(?![\s\S]))/m.exec(notes);
  if (!m) return undefined;
  // The annotate mode's block markers stay behind: the lines between them are carried.
  const lines = (m[1] as string)
    .replace(/\r/g, '')
    .split('\n')
    .filter((l) => !isBlockMarker(l))
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()
    .split('\n');
  return lines.length > 0 && lines[0] !== '' ? lines : undefined;
}
