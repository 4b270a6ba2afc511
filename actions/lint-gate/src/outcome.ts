import * as core from '@actions/core';
import {
  failureMessage,
  PolicyFailure,
  statusOf,
  ToolError,
  type ActionError,
  type ActionResult,
  type ResultsEnvelope,
} from '@deploy-kit/shared';
import { annotationProperties, moreSentence, selectAnnotations, stepBudget } from './annotate';
import { formatPercent, type CoverageData, type DiffCoverage } from './parse/coverage';
import { summaryMarkdown } from './summary';
import type { GateName, GateReport, Status } from './types';

/** One gate in the `results` output. */
export interface GateResult {
  status: Status;
  summary: string;
  findings: number;
  counts: Record<string, number>;
  version: string | null;
  durationMs: number | null;
}

export interface Results extends ResultsEnvelope {
  /** One entry per gate that ran, in the order of the `tools` input, then coverage, diff coverage. */
  gates: Partial<Record<GateName, GateResult>>;
}

export interface Outputs {
  results: Results;
  /** Total line coverage, two decimals; '' when not measured. */
  coverage: string;
  'diff-coverage': string;
  /** The gates that did not pass. */
  'failed-tools': GateName[];
}

export interface Measured {
  reports: GateReport[];
  coverage?: CoverageData;
  diff?: DiffCoverage;
  diffNote?: string;
  /** The lines the pull request adds, when known (annotations on them go first). */
  changed: Map<string, Set<number>>;
  repoRoot: string;
  python: { version: string; executable: string };
  workingDirectoryName: string;
  coverageThreshold?: number;
}

/** The one sentence naming every failed gate: a policy failure, or a tool error when one could not run. */
export function gateFailure(reports: readonly GateReport[]): ActionError | undefined {
  const failed = reports.filter((r) => r.status !== 'passed');
  if (failed.length === 0) return undefined;
  const sentence = failed.map((r) => `${r.gate}: ${r.headline}`).join('; ');
  if (failed.some((r) => r.status === 'error'))
    return new ToolError(`${sentence} (a gate that could not run is not a pass; see the job summary)`);
  return new PolicyFailure(
    sentence,
    failed.map((r) => r.gate),
  );
}

/** Annotations, within the step's budget; returns how many were written. */
function annotate(m: Measured, failing: boolean, maxAnnotations: number): number {
  const findings = m.reports.flatMap((r) => r.findings);
  const selection = selectAnnotations(findings, m.changed, stepBudget(maxAnnotations, failing));
  for (const f of selection.shown) {
    const props = annotationProperties(f, m.repoRoot);
    if (f.level === 'error') core.error(f.message, props);
    else if (f.level === 'warning') core.warning(f.message, props);
    else core.notice(f.message, props);
  }
  if (selection.omitted > 0) core.notice(moreSentence(selection.omitted));
  return selection.shown.length;
}

function gateResult(r: GateReport): GateResult {
  return {
    status: r.status,
    summary: r.headline,
    findings: r.findings.length,
    counts: r.counts,
    version: r.version ?? null,
    durationMs: r.durationMs ?? null,
  };
}

/** The outputs any run ends with (a cancelled or failed one too). */
export function outputsOf(
  failure: ActionError | undefined,
  reports: readonly GateReport[] = [],
  m: Partial<Measured> = {},
  cancelled = false,
): Outputs {
  return {
    results: {
      status: statusOf(failure, cancelled),
      ...(failure ? { failure: failureMessage(failure) } : {}),
      gates: Object.fromEntries(reports.map((r) => [r.gate, gateResult(r)])),
    },
    coverage: m.coverage ? formatPercent(m.coverage.percent, 2) : '',
    'diff-coverage': m.diff?.percent !== undefined ? formatPercent(m.diff.percent, 2) : '',
    'failed-tools': reports.filter((r) => r.status !== 'passed').map((r) => r.gate),
  };
}

/** Annotate, then the summary, the outputs and the failure of a run whose gates all reported. */
export function outcome(m: Measured, maxAnnotations: number): ActionResult<Outputs> {
  const failure = gateFailure(m.reports);
  const annotated = annotate(m, failure !== undefined, maxAnnotations);
  const summary = summaryMarkdown({
    reports: m.reports,
    versions: { python: m.python.version },
    python: m.python.executable,
    workingDirectory: m.workingDirectoryName,
    repoRoot: m.repoRoot,
    coverage: m.coverage,
    coverageThreshold: m.coverageThreshold,
    diff: m.diff,
    diffNote: m.diffNote,
    findings: m.reports.flatMap((r) => r.findings),
    annotated,
  });
  return { outputs: outputsOf(failure, m.reports, m), summary, failure };
}
