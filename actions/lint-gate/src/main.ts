import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as core from '@actions/core';
import { PolicyFailure, settleAll, setOutputs, ToolError, writeSummary } from '@deploy-kit/shared';
import { annotationProperties, moreSentence, selectAnnotations, stepBudget } from './annotate';
import { changedLines, type ChangedLines } from './git';
import { readInputs, type Inputs } from './inputs';
import { findPython, installTools, probe, type Probe } from './interpreter';
import { combinedOutput } from './parse/common';
import {
  coverageGate,
  diffCoverage,
  diffCoverageGate,
  formatPercent,
  parseCoverageJson,
  type CoverageData,
  type DiffCoverage,
} from './parse/coverage';
import { stopAll, stopYielding } from './process';
import { summaryMarkdown } from './summary';
import { COVERAGE_JSON, planTool, runTool, TOOL_DISTRIBUTION, type ToolContext } from './tools';
import type { GateReport, ToolName } from './types';

/**
 * lint-gate:
 *   1. read the inputs; find the interpreter (or install the pinned tools into a venv);
 *   2. start every selected tool at once (pytest first; lint tools with bounded
 *      workers and a lower priority so they cannot starve it) and, on a pull
 *      request, read the lines it adds from git;
 *   3. decide each tool's outcome from its structured output and exit code;
 *      coverage and diff coverage from coverage.py's JSON;
 *   4. annotate within GitHub's per-step budget, write the summary and outputs;
 *   5. fail with one sentence naming every failed gate.
 */
