import * as fs from 'node:fs';
import * as path from 'node:path';
import * as core from '@actions/core';
import {
  failureMessage,
  InputError,
  mdEscape,
  mdHeading,
  statusOf,
  writeFileAtomic,
  type ActionError,
  type ResultsEnvelope,
} from '@deploy-kit/shared';
import { describePolicy, type GatePolicy } from './gate';
import {
  bySeverity,
  compareReports,
  summaryMarkdown,
  toReportFinding,
  uniqueActive,
  type PreviousFinding,
  type Report,
  type ReportFinding,
} from './report';
import { buildSarif } from './sarif';
import { rel } from './tree';
import type { Verdict } from './verdict';

/** What the run leaves behind: the JSON report, the SARIF, the outputs and the job summary. */

/** The `results` output: the envelope, then (when the audit completed) the counts and every finding. */
export interface Results extends ResultsEnvelope {
  vulnerabilityCount?: number;
  fixableCount?: number;
  bySeverity?: Record<string, number>;
  findings?: ReportFinding[];
  /** Packages pip-audit could not audit, with its reason. */
  skipped?: Report['skipped'];
  /** Pins the package index does not know. */
  unknownPins?: Report['unknownPins'];
}

export interface Outputs {
  results: Results;
  'vulnerability-count'?: number;
  'fixable-count'?: number;
  'by-severity'?: Record<string, number>;
  report?: string;
  sarif?: string;
}

export type PreviousReport = { findings?: PreviousFinding[] } | undefined;

export function readPrevious(file: string | undefined): PreviousReport {
  if (!file) return undefined;
  if (!fs.existsSync(file)) {
    core.notice(`No previous report at ${rel(file)} (first run?): new/resolved are not computed.`);
    return undefined;
  }
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as PreviousReport;
  } catch {
    throw new InputError(
      `'previous-report' ${rel(file)} is not JSON; give a report this action wrote earlier.`,
    );
  }
}

export interface Written {
  report: Report;
  reportFile: string;
  sarifFile?: string;
}

/** Write the JSON report (always) and the SARIF (when asked). */
export function writeReports(
  verdict: Verdict,
  files: { report: string; sarif?: string; previous: PreviousReport },
  pipAuditVersion: string,
): Written {
  const { findings, breaking } = verdict;
  const report: Report = {
    reportVersion: 1,
    generatedAt: new Date().toISOString(),
    pipAudit: pipAuditVersion,
    passed: verdict.failure === undefined,
    vulnerabilities: uniqueActive(findings).length,
    bySeverity: bySeverity(findings),
    findings: findings.map((f) => toReportFinding(f, breaking(f))),
    ...verdict.ignores,
    skipped: verdict.notAudited,
    unknownPins: verdict.unknownPins,
  };
  report.changes = compareReports(files.previous, report);
  writeFileAtomic(files.report, JSON.stringify(report, null, 2) + '\n', 0o644);
  if (files.sarif) {
    const sarif = buildSarif(findings, { toolVersion: pipAuditVersion, actionVersion: '1', breaking });
    fs.mkdirSync(path.dirname(files.sarif), { recursive: true });
    writeFileAtomic(files.sarif, JSON.stringify(sarif, null, 2) + '\n', 0o644);
  }
  return { report, reportFile: files.report, sarifFile: files.sarif };
}

/** Outputs and summary of an audit that completed (passed, or failed its policy). */
export function auditedOutputs(
  verdict: Verdict,
  written: Written,
  policy: GatePolicy,
  failure: ActionError | undefined,
): { outputs: Outputs; summary: string } {
  const active = uniqueActive(verdict.findings);
  const counts = {
    vulnerabilityCount: active.length,
    fixableCount: active.filter((f) => f.fixedIn).length,
    bySeverity: written.report.bySeverity,
  };
  const results: Results = {
    status: statusOf(failure),
    ...(failure ? { failure: failureMessage(failure) } : {}),
    ...counts,
    findings: written.report.findings,
    skipped: written.report.skipped,
    unknownPins: written.report.unknownPins,
  };
  return {
    outputs: {
      results,
      'vulnerability-count': counts.vulnerabilityCount,
      'fixable-count': counts.fixableCount,
      'by-severity': counts.bySeverity,
      report: written.reportFile,
      sarif: written.sarifFile ?? '',
    },
    summary: summaryMarkdown(written.report, describePolicy(policy), verdict.failure),
  };
}

/** Outputs and summary of a run that did not complete: the envelope only, never a count. */
export function unauditedOutputs(
  failure: ActionError,
  cancelled: boolean,
): { outputs: Outputs; summary: string } {
  const sentence = failureMessage(failure);
  const status = statusOf(failure, cancelled);
  const title = status === 'cancelled' ? 'pip-audit was cancelled' : 'pip-audit did not complete';
  return {
    outputs: { results: { status, failure: sentence } },
    summary: `${mdHeading(title, 2)}\n\n${mdEscape(sentence)} No vulnerability count is given: nothing was audited to the end.`,
  };
}
