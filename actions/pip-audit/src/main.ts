import * as fs from 'node:fs';
import * as path from 'node:path';
import * as core from '@actions/core';
import {
  InputError,
  PolicyFailure,
  setOutputs,
  workspaceRoot,
  writeFileAtomic,
  writeSummary,
} from '@deploy-kit/shared';
import { auditOnce } from './audit';
import { buildFindings, skipped, type Finding, type Source } from './findings';
import { upgradeFor } from './fixes';
import { breaks, describePolicy, type GatePolicy } from './gate';
import { applyIgnores, expiredMessage, parseIgnoreFile } from './ignores';
import { readInputs, type Inputs } from './inputs';
import { DEFAULT_OSV_QUERY_URL, fetchRecords, lookupIds } from './osv';
import {
  bySeverity,
  compareReports,
  summaryMarkdown,
  toReportFinding,
  uniqueActive,
  type Report,
} from './report';
import { fullyPinned, normalizeName, parseRequirements, type RequirementsFile } from './requirements';
import { buildSarif } from './sarif';
import { ensurePipAudit } from './tool';

const ACTION_DIR = path.resolve(path.dirname(process.argv[1] ?? __filename), '..');

function rel(file: string): string {
  return path.relative(workspaceRoot(), file).split(path.sep).join('/');
}

/** A file and everything it pulls in with -r is pinned only if every requirement in all of them is. */
function loadRequirements(
  file: string,
  seen = new Set<string>(),
): { parsed: RequirementsFile; pinned: boolean } {
  seen.add(file);
  const parsed = parseRequirements(fs.readFileSync(file, 'utf8'));
  if (parsed.problems.length > 0) {
    const p = parsed.problems[0]!;
    throw new InputError(
      `'requirements' file ${rel(file)} line ${p.line} ('${p.text}') is not a requirement pip understands; write name==version, one per line.`,
    );
  }
  let pinned = fullyPinned(parsed);
  for (const inc of parsed.includes) {
    const child = path.resolve(path.dirname(file), inc);
    if (seen.has(child) || !fs.existsSync(child)) continue;
    pinned = loadRequirements(child, seen).pinned && pinned;
  }
  return { parsed, pinned };
}

function readPrevious(file: string | undefined): { findings?: { key?: unknown }[] } | undefined {
  if (!file) return undefined;
  if (!fs.existsSync(file)) {
    core.notice(`No previous report at ${rel(file)} (first run?): new/resolved are not computed.`);
    return undefined;
  }
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as { findings?: { key?: unknown }[] };
  } catch {
    throw new InputError(
      `'previous-report' ${rel(file)} is not JSON; give a report this action wrote earlier.`,
    );
  }
}

