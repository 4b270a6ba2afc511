import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as core from '@actions/core';
import {
  failureMessage,
  isActionError,
  mdEscape,
  mdHeading,
  ToolError,
  type ActionContext,
  type ActionDefinition,
  type ActionError,
  type ActionResult,
} from '@deploy-kit/shared';
import defaults from './action-defaults.json';
import { coverageReports, coverageUnsupported, diffCoverageReports, wantsCoverage } from './coverage-gates';
import { changedLines } from './git';
import { parseInputs, type Inputs } from './inputs';
import { findPython, installTools, probe, type Probe } from './interpreter';
import { outcome, outputsOf, type Outputs } from './outcome';
import { projectSelectsCov } from './pytest-config';
import { versionLess } from './versions';
import { mergeShards } from './shard/merge';
import { shardGate } from './shard/run';
import { lintWorkers, runTools } from './run-tools';
import type { ToolContext } from './tools';
import type { GateReport } from './types';

export type { Inputs } from './inputs';
export type { Outputs, Results } from './outcome';

export interface LintGateOptions {
  /** How often a line names the tools still running (default every 30 s). */
  progressEveryMs?: number;
}

/** The interpreter that runs the tools (a venv with the pinned ones for `install`), and what it has. */
async function preparePython(inputs: Inputs, signal: AbortSignal, deadline: number) {
  let python = await findPython(inputs.python, inputs.workingDirectory);
  if (inputs.install) {
    core.info(
      `Installing the tools from ${path.relative(inputs.workspace, inputs.install)} into a venv under RUNNER_TEMP.`,
    );
    const timeoutMs = Math.max(1_000, deadline - Date.now());
    python = await installTools(python, inputs.install, inputs.workingDirectory, timeoutMs, signal);
  }
  const info = await probe(python, inputs.workingDirectory, signal);
  core.info(`Python ${info.python} at ${info.executable}`);
  for (const [dist, version] of Object.entries(info.versions)) core.info(`  ${dist} ${version}`);
  return { python, info };
}

/** The base branch of a pull request (or base-ref): diff coverage and annotation order need it. */
export function baseRef(inputs: Inputs): string | undefined {
  if (inputs.baseRef !== '') return inputs.baseRef;
  const event = process.env.GITHUB_EVENT_NAME ?? '';
  if ((event === 'pull_request' || event === 'pull_request_target') && process.env.GITHUB_BASE_REF)
    return process.env.GITHUB_BASE_REF;
  return undefined;
}

function failed(failure: ActionError, reports: GateReport[] = [], cancelled = false): ActionResult<Outputs> {
  const title = cancelled ? 'lint-gate was cancelled' : 'lint-gate could not run';
  const summary = `${mdHeading(title, 2)}\n\n${mdEscape(failureMessage(failure))}`;
  return { outputs: outputsOf(failure, reports, {}, cancelled), summary, failure };
}

/** The step was cancelled: every tool it started has been stopped. */
function cancelledResult(signal: AbortSignal, reports: GateReport[] = []): ActionResult<Outputs> {
  const why = typeof signal.reason === 'string' ? signal.reason : 'cancelled';
  const failure = new ToolError(`lint-gate was cancelled (${why}); the tools it started were stopped.`);
  return failed(failure, reports, true);
}

