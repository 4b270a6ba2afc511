import * as os from 'node:os';
import { settleAll, startProgress } from '@deploy-kit/shared';
import type { Probe } from './interpreter';
import { ToolLog } from './log';
import { combinedOutput } from './parse/common';
import { stopYielding } from './process';
import { measureCoverage, planTool, runTool, TOOL_DISTRIBUTION, type ToolContext } from './tools';
import type { GateReport, ToolName } from './types';
import { tooOld } from './versions';

export interface ToolsOutcome {
  /** One report per selected tool, in the order of the `tools` input. */
  reports: GateReport[];
  /** pytest's output and coverage.py's, for what only their text says ("No data to report"). */
  coverageOutput?: string;
  wallMs: number;
}

/**
 * Workers per lint tool: the cores, never more. pytest is protected by priority
 * instead (the lint tools yield while it runs): a static cores - 1 left a core idle
 * once pytest was done and black still had files (measured in bench/lint-gate.mjs).
 */
export function lintWorkers(): number {
  return Math.max(
    1,
    typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length,
  );
}

function errorReport(tool: ToolName, headline: string): GateReport {
  return { gate: tool, status: 'error', headline, findings: [], counts: {} };
}

/**
 * One tool: pytest's output streamed into its group, any other's logged when it ends. With a
 * pytest-cov older than 4.1, coverage.py then writes the JSON report from pytest-cov's data.
 * Returns the report and, for pytest, what it and coverage.py printed.
 */
async function runOne(tool: ToolName, ctx: ToolContext, log: ToolLog): Promise<[GateReport, string?]> {
  const plan = planTool(tool, ctx);
  if (tool !== 'pytest') {
    const { report, run } = await runTool(plan, ctx);
    log.finished(report, combinedOutput(run));
    return [report];
  }
  log.openStream('pytest (its output as it runs)', ['python', ...plan.args]);
  let report = errorReport(tool, 'did not finish');
  let output = '';
  try {
    const result = await runTool(plan, ctx, (chunk) => log.write(chunk));
    report = result.report;
    output = combinedOutput(result.run);
  } finally {
    // The lint tools yielded the CPU to pytest; once it is done they get all of it.
    stopYielding();
    log.closeStream(report);
  }
  if (!ctx.coverage || ctx.coverageJsonFromPytestCov || report.status === 'error' || ctx.signal?.aborted)
    return [report, output];
  const coverage = combinedOutput(await measureCoverage(ctx));
  log.report('coverage json (coverage.py, from the data pytest-cov wrote)', coverage);
  return [report, `${output}\n${coverage}`];
}

/**
 * Every selected tool at once (there are at most five), pytest first. What is bounded is the CPU
 * the lint tools take: their worker counts and a lower priority while pytest runs. While they run,
 * a line every `progressEveryMs` names the tools still running.
 */
export async function runTools(
  tools: readonly ToolName[],
  info: Probe,
  ctx: ToolContext,
  progressEveryMs?: number,
): Promise<ToolsOutcome> {
  const order = [...tools].sort((a, b) => Number(b === 'pytest') - Number(a === 'pytest'));
  const old = (t: ToolName): string | undefined =>
    tooOld(TOOL_DISTRIBUTION[t], info.versions[TOOL_DISTRIBUTION[t]]);
  const installed = order.filter((t) => !info.missing.includes(TOOL_DISTRIBUTION[t]) && !old(t));
  const running = new Set(installed);
  const log = new ToolLog();
  const started = Date.now();
  const stopProgress = startProgress(
    () => (running.size > 0 ? `Still running: ${[...running].join(', ')}` : ''),
    { everyMs: progressEveryMs },
  );
  let settled;
  try {
    settled = await settleAll(installed, installed.length || 1, async (tool) => {
      try {
        return await runOne(tool, ctx, log);
      } finally {
        running.delete(tool);
      }
    });
  } finally {
    stopProgress();
  }
  const byTool = new Map<ToolName, [GateReport, string?]>();
  settled.forEach((s, i) => {
    const tool = installed[i] as ToolName;
    byTool.set(
      tool,
      s.status === 'fulfilled' ? s.value : [errorReport(tool, `could not run (${String(s.reason)})`)],
    );
  });
  const reports = tools.map((tool) => {
    const tooOldSentence = old(tool);
    const report =
      byTool.get(tool)?.[0] ??
      (tooOldSentence ? errorReport(tool, tooOldSentence) : undefined) ??
      errorReport(
        tool,
        `is not installed for ${info.executable} (add ${TOOL_DISTRIBUTION[tool]} to the project's requirements, or give a pinned file in 'install')`,
      );
    return { ...report, version: info.versions[TOOL_DISTRIBUTION[tool]] };
  });
  return { reports, coverageOutput: byTool.get('pytest')?.[1], wallMs: Date.now() - started };
}