function annotate(findings: readonly Finding[], breaking: (f: Finding) => boolean): void {
  const groups = new Map<string, Finding[]>();
  for (const f of findings.filter((x) => !x.ignoredUntil)) {
    const key = `${f.file ?? ''}|${f.package}`;
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  for (const group of groups.values()) {
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
    const message = `${first.written} ${first.version}: ${group.length} known vulnerabilit${group.length === 1 ? 'y' : 'ies'}: ${ids.join(', ')}; ${advice}.`;
    const props = first.file
      ? {
          file: first.file,
          startLine: first.line ?? 1,
          title: `pip-audit: ${first.written} ${first.version}`,
        }
      : { title: `pip-audit: ${first.written} ${first.version}` };
    if (group.some(breaking)) core.error(message, props);
    else core.warning(message, props);
  }
}

const started = (pid: number | undefined): void => core.info(`pip-audit started (pid ${pid ?? '?'})`);

async function audit(inputs: Inputs, bin: string): Promise<Source[]> {
  const sources: Source[] = [];
  const reportFile = path.join(process.env.RUNNER_TEMP || workspaceRoot(), 'deploy-kit-pip-audit-run.json');
  const common = {
    bin,
    service: inputs.service,
    osvUrl: inputs.osvUrl,
    requestTimeoutS: inputs.requestTimeoutS,
    timeoutMs: inputs.auditTimeoutMs,
    reportFile,
    cwd: workspaceRoot(),
    python: inputs.python,
  };
  if (inputs.mode === 'environment') {
    const { outcome } = await core.group(`pip-audit: the environment of ${inputs.python}`, () =>
      auditOnce({ pinned: false }, common, `the environment of ${inputs.python}`, started),
    );
    sources.push({ report: outcome.report });
    return sources;
  }
  for (const file of inputs.requirements) {
    const { parsed, pinned } = loadRequirements(file);
    const name = rel(file);
    const { outcome, run } = await core.group(
      `pip-audit: ${name}${pinned ? ' (pinned, audited as written)' : ' (resolved by pip)'}`,
      async () => {
        const result = await auditOnce({ file, pinned }, common, name, started);
        for (const line of result.run.stderr
          .split('\n')
          .filter((l) => l.trim() !== '' && !l.startsWith('WARNING:pip_audit._cli:')))
          core.info(line);
        return result;
      },
    );
    core.info(
      `${name}: ${outcome.kind === 'clean' ? 'no known vulnerabilities' : 'vulnerabilities found'}${run.stdout.trim() ? ` (${run.stdout.trim().split('\n').at(-1)})` : ''}`,
    );
    sources.push({ file: name, parsed, report: outcome.report });
  }
  return sources;
}

export async function main(): Promise<void> {
  const inputs = readInputs();
  const ignores = inputs.ignoreFile
    ? parseIgnoreFile(`ignore-file ${inputs.ignoreFileName}`, fs.readFileSync(inputs.ignoreFile, 'utf8'))
    : [];
  const previous = readPrevious(inputs.previousReport);
  const policy: GatePolicy = {
    failOn: inputs.failOn,
    fixableOnly: inputs.fixableOnly,
    failOnUnknown: inputs.failOnUnknown,
  };

  const bin = await core.group(`pip-audit ${inputs.pipAuditVersion}`, () =>
    ensurePipAudit({ version: inputs.pipAuditVersion, python: inputs.python, actionDir: ACTION_DIR }),
  );
  const sources = await audit(inputs, bin);

  // Severity and fix versions come from the records (own id and aliases), from the service pip-audit used.
  const ids = sources.flatMap((s) =>
    s.report.dependencies.flatMap((d) => (d.vulns ?? []).flatMap((v) => lookupIds(v.id, v.aliases))),
  );
  const lookup =
    ids.length === 0
      ? { records: new Map<string, unknown>(), failures: [] }
      : await core.group(`OSV records for ${new Set(ids).size} id(s)`, async () => {
          const r = await fetchRecords(inputs.osvUrl ?? DEFAULT_OSV_QUERY_URL, ids, {
            timeoutMs: inputs.requestTimeoutS * 1000,
          });
          core.info(`read ${r.records.size} record(s); ${r.failures.length} could not be read`);
          return r;
        });
  if (lookup.failures.length > 0)
    core.warning(
      `Could not read ${lookup.failures.length} OSV record(s) (${lookup.failures.slice(0, 3).join('; ')}); their severity may show as unknown, which ${policy.failOnUnknown ? 'fails' : 'does not fail'} the gate.`,
    );

  const verdict = applyIgnores(buildFindings(sources, lookup.records), ignores, {
    today: new Date().toISOString().slice(0, 10),
    warnDays: inputs.expiryWarningDays,
    normalize: normalizeName,
  });
  const findings: Finding[] = verdict.findings.map(({ finding, ignoredBy, expiredIgnore }) => ({
    ...finding,
    ...(ignoredBy ? { ignoredUntil: ignoredBy.expires, ignoreReason: ignoredBy.reason } : {}),
    ...(expiredIgnore
      ? { expiredIgnore: { expires: expiredIgnore.expires, reason: expiredIgnore.reason } }
      : {}),
  }));
  const breaking = (f: Finding): boolean => breaks(f, policy);
  const notAudited = skipped(sources);

  const reasons: string[] = [];
  const gating = uniqueActive(findings).filter(breaking);
  if (gating.length > 0)
    reasons.push(
      `${gating.length} vulnerabilit${gating.length === 1 ? 'y' : 'ies'} at ${describePolicy(policy)} (${gating
        .slice(0, 5)
        .map((f) => `${f.package} ${f.version} ${f.id}`)
        .join(', ')}${gating.length > 5 ? ', …' : ''})`,
    );
  if (verdict.expired.length > 0) reasons.push(expiredMessage(verdict.expired));
  const staleText = verdict.stale.map((e) => `${e.id} ("${e.reason}")`).join(', ');
  if (verdict.stale.length > 0) {
    const text = `${verdict.stale.length} ignore entr${verdict.stale.length === 1 ? 'y matches' : 'ies match'} no finding and can be removed: ${staleText}`;
    if (inputs.strict) reasons.push(text);
    else core.warning(`${text}.`, inputs.ignoreFile ? { file: inputs.ignoreFileName } : {});
  }
  for (const e of verdict.expiringSoon)
    core.warning(`The ignore for ${e.id} ("${e.reason}") expires on ${e.expires}.`, {
      file: inputs.ignoreFileName,
    });
  if (notAudited.length > 0) {
    const text = `pip-audit could not audit ${notAudited.map((s) => `${s.name} (${s.reason})`).join(', ')}`;
    if (inputs.strict) reasons.push(text);
    else core.warning(`${text}.`);
  }
  const failure = reasons.length > 0 ? reasons.join('; ') : undefined;

  const active = uniqueActive(findings);
  const reportFindings = findings.map((f) => toReportFinding(f, breaking(f)));
  const report: Report = {
    reportVersion: 1,
    generatedAt: new Date().toISOString(),
    pipAudit: inputs.pipAuditVersion,
    passed: failure === undefined,
    vulnerabilities: active.length,
    bySeverity: bySeverity(findings),
    findings: reportFindings,
    stale: verdict.stale,
    expired: verdict.expired,
    expiringSoon: verdict.expiringSoon,
    skipped: notAudited,
  };
  report.changes = compareReports(previous, report);
  writeFileAtomic(inputs.report, JSON.stringify(report, null, 2) + '\n', 0o644);
  if (inputs.sarif) {
    const sarif = buildSarif(findings, { toolVersion: inputs.pipAuditVersion, actionVersion: '1', breaking });
    fs.mkdirSync(path.dirname(inputs.sarif), { recursive: true });
    writeFileAtomic(inputs.sarif, JSON.stringify(sarif, null, 2) + '\n', 0o644);
  }

  annotate(findings, breaking);
  setOutputs({
    vulnerabilities: active.length,
    'by-severity': report.bySeverity,
    fixable: active.filter((f) => f.fixedIn).length,
    report: inputs.report,
    sarif: inputs.sarif ?? '',
    results: reportFindings,
    passed: failure === undefined,
  });
  await writeSummary(summaryMarkdown(report, describePolicy(policy), failure));
  if (failure)
    throw new PolicyFailure(
      failure,
      gating.map((f) => `${f.package} ${f.version} ${f.id}`),
    );
}
