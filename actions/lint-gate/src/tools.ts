import * as fs from 'node:fs';
import * as path from 'node:path';
import { toolEnv } from '@deploy-kit/shared';
import { parseBlack } from './parse/black';
import { toolError, type ToolRun } from './parse/common';
import { FLAKE8_FORMAT, parseFlake8 } from './parse/flake8';
import { parsePytest } from './parse/pytest';
import { parseRuffCheck, parseRuffFormat } from './parse/ruff';
import { runProcess } from './process';
import type { GateReport, ToolName } from './types';

export interface ToolContext {
  python: string;
  cwd: string;
  workspace: string;
  /** Private directory for reports (JUnit, coverage JSON, caches); never the user's tree. */
  tmp: string;
  pytestArgs: readonly string[];
  coverage: boolean;
  /** The project picks what coverage measures with its own `--cov=...`: no bare `--cov` is added. */
  projectCov: boolean;
  /** pytest-cov can write the JSON report itself (4.1 or newer): no coverage.py run after pytest. */
  coverageJsonFromPytestCov: boolean;
  allowNoTests: boolean;
  timeoutMs: number;
  /** Worker processes/threads each lint tool may use (never more than the cores). */
  lintWorkers: number;
  /** pytest runs too: the lint tools start at a lower priority until it is done. */
  yieldToPytest: boolean;
  /** The step was cancelled: every tool is stopped. */
  signal?: AbortSignal;
  /** More environment for pytest (the shard plugin's: shard/run.ts). */
  pytestEnv?: NodeJS.ProcessEnv;
}

export interface ToolPlan {
  tool: ToolName;
  args: string[];
  env: NodeJS.ProcessEnv;
  niceness: number;
  parse(run: ToolRun): GateReport;
}

/** The python module each tool runs as (`python -m ...`), so the chosen interpreter's copy runs. */
export const TOOL_MODULE: Record<ToolName, string> = {
  black: 'black',
  flake8: 'flake8',
  ruff: 'ruff',
  'ruff-format': 'ruff',
  pytest: 'pytest',
};

/** The distribution to install when a tool is missing. */
export const TOOL_DISTRIBUTION: Record<ToolName, string> = { ...TOOL_MODULE };

export const JUNIT_FILE = 'junit.xml';
export const COVERAGE_JSON = 'coverage.json';

/**
 * Each tool's command: the project's own configuration is used as it is; we
 * only fix the output format, ask for reports in our temp directory and bound
 * the workers. Pure.
 */
