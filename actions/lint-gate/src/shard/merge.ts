import * as fs from 'node:fs';
import * as path from 'node:path';
import * as core from '@actions/core';
import { mdEscape, mdHeading, toolEnv, ToolError, withProgress, type ActionResult } from '@deploy-kit/shared';
import { coverageReports, diffCoverageReports, wantsCoverage } from '../coverage-gates';
import type { ChangedLines } from '../git';
import type { Inputs } from '../inputs';
import type { Probe } from '../interpreter';
import { outcome, outputsOf, type Outputs } from '../outcome';
import { combinedOutput } from '../parse/common';
import { parsePytest } from '../parse/pytest';
import { runProcess } from '../process';
import { COVERAGE_JSON } from '../tools';
import type { GateReport } from '../types';
import { checkShards, type FoundShard } from './check';
import type { ShardRecord } from './record';
import {
  MERGED_DURATIONS,
  MERGED_JUNIT,
  SHARD_COVERAGE,
  SHARD_DIR_PATTERN,
  SHARD_JUNIT,
  SHARD_RECORD,
} from './spec';

/** Every shard-K-of-N directory under `root` (as downloaded: directly, or one artifact folder deeper). */
export function findShards(root: string, depth = 3): FoundShard[] {
  if (depth < 0 || !fs.existsSync(root) || !fs.statSync(root).isDirectory()) return [];
  const found: FoundShard[] = [];
  for (const entry of fs
    .readdirSync(root, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (!entry.isDirectory()) continue;
    const dir = path.join(root, entry.name);
    const m = SHARD_DIR_PATTERN.exec(entry.name);
    if (!m) {
      found.push(...findShards(dir, depth - 1));
      continue;
    }
    const shard: FoundShard = { dir, index: Number(m[1]), total: Number(m[2]) };
    const file = path.join(dir, SHARD_RECORD);
    if (fs.existsSync(file))
      try {
        shard.record = JSON.parse(fs.readFileSync(file, 'utf8')) as ShardRecord;
      } catch (error) {
        shard.unreadable = `its ${SHARD_RECORD} could not be read (${(error as Error).message})`;
      }
    found.push(shard);
  }
  return found;
}

/** The shards' JUnit reports as one (<testsuites> holding every shard's <testsuite>). */
export function mergeJUnit(texts: readonly string[]): string {
  const suites = texts.map((t) => {
    const body = t.replace(/^\s*<\?xml[^>]*\?>/, '').trim();
    const m = /^<testsuites[^>]*>([\s\S]*)<\/testsuites>$/.exec(body);
    return m ? (m[1] as string) : body;
  });
  return `<?xml version="1.0" encoding="utf-8"?><testsuites name="pytest tests">${suites.join('')}</testsuites>`;
}

/** pytest's gate for the whole suite, read from the merged report as if one run had written it. */
function mergedPytest(inputs: Inputs, shards: readonly FoundShard[], junit: string): GateReport {
  const records = shards.map((s) => s.record as ShardRecord);
  const pytests = records.map((r) => r.gates.find((g) => g.gate === 'pytest') as GateReport);
  const collected = records[0]?.plugin?.collected ?? 0;
  const exitCode = pytests.some((p) => p.status === 'findings') ? 1 : collected === 0 ? 5 : 0;
  const durationMs = Math.max(0, ...pytests.map((p) => p.durationMs ?? 0));
  const run = { exitCode, signal: null, stdout: '', stderr: '', durationMs, timedOut: false };
  const report = parsePytest(run, {
    cwd: inputs.workingDirectory,
    workspace: inputs.workspace,
    junit,
    allowNoTests: inputs.allowNoTests,
  });
  return { ...inCollectionOrder(report, records), version: pytests[0]?.version };
}

/** Failed tests in the order one run would report them (pytest's collection order), not by shard. */
function inCollectionOrder(report: GateReport, records: readonly ShardRecord[]): GateReport {
  const place = new Map<string, number>();
  for (const r of records)
    r.plugin?.assigned.forEach((id, i) => place.set(id, r.plugin?.positions?.[i] ?? Number.MAX_SAFE_INTEGER));
  const failed = report.failedTests ?? [];
  if (failed.length !== report.findings.length) return report;
  const order = failed
    .map((t, i) => ({ i, at: place.get(t.id) ?? Number.MAX_SAFE_INTEGER }))
    .sort((a, b) => a.at - b.at || a.i - b.i)
    .map((o) => o.i);
  return {
    ...report,
    failedTests: order.map((i) => failed[i]!),
    findings: order.map((i) => report.findings[i]!),
  };
}

/** The tools' reports in the order of the `tools` input: pytest merged, the lint tools from shard 1. */
function toolReports(inputs: Inputs, first: ShardRecord, pytest: GateReport): GateReport[] {
  return inputs.tools.map(
    (tool) =>
      (tool === 'pytest' ? pytest : first.gates.find((g) => g.gate === tool)) ?? {
        gate: tool,
        status: 'error',
        headline: 'did not run in shard 1 (give every shard and the merge the same tools)',
        findings: [],
        counts: {},
      },
  );
}

// coverage.py: combine the shards' data files into one and write the JSON report lint-gate reads,
// with the project's own coverage configuration (run in the working directory).
const COMBINE_SCRIPT = `
import sys, coverage
out, data, files = sys.argv[1], sys.argv[2], sys.argv[3:]
try:
    cov = coverage.Coverage(data_file=data)
    cov.combine(files)
    cov.save()
    cov.json_report(outfile=out)
    print(f"Combined {len(files)} coverage data files; wrote JSON report to {out}")
except Exception as e:
    print(f"{type(e).__name__}: {e}")
    sys.exit(1)
`;

async function combineCoverage(
  inputs: Inputs,
  shards: readonly FoundShard[],
  python: string,
  tmp: string,
  signal: AbortSignal,
) {
  const files: string[] = [];
  for (const s of shards) {
    const data = path.join(s.dir, SHARD_COVERAGE);
    if (!fs.existsSync(data)) {
      if ((s.record?.plugin?.assigned.length ?? 0) === 0) continue;
      return `not measured: ${path.basename(s.dir)} has no ${SHARD_COVERAGE} (${s.record?.coverage === 'measured' ? 'pytest-cov wrote none' : 'coverage was off in that shard: give the shards the same coverage-threshold and diff-coverage-threshold'})`;
    }
    const copy = path.join(tmp, `.coverage.${path.basename(s.dir)}`);
    fs.copyFileSync(data, copy);
    files.push(copy);
  }
  const run = await withProgress(
    () => `Combining the coverage data of ${files.length} shards`,
    () =>
      runProcess(
        python,
        ['-c', COMBINE_SCRIPT, path.join(tmp, COVERAGE_JSON), path.join(tmp, '.coverage'), ...files],
        {
          cwd: inputs.workingDirectory,
          env: toolEnv(),
          timeoutMs: inputs.timeoutMs,
          signal,
        },
      ),
  );
  const text = combinedOutput(run);
  core.info(`coverage combine: ${text}`);
  return run.exitCode === 0 ? undefined : `coverage combine failed (${text.split('\n').pop() ?? ''})`;
}

/**
 * junit.xml and durations.json ({ lintSeconds, tests: { node id: seconds } }) for the next run's
 * split, beside the shards. lintSeconds: how long shard 1's lint tools ran on after its pytest ended.
 */
function writeMerged(inputs: Inputs, shards: readonly FoundShard[], junit: string): void {
  const tests: Record<string, number> = {};
  for (const s of shards)
    for (const [id, r] of Object.entries(s.record?.plugin?.results ?? {}))
      tests[id] = Math.round(r.seconds * 1e4) / 1e4;
  // The lint tools run at a lower priority beside pytest: only the time they ran on after it
  // ended made shard 1 longer than its tests.
  const gates = shards[0]?.record?.gates ?? [];
  const lintMs = Math.max(0, ...gates.filter((g) => g.gate !== 'pytest').map((g) => g.durationMs ?? 0));
  const pytestMs = gates.find((g) => g.gate === 'pytest')?.durationMs ?? 0;
  const lintSeconds = Math.round(Math.max(0, lintMs - pytestMs)) / 1000;
  fs.writeFileSync(path.join(inputs.shardResults, MERGED_JUNIT), junit);
  fs.writeFileSync(
    path.join(inputs.shardResults, MERGED_DURATIONS),
    `${JSON.stringify({ lintSeconds, tests })}\n`,
  );
}

export interface MergeContext {
  info: Probe;
  python: string;
  tmp: string;
  signal: AbortSignal;
  changed: Promise<ChangedLines | undefined>;
}

/**
 * mode: merge. Every shard once, none crashed, every test in exactly one shard; then coverage
 * combine, one JUnit report, and the coverage gates, annotations and summary of one whole run.
 */
export async function mergeShards(inputs: Inputs, m: MergeContext): Promise<ActionResult<Outputs>> {
  const where = path.relative(inputs.workspace, inputs.shardResults) || '.';
  const found = findShards(inputs.shardResults).map((f) => ({
    ...f,
    shown: path.relative(inputs.workspace, f.dir),
  }));
  const problem = checkShards(found, where);
  if (problem) return couldNotRun(new ToolError(`the shards cannot be merged into one verdict: ${problem}.`));
  const shards = [...found].sort((a, b) => a.index - b.index);
  core.info(`Merging ${shards.length} shards from ${where}.`);
  const junit = mergeJUnit(
    shards.map((s) => {
      const f = path.join(s.dir, SHARD_JUNIT);
      return fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : '';
    }),
  );
  const pytest = mergedPytest(inputs, shards, junit);
  writeMerged(inputs, shards, junit);
  let coverageProblem: string | undefined;
  if (wantsCoverage(inputs) && pytest.status !== 'error')
    coverageProblem = await combineCoverage(inputs, shards, m.python, m.tmp, m.signal);
  const cov = coverageReports(inputs, m.info, pytest, m.tmp, coverageProblem ?? '');
  if (coverageProblem)
    cov.reports = [
      { gate: 'coverage', status: 'error', headline: coverageProblem, findings: [], counts: {} },
    ];
  const changed = await m.changed;
  const diff = diffCoverageReports(
    inputs,
    changed,
    cov.coverage,
    cov.reports.some((r) => r.status === 'error'),
  );
  const result = outcome(
    {
      reports: [...toolReports(inputs, shards[0]!.record!, pytest), ...cov.reports, ...diff.reports],
      coverage: cov.coverage,
      diff: diff.diff,
      diffNote: diff.note,
      changed: changed?.ok ? changed.lines : new Map(),
      repoRoot: changed?.ok ? changed.root : inputs.workspace,
      python: { version: m.info.python, executable: m.info.executable },
      workingDirectoryName: inputs.workingDirectoryName,
      coverageThreshold: inputs.coverageThreshold,
    },
    inputs.maxAnnotations,
  );
  const note = `Merged from ${shards.length} shards (${shards[0]!.record!.plugin!.collected} tests, each in exactly one shard).`;
  return { ...result, summary: `${result.summary}\n\n${note}\n` };
}

function couldNotRun(failure: ToolError): ActionResult<Outputs> {
  return {
    outputs: outputsOf(failure),
    summary: `${mdHeading('lint-gate could not run', 2)}\n\n${mdEscape(failure.message)}`,
    failure,
  };
}