/** Every tool at once, then coverage and diff coverage, then the outcome. */
async function gate(
  inputs: Inputs,
  { python, info }: { python: string; info: Probe },
  tmp: string,
  signal: AbortSignal,
  options: LintGateOptions & { deadline: number },
): Promise<ActionResult<Outputs>> {
  const base = baseRef(inputs);
  const changedPromise = base ? changedLines(inputs.workingDirectory, base) : Promise.resolve(undefined);
  const ctx: ToolContext = {
    python,
    cwd: inputs.workingDirectory,
    workspace: inputs.workspace,
    tmp,
    pytestArgs: inputs.pytestArgs,
    coverage: wantsCoverage(inputs) && coverageUnsupported(info) === undefined,
    coverageJsonFromPytestCov: !versionLess(info.versions['pytest-cov'] ?? '0', '4.1'),
    projectCov: projectSelectsCov(inputs.workingDirectory, inputs.workspace, inputs.pytestArgs),
    allowNoTests: inputs.allowNoTests,
    timeoutMs: Math.max(1_000, options.deadline - Date.now()),
    lintWorkers: lintWorkers(),
    yieldToPytest: inputs.tools.includes('pytest') && !info.missing.includes('pytest'),
    signal,
  };
  if (inputs.shard) return shardGate(inputs, inputs.shard, info, ctx, options.progressEveryMs);
  const tools = await runTools(inputs.tools, info, ctx, options.progressEveryMs);
  if (signal.aborted) return cancelledResult(signal, tools.reports);
  core.info(`All tools finished in ${(tools.wallMs / 1000).toFixed(1)} s.`);
  const pytest = tools.reports.find((r) => r.gate === 'pytest');
  const cov = coverageReports(inputs, info, pytest, tmp, tools.coverageOutput);
  const changed = await changedPromise;
  const coverageFailed = cov.reports.some((r) => r.status === 'error');
  const diff = diffCoverageReports(inputs, changed, cov.coverage, coverageFailed);
  return outcome(
    {
      reports: [...tools.reports, ...cov.reports, ...diff.reports],
      coverage: cov.coverage,
      diff: diff.diff,
      diffNote: diff.note,
      changed: changed?.ok ? changed.lines : new Map(),
      repoRoot: changed?.ok ? changed.root : inputs.workspace,
      python: { version: info.python, executable: info.executable },
      workingDirectoryName: inputs.workingDirectoryName,
      coverageThreshold: inputs.coverageThreshold,
    },
    inputs.maxAnnotations,
  );
}

/**
 * lint-gate:
 *   1. find the interpreter (or install the pinned tools into a venv);
 *   2. start every selected tool at once (pytest first, its output streamed; lint tools with
 *      bounded workers and a lower priority so they cannot starve it) and, on a pull request,
 *      read the lines it adds from git;
 *   3. decide each tool's outcome from its structured output and exit code; coverage and diff
 *      coverage from coverage.py's JSON;
 *   4. annotate within GitHub's per-step budget; the summary, the outputs, and one sentence
 *      naming every failed gate (returned, never thrown).
 */
export async function lintGate(
  inputs: Inputs,
  context: Pick<ActionContext, 'signal'>,
  options: LintGateOptions = {},
): Promise<ActionResult<Outputs>> {
  const deadline = Date.now() + inputs.timeoutMs;
  if (inputs.tools.includes('flake8') && inputs.tools.includes('ruff'))
    core.info('Both flake8 and ruff are selected: each reports its own findings.');
  let python: { python: string; info: Probe };
  try {
    python = await core.group('Python', () => preparePython(inputs, context.signal, deadline));
  } catch (error) {
    if (context.signal.aborted) return cancelledResult(context.signal);
    if (isActionError(error)) return failed(error);
    throw error;
  }
  if (context.signal.aborted) return cancelledResult(context.signal);
  const tmp = fs.mkdtempSync(path.join(process.env.RUNNER_TEMP || os.tmpdir(), 'lint-gate-'));
  try {
    if (inputs.mode === 'merge') {
      const base = baseRef(inputs);
      const changed = base ? changedLines(inputs.workingDirectory, base) : Promise.resolve(undefined);
      return await mergeShards(inputs, { ...python, tmp, signal: context.signal, changed });
    }
    return await gate(inputs, python, tmp, context.signal, { ...options, deadline });
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

export const lintGateAction: ActionDefinition<Inputs, Outputs> = {
  name: 'lint-gate',
  secretInputs: [],
  defaults,
  parseInputs,
  run: (inputs, context) => lintGate(inputs, context),
};