export function planTool(tool: ToolName, ctx: ToolContext): ToolPlan {
  const env = toolEnv();
  const lint = { niceness: ctx.yieldToPytest ? 10 : 0, env };
  const workers = String(ctx.lintWorkers);
  switch (tool) {
    case 'black':
      return {
        tool,
        ...lint,
        env: { ...env, BLACK_NUM_WORKERS: workers },
        // --fast: in --check mode Black writes nothing, so the safety pass it makes before a write
        // (parsing both versions and formatting a second time) guards nothing here, and it about
        // doubled Black's time on a file it would reformat (#18 A10). Which files would be
        // reformatted is decided before that pass, so the verdict and counts are the same.
        args: ['-m', 'black', '--check', '--diff', '--fast', '--no-color', '.'],
        parse: (run) => parseBlack(run, ctx.cwd),
      };
    case 'flake8':
      return {
        tool,
        ...lint,
        args: ['-m', 'flake8', `--format=${FLAKE8_FORMAT}`, `--jobs=${workers}`, '.'],
        parse: (run) => parseFlake8(run, ctx.cwd),
      };
    case 'ruff':
      return {
        tool,
        ...lint,
        env: { ...env, RAYON_NUM_THREADS: workers, RUFF_CACHE_DIR: path.join(ctx.tmp, 'ruff-cache') },
        args: ['-m', 'ruff', 'check', '--output-format=json', '--no-fix', '.'],
        parse: (run) => parseRuffCheck(run, ctx.cwd),
      };
    case 'ruff-format':
      return {
        tool,
        ...lint,
        env: { ...env, RAYON_NUM_THREADS: workers, RUFF_CACHE_DIR: path.join(ctx.tmp, 'ruff-cache') },
        args: ['-m', 'ruff', 'format', '--check', '--diff', '.'],
        parse: (run) => parseRuffFormat(run, ctx.cwd),
      };
    case 'pytest': {
      const junit = path.join(ctx.tmp, JUNIT_FILE);
      // pytest-cov >= 4.1 writes the JSON report itself; an older one (>= 3) only the data file,
      // which coverage.py reads afterwards (measureCoverage). No terminal report (`--cov-report=`
      // alone asks for none): it made coverage.py analyse every measured file a second time,
      // ~0.15 s on pytest's own time (#18 A10); the log's missing-lines table is written from the
      // JSON report instead. A bare --cov would make pytest-cov drop the project's own --cov=pkg,
      // so it is added only when there is none.
      const coverage = ctx.coverage
        ? [
            ...(ctx.projectCov ? [] : ['--cov']),
            ctx.coverageJsonFromPytestCov
              ? `--cov-report=json:${path.join(ctx.tmp, COVERAGE_JSON)}`
              : '--cov-report=',
            // A fail_under in the project's config would turn low coverage into pytest's exit 1,
            // the same code as failed tests; the action enforces the threshold from the JSON.
            '--cov-fail-under=0',
          ]
        : [];
      return {
        tool,
        niceness: 0,
        // The data file goes to our temp directory, not into the project.
        env: { ...env, ...ctx.pytestEnv, COVERAGE_FILE: coverageFile(ctx) },
        args: [
          '-m',
          'pytest',
          `--junitxml=${junit}`,
          '-o',
          'junit_family=xunit1',
          ...coverage,
          ...ctx.pytestArgs,
        ],
        parse: (run) =>
          parsePytest(run, {
            cwd: ctx.cwd,
            workspace: ctx.workspace,
            junit: fs.existsSync(junit) ? fs.readFileSync(junit, 'utf8') : undefined,
            allowNoTests: ctx.allowNoTests,
          }),
      };
    }
  }
}

const coverageFile = (ctx: ToolContext): string => path.join(ctx.tmp, '.coverage');

// coverage.py >= 6 on the data file pytest-cov < 4.1 wrote, with the project's own coverage
// config: the JSON report lint-gate reads.
const COVERAGE_SCRIPT = `
import sys, coverage
cov = coverage.Coverage()
try:
    cov.load()
    cov.json_report(outfile=sys.argv[1])
    print(f"Wrote JSON report to {sys.argv[1]}")
except Exception as e:
    print(f"{type(e).__name__}: {e}")
    sys.exit(1)
`;

/** coverage.py's reports from pytest-cov's data file; the JSON lands in tmp/COVERAGE_JSON. */
export async function measureCoverage(ctx: ToolContext): Promise<ToolRun> {
  return runProcess(ctx.python, ['-c', COVERAGE_SCRIPT, path.join(ctx.tmp, COVERAGE_JSON)], {
    cwd: ctx.cwd,
    env: { ...toolEnv(), COVERAGE_FILE: coverageFile(ctx) },
    timeoutMs: ctx.timeoutMs,
    signal: ctx.signal,
  });
}

/** Run one planned tool and read its outcome; `onOutput` sees its output as it comes. */
export async function runTool(
  plan: ToolPlan,
  ctx: ToolContext,
  onOutput?: (chunk: string) => void,
): Promise<{ report: GateReport; run: ToolRun }> {
  const run = await runProcess(ctx.python, plan.args, {
    cwd: ctx.cwd,
    env: plan.env,
    timeoutMs: ctx.timeoutMs,
    niceness: plan.niceness,
    signal: ctx.signal,
    onOutput,
  });
  let report: GateReport;
  try {
    report = plan.parse(run);
  } catch (error) {
    report = toolError(
      plan.tool,
      run,
      `produced output lint-gate could not read (${(error as Error).message})`,
    );
  }
  return { report: { ...report, command: ['python', ...plan.args] }, run };
}