export async function main(): Promise<void> {
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => {
      stopAll('SIGKILL');
      core.setFailed(`lint-gate was cancelled (${signal}); the tools it started were stopped.`);
      process.exit(1);
    });

  const inputs = readInputs();
  const { python, info } = await core.group('Python', async () => {
    let interpreter = await findPython(inputs.python, inputs.workspace);
    if (inputs.install) {
      core.info(
        `Installing the tools from ${path.relative(inputs.workspace, inputs.install)} into a venv under RUNNER_TEMP.`,
      );
      interpreter = await installTools(
        interpreter,
        inputs.install,
        inputs.workingDirectory,
        inputs.toolTimeoutMs,
      );
    }
    const found = await probe(interpreter, inputs.workingDirectory);
    core.info(`Python ${found.python} at ${found.executable}`);
    for (const [dist, version] of Object.entries(found.versions)) core.info(`  ${dist} ${version}`);
    return { python: interpreter, info: found };
  });

  const tmp = fs.mkdtempSync(path.join(process.env.RUNNER_TEMP || os.tmpdir(), 'lint-gate-'));
  try {
    await gate(inputs, python, info, tmp);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function baseRef(inputs: Inputs): string | undefined {
  if (inputs.baseRef !== '') return inputs.baseRef;
  const event = process.env.GITHUB_EVENT_NAME ?? '';
  if ((event === 'pull_request' || event === 'pull_request_target') && process.env.GITHUB_BASE_REF)
    return process.env.GITHUB_BASE_REF;
  return undefined;
}

/**
 * Workers per lint tool: the cores, never more. pytest is protected by priority
 * instead (the lint tools yield while it runs): a static cores - 1 left a core idle
 * once pytest was done and black still had files (measured in bench/lint-gate.mjs).
 */
function lintWorkers(): number {
  return Math.max(
    1,
    typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length,
  );
}

async function gate(inputs: Inputs, python: string, info: Probe, tmp: string): Promise<void> {
  const base = baseRef(inputs);
  const wantCoverage =
    inputs.tools.includes('pytest') &&
    (inputs.coverageThreshold !== undefined || inputs.diffCoverageThreshold !== undefined);
  const coverageUsable = wantCoverage && !info.missing.includes('pytest-cov');
  const ctx: ToolContext = {
    python,
    cwd: inputs.workingDirectory,
    workspace: inputs.workspace,
    tmp,
    pytestArgs: inputs.pytestArgs,
    coverage: coverageUsable,
    allowNoTests: inputs.allowNoTests,
    timeoutMs: inputs.toolTimeoutMs,
    lintWorkers: lintWorkers(),
    yieldToPytest: inputs.tools.includes('pytest') && !info.missing.includes('pytest'),
  };

  // pytest is nearly always the longest: it goes first, the rest start with it.
  const order = [...inputs.tools].sort((a, b) => Number(b === 'pytest') - Number(a === 'pytest'));
  const installed = order.filter((t) => !info.missing.includes(TOOL_DISTRIBUTION[t]));
  const diffPromise: Promise<ChangedLines | undefined> = base
    ? changedLines(inputs.workingDirectory, base)
    : Promise.resolve(undefined);
  const started = Date.now();
  const rawOutput = new Map<ToolName, string>();
  // Every selected tool starts at once (there are at most five). What is bounded is the CPU the
  // lint tools take: their worker counts (cores - 1) and a lower priority, so pytest keeps a core.
  const settled = await settleAll(installed, installed.length || 1, async (tool) => {
    const plan = planTool(tool, ctx);
    const result = await runTool(plan, ctx);
    // The lint tools yielded the CPU to pytest; once it is done they get all of it.
    if (tool === 'pytest') stopYielding();
    rawOutput.set(tool, combinedOutput(result.run));
    logTool(result.report, rawOutput.get(tool) as string);
    return result.report;
  });
  const wallMs = Date.now() - started;
  const byTool = new Map<ToolName, GateReport>();
  settled.forEach((s, i) => {
    const tool = installed[i] as ToolName;
    byTool.set(
      tool,
      s.status === 'fulfilled'
        ? s.value
        : {
            gate: tool,
            status: 'error',
            headline: `could not run (${String(s.reason)})`,
            findings: [],
            counts: {},
          },
    );
  });
  for (const tool of order.filter((t) => !installed.includes(t)))
    byTool.set(tool, {
      gate: tool,
      status: 'error',
      headline: `is not installed for ${info.executable} (add ${TOOL_DISTRIBUTION[tool]} to the project's requirements, or give a pinned file in 'install')`,
      findings: [],
      counts: {},
    });
  const reports: GateReport[] = inputs.tools.map((t) => {
    const r = byTool.get(t) as GateReport;
    return { ...r, version: info.versions[TOOL_DISTRIBUTION[t]] };
  });
  core.info(`All tools finished in ${(wallMs / 1000).toFixed(1)} s.`);

  // Coverage, from coverage.py's JSON report.
  let coverage: CoverageData | undefined;
  if (wantCoverage) {
    const pytest = byTool.get('pytest') as GateReport;
    const version = info.versions.coverage;
    let report: GateReport | undefined;
    if (!coverageUsable)
      report = errorGate('coverage', `not measured: pytest-cov is not installed for ${info.executable}`);
    else if (pytest.status === 'error')
      report = errorGate('coverage', 'not measured: pytest did not complete');
    else {
      const file = path.join(tmp, COVERAGE_JSON);
      if (!fs.existsSync(file))
        report = errorGate(
          'coverage',
          /No data to report/i.test(rawOutput.get('pytest') ?? '')
            ? 'wrote no report: "No data to report" (the tests ran none of the measured code; check [coverage:run] source or --cov)'
            : 'wrote no JSON report (see the pytest log)',
        );
      else
        try {
          coverage = parseCoverageJson(fs.readFileSync(file, 'utf8'), inputs.workingDirectory);
          report = coverageGate(coverage, inputs.coverageThreshold);
        } catch (error) {
          report = errorGate('coverage', `report could not be read (${(error as Error).message})`);
        }
    }
    if (inputs.coverageThreshold !== undefined || report.status === 'error')
      reports.push({ ...report, version });
  }

  // Diff coverage: the lines the pull request adds.
  const changed = await diffPromise;
  let diff: DiffCoverage | undefined;
  let diffNote: string | undefined;
  if (changed && !changed.ok) {
    if (inputs.diffCoverageThreshold !== undefined) reports.push(errorGate('diff-coverage', changed.reason));
    else {
      diffNote = `not computed: ${changed.reason}.`;
      core.warning(`Annotations are not ordered by the pull request's lines: ${changed.reason}.`);
    }
  } else if (changed?.ok) {
    core.info(
      `Pull request lines: ${[...changed.lines.values()].reduce((n, s) => n + s.size, 0)} added since ${changed.mergeBase.slice(0, 12)} (${changed.base}).`,
    );
    if (coverage) {
      diff = diffCoverage(coverage, changed.lines);
      const report = diffCoverageGate(diff, inputs.diffCoverageThreshold);
      reports.push(report);
    } else if (
      inputs.diffCoverageThreshold !== undefined &&
      !reports.some((r) => r.gate === 'coverage' && r.status === 'error')
    )
      reports.push(errorGate('diff-coverage', 'not measured: coverage was not measured'));
  } else if (inputs.diffCoverageThreshold !== undefined) {
    diffNote = 'not computed: this run is not for a pull request and base-ref is empty.';
    core.info(`Diff coverage: ${diffNote}`);
  }

  // Annotations, within the step's budget.
  const failed = reports.filter((r) => r.status !== 'passed');
  const findings = reports.flatMap((r) => r.findings);
  const changedMap = changed?.ok ? changed.lines : new Map<string, Set<number>>();
  const selection = selectAnnotations(
    findings,
    changedMap,
    stepBudget(inputs.maxAnnotations, failed.length > 0),
  );
  const repoRoot = changed?.ok ? changed.root : inputs.workspace;
  for (const f of selection.shown) {
    const props = annotationProperties(f, repoRoot);
    if (f.level === 'error') core.error(f.message, props);
    else if (f.level === 'warning') core.warning(f.message, props);
    else core.notice(f.message, props);
  }
  if (selection.omitted > 0) core.notice(moreSentence(selection.omitted));

  await writeSummary(
    summaryMarkdown({
      reports,
      versions: { python: info.python },
      python: info.executable,
      workingDirectory: inputs.workingDirectoryName,
      repoRoot,
      coverage,
      coverageThreshold: inputs.coverageThreshold,
      diff,
      diffNote,
      findings,
      annotated: selection.shown.length,
    }),
  );

  setOutputs({
    results: Object.fromEntries(
      reports.map((r) => [
        r.gate,
        {
          status: r.status,
          summary: r.headline,
          findings: r.findings.length,
          counts: r.counts,
          version: r.version ?? null,
          'duration-ms': r.durationMs ?? null,
        },
      ]),
    ),
    coverage: coverage ? formatPercent(coverage.percent, 2) : '',
    'diff-coverage': diff?.percent !== undefined ? formatPercent(diff.percent, 2) : '',
    failed: failed.map((r) => r.gate),
  });

  if (failed.length === 0) return;
  const sentence = failed.map((r) => `${r.gate}: ${r.headline}`).join('; ');
  if (failed.some((r) => r.status === 'error'))
    throw new ToolError(`${sentence} (a gate that could not run is not a pass; see the job summary)`);
  throw new PolicyFailure(
    sentence,
    failed.map((r) => r.gate),
  );
}

function errorGate(gate: 'coverage' | 'diff-coverage', headline: string): GateReport {
  return { gate, status: 'error', headline, findings: [], counts: {} };
}

function logTool(report: GateReport, output: string): void {
  const seconds = ((report.durationMs ?? 0) / 1000).toFixed(1);
  core.startGroup(`${report.gate}: ${report.status}, ${report.headline} (${seconds} s)`);
  core.info(`$ ${(report.command ?? []).join(' ')}`);
  if (output !== '') {
    // The output is the project's (a test can print anything): the runner must not take a line
    // of it for a workflow command (::add-mask::, ::error::, ...), so commands are off around it.
    const token = randomUUID();
    core.info(`::stop-commands::${token}`);
    core.info(output);
    core.info(`::${token}::`);
  }
  core.endGroup();
}
