import * as fs from 'node:fs';
import * as path from 'node:path';
import * as core from '@actions/core';
import type { ChangedLines } from './git';
import type { Inputs } from './inputs';
import type { Probe } from './interpreter';
import {
  coverageGate,
  coverageTable,
  diffCoverage,
  diffCoverageGate,
  formatPercent,
  parseCoverageJson,
  type CoverageData,
  type DiffCoverage,
} from './parse/coverage';
import { logReport } from './log';
import { NO_TESTS_ALLOWED } from './parse/pytest';
import { COVERAGE_JSON } from './tools';
import type { GateReport } from './types';
import { tooOld } from './versions';

function errorGate(gate: 'coverage' | 'diff-coverage', headline: string): GateReport {
  return { gate, status: 'error', headline, findings: [], counts: {} };
}

/** Coverage is measured when pytest runs and a coverage or diff-coverage threshold is set. */
export function wantsCoverage(inputs: Inputs): boolean {
  return (
    inputs.tools.includes('pytest') &&
    (inputs.coverageThreshold !== undefined || inputs.diffCoverageThreshold !== undefined)
  );
}

/** Why coverage cannot be measured with this interpreter's packages, if it cannot. */
export function coverageUnsupported(info: Probe): string | undefined {
  if (info.missing.includes('pytest-cov')) return `pytest-cov is not installed for ${info.executable}`;
  if (info.missing.includes('coverage')) return `coverage is not installed for ${info.executable}`;
  return tooOld('pytest-cov', info.versions['pytest-cov']) ?? tooOld('coverage', info.versions.coverage);
}

function readCoverage(
  tmp: string,
  inputs: Inputs,
  coverageOutput: string,
): { report: GateReport; coverage?: CoverageData } {
  const file = path.join(tmp, COVERAGE_JSON);
  if (!fs.existsSync(file))
    return {
      report: errorGate(
        'coverage',
        /No data to report|No data was collected/i.test(coverageOutput)
          ? 'wrote no report: "No data to report" (the tests ran none of the measured code; check [coverage:run] source or --cov)'
          : `wrote no JSON report (${coverageOutput.trim().split('\n').pop() || 'see the log'})`,
      ),
    };
  try {
    const coverage = parseCoverageJson(fs.readFileSync(file, 'utf8'), inputs.workingDirectory);
    logReport(
      `coverage: ${formatPercent(coverage.percent)} % of ${coverage.statements} statements; missing lines per file`,
      coverageTable(coverage, inputs.workingDirectory),
    );
    return { report: coverageGate(coverage, inputs.coverageThreshold), coverage };
  } catch (error) {
    return { report: errorGate('coverage', `report could not be read (${(error as Error).message})`) };
  }
}

/**
 * The coverage gate, from coverage.py's JSON report. Reported when a threshold is set, or when
 * coverage was wanted (for diff coverage) and could not be measured.
 */
export function coverageReports(
  inputs: Inputs,
  info: Probe,
  pytest: GateReport | undefined,
  tmp: string,
  coverageOutput: string | undefined,
): { reports: GateReport[]; coverage?: CoverageData } {
  if (!wantsCoverage(inputs)) return { reports: [] };
  let measured: { report: GateReport; coverage?: CoverageData };
  const unsupported = coverageUnsupported(info);
  if (unsupported) measured = { report: errorGate('coverage', `not measured: ${unsupported}`) };
  else if (!pytest || pytest.status === 'error')
    measured = { report: errorGate('coverage', 'not measured: pytest did not complete') };
  else if (pytest.headline === NO_TESTS_ALLOWED)
    // allow-no-tests: no tests is a pass, and so is the coverage of no tests.
    measured = {
      report: {
        gate: 'coverage',
        status: 'passed',
        headline: 'not measured: no tests were collected (allow-no-tests)',
        findings: [],
        counts: {},
      },
    };
  else measured = readCoverage(tmp, inputs, coverageOutput ?? '');
  const report = { ...measured.report, version: info.versions.coverage };
  const shown = inputs.coverageThreshold !== undefined || report.status === 'error';
  return { reports: shown ? [report] : [], coverage: measured.coverage };
}

export interface DiffOutcome {
  reports: GateReport[];
  diff?: DiffCoverage;
  note?: string;
}

/** Diff coverage: the lines the pull request adds, measured against coverage.py's report. */
export function diffCoverageReports(
  inputs: Inputs,
  changed: ChangedLines | undefined,
  coverage: CoverageData | undefined,
  coverageFailed: boolean,
): DiffOutcome {
  const threshold = inputs.diffCoverageThreshold;
  if (changed && !changed.ok) {
    if (threshold !== undefined) return { reports: [errorGate('diff-coverage', changed.reason)] };
    core.warning(`Annotations are not ordered by the pull request's lines: ${changed.reason}.`);
    return { reports: [], note: `not computed: ${changed.reason}.` };
  }
  if (changed?.ok) {
    const added = [...changed.lines.values()].reduce((n, s) => n + s.size, 0);
    core.info(
      `Pull request lines: ${added} added since ${changed.mergeBase.slice(0, 12)} (${changed.base}).`,
    );
    if (coverage) {
      const diff = diffCoverage(coverage, changed.lines);
      return { reports: [diffCoverageGate(diff, threshold)], diff };
    }
    if (threshold !== undefined && !coverageFailed)
      return { reports: [errorGate('diff-coverage', 'not measured: coverage was not measured')] };
    return { reports: [] };
  }
  const note = 'not measured: this run is not for a pull request and base-ref is empty.';
  core.info(`Diff coverage: ${note}`);
  return { reports: [], note };
}
