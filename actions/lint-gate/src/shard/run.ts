import * as fs from 'node:fs';
import * as path from 'node:path';
import * as core from '@actions/core';
import { mdEscape, mdHeading, ToolError, type ActionResult } from '@deploy-kit/shared';
import type { Inputs } from '../inputs';
import type { Probe } from '../interpreter';
import { gateFailure, outputsOf, type Outputs } from '../outcome';
import { runTools } from '../run-tools';
import type { ToolContext } from '../tools';
import { JUNIT_FILE } from '../tools';
import type { GateReport } from '../types';
import { readDurations } from './durations';
import { SHARD_PLUGIN, SHARD_PLUGIN_MODULE } from './plugin';
import type { PluginRecord, ShardRecord } from './record';
import { label, shardDirName, SHARD_COVERAGE, SHARD_JUNIT, SHARD_RECORD, type ShardSpec } from './spec';

/** The lint tools run in shard 1 only; every shard runs its part of pytest. */
export const LINT_SHARD = 1;

/** pytest's arguments and environment that load the plugin and tell it which shard to run. */
function shardContext(
  ctx: ToolContext,
  spec: ShardSpec,
  split: { file?: string; lintSeconds?: number },
): ToolContext {
  const dir = path.join(ctx.tmp, 'shard-plugin');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${SHARD_PLUGIN_MODULE}.py`), SHARD_PLUGIN);
  const pythonPath = [dir, process.env.PYTHONPATH].filter(Boolean).join(path.delimiter);
  return {
    ...ctx,
    pytestArgs: ['-p', SHARD_PLUGIN_MODULE, ...ctx.pytestArgs],
    pytestEnv: {
      PYTHONPATH: pythonPath,
      DEPLOY_KIT_SHARD: `${spec.index}/${spec.total}`,
      DEPLOY_KIT_SHARD_REPORT: path.join(ctx.tmp, 'shard-plugin.json'),
      ...(split.file ? { DEPLOY_KIT_SHARD_DURATIONS: split.file } : {}),
      ...(split.lintSeconds ? { DEPLOY_KIT_SHARD_LINT_SECONDS: String(split.lintSeconds) } : {}),
    },
  };
}

/**
 * The durations the split uses, as the JSON the plugin reads (JUnit is converted here), and the
 * time the lint tools ran on after pytest last time: shard 1, which runs them, starts with that
 * much less test time (only when there are lint tools in 'tools', the same in every shard).
 */
function durationsFor(inputs: Inputs, tmp: string): { file?: string; lintSeconds?: number } {
  const { durations, lintSeconds, note } = readDurations(inputs.shardDurations);
  core.info(`Shard split: ${note}.`);
  if (!durations || Object.keys(durations).length === 0) return {};
  const file = path.join(tmp, 'durations.json');
  fs.writeFileSync(file, JSON.stringify(durations));
  const lint = inputs.tools.some((t) => t !== 'pytest');
  return { file, lintSeconds: lint ? lintSeconds : undefined };
}

function readPlugin(tmp: string): PluginRecord | undefined {
  const file = path.join(tmp, 'shard-plugin.json');
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as PluginRecord) : undefined;
}

/** shard-results/shard-K-of-N: shard.json, junit.xml, coverage.data (raw coverage.py data). */
function writeShard(inputs: Inputs, spec: ShardSpec, ctx: ToolContext, record: ShardRecord): string {
  const out = path.join(inputs.shardResults, shardDirName(spec));
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  const junit = path.join(ctx.tmp, JUNIT_FILE);
  if (fs.existsSync(junit)) fs.copyFileSync(junit, path.join(out, SHARD_JUNIT));
  const data = path.join(ctx.tmp, '.coverage');
  if (ctx.coverage && fs.existsSync(data)) fs.copyFileSync(data, path.join(out, SHARD_COVERAGE));
  fs.writeFileSync(path.join(out, SHARD_RECORD), `${JSON.stringify(record)}\n`);
  return out;
}

function shardSummary(
  spec: ShardSpec,
  reports: readonly GateReport[],
  out: string,
  plugin?: PluginRecord,
): string {
  const lines = reports.map((r) => `- ${r.gate}: ${r.status} — ${mdEscape(r.headline)}`);
  const ran = plugin
    ? `${plugin.assigned.length} of the ${plugin.collected} collected tests (${plugin.split}).`
    : 'pytest ended before the shard plugin wrote its record.';
  return [
    mdHeading(`lint-gate ${label(spec)}`, 2),
    '',
    `This shard ran ${ran} Coverage, diff coverage, annotations and the verdict on the whole suite come from the merge step (\`mode: merge\`).`,
    '',
    ...lines,
    '',
    `Results for the merge: \`${out}\``,
  ].join('\n');
}

/**
 * One shard (`shard: K/N`): pytest runs the tests the plugin assigns to K (shard 1 also runs the
 * lint tools), and the results, raw coverage data and a record of what ran are written for the
 * merge. The shard's own outcome covers its tests and lint tools, never coverage totals.
 */
export async function shardGate(
  inputs: Inputs,
  spec: ShardSpec,
  info: Probe,
  baseCtx: ToolContext,
  progressEveryMs?: number,
): Promise<ActionResult<Outputs>> {
  const ctx = shardContext(baseCtx, spec, durationsFor(inputs, baseCtx.tmp));
  const tools = inputs.tools.filter((t) => t === 'pytest' || spec.index === LINT_SHARD);
  if (!tools.includes('pytest'))
    return errorResult(
      new ToolError(`'shard' splits pytest: add pytest to 'tools' (it has ${inputs.tools.join(', ')}).`),
    );
  core.info(
    `Running ${label(spec)}: ${tools.join(', ')}${spec.index === LINT_SHARD ? '' : ' (the lint tools run in shard 1)'}.`,
  );
  const outcome = await runTools(tools, info, ctx, progressEveryMs);
  const plugin = readPlugin(ctx.tmp);
  const record: ShardRecord = {
    format: 1,
    index: spec.index,
    total: spec.total,
    plugin,
    gates: outcome.reports,
    tools: inputs.tools,
    coverage: ctx.coverage ? 'measured' : 'not-wanted',
    python: { version: info.python, executable: info.executable },
  };
  const out = writeShard(inputs, spec, ctx, record);
  core.info(`Shard results written to ${out}.`);
  const failure = gateFailure(outcome.reports);
  return {
    outputs: outputsOf(failure, outcome.reports),
    summary: shardSummary(spec, outcome.reports, out, plugin),
    failure,
  };
}

function errorResult(failure: ToolError): ActionResult<Outputs> {
  return {
    outputs: outputsOf(failure),
    summary: `${mdHeading('lint-gate could not run', 2)}\n\n${mdEscape(failure.message)}`,
    failure,
  };
}
