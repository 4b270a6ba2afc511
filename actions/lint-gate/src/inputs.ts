import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  InputError,
  InputReader,
  parseList,
  resolveInWorkspace,
  splitShellWords,
  workspaceRoot,
  type RawInputs,
  workingDirectoryInput,
} from '@deploy-kit/shared';
import defaults from './action-defaults.json';
import { parseShard, type Mode, type ShardSpec } from './shard/spec';
import { TOOL_NAMES, type ToolName } from './types';

/** Every input of action.yml, parsed and validated once. */
export interface Inputs {
  workspace: string;
  /** Absolute, inside the workspace. */
  workingDirectory: string;
  workingDirectoryName: string;
  tools: ToolName[];
  /** As given (a name on PATH or a path); resolved by the interpreter module. */
  python: string;
  pytestArgs: string[];
  coverageThreshold: number | undefined;
  diffCoverageThreshold: number | undefined;
  baseRef: string;
  /** Absolute path of a requirements file to install the tools from, when given. */
  install: string | undefined;
  maxAnnotations: number;
  allowNoTests: boolean;
  /** The whole run's time limit: installing the tools, then every tool (they run at once). */
  timeoutMs: number;
  /** run: the tools (the whole suite, or one shard of it); merge: the shards' results into one verdict. */
  mode: Mode;
  /** This run's shard of pytest (shard/), when split. */
  shard: ShardSpec | undefined;
  /** Absolute path of the recorded durations (may not exist yet), when given. */
  shardDurations: string | undefined;
  /** Absolute: where a shard writes its results and where the merge reads every shard's. */
  shardResults: string;
}

export const DEFAULT_TOOLS: ToolName[] = ['black', 'flake8', 'pytest'];
export const DEFAULT_TIMEOUT_MS = 20 * 60_000;

export function parseTools(value: string): ToolName[] {
  const names = parseList(value.toLowerCase());
  if (names.length === 0) return DEFAULT_TOOLS;
  const unknown = names.filter((n) => !(TOOL_NAMES as readonly string[]).includes(n));
  if (unknown.length > 0)
    throw new InputError(
      `'tools' must be a comma- or newline-separated list of ${TOOL_NAMES.join(', ')}; unknown: ${unknown.join(', ')}.`,
    );
  return [...new Set(names)] as ToolName[];
}

/** A percentage from 0 to 100 ('80', '72.5', '80%'); empty turns the gate off. */
export function parseThreshold(name: string, value: string): number | undefined {
  const v = value.trim().replace(/\s*%$/, '');
  if (v === '') return undefined;
  if (!/^\d+(\.\d+)?$/.test(v) || Number(v) > 100)
    throw new InputError(
      `'${name}' must be a percentage from 0 to 100 such as 80 or 72.5 (empty turns it off), got '${value.trim()}'.`,
    );
  return Number(v);
}

export function parseWorkingDirectory(value: string): { dir: string; name: string } {
  const dir = workingDirectoryInput(value);
  const name = path.relative(fs.realpathSync(workspaceRoot()), dir) || '.';
  return { dir, name };
}

/** `install`: a requirements file, relative to the working directory, inside the workspace. */
function parseInstall(value: string, workingDirectory: string): string | undefined {
  if (value === '') return undefined;
  const file = resolveInWorkspace('install', path.resolve(workingDirectory, value));
  if (!fs.existsSync(file) || !fs.statSync(file).isFile())
    throw new InputError(
      `'install' must be a requirements file in the workspace (pinned, with --hash), got '${value}'.`,
    );
  return file;
}

/** mode, shard, shard-durations, shard-results (shard/). */
function shardInputs(
  read: InputReader,
  dir: string,
): Pick<Inputs, 'mode' | 'shard' | 'shardDurations' | 'shardResults'> {
  const mode = read.enum('mode', ['run', 'merge'] as const, 'run');
  const shard = parseShard(read.string('shard'));
  if (mode === 'merge' && shard)
    throw new InputError("'shard' is for the shards' runs; leave it empty with mode: merge.");
  const durations = read.string('shard-durations');
  return {
    mode,
    shard,
    shardDurations:
      durations === '' ? undefined : resolveInWorkspace('shard-durations', path.resolve(dir, durations)),
    shardResults: resolveInWorkspace(
      'shard-results',
      path.resolve(dir, read.string('shard-results', { fallback: 'lint-gate-shards' })),
    ),
  };
}

/** The inputs, from the runner's or a caller's raw values (action.yml defaults for the rest). Pure. */
export function parseInputs(raw: RawInputs): Inputs {
  const read = new InputReader(raw, defaults);
  const { dir, name } = parseWorkingDirectory(read.string('working-directory', { fallback: '.' }));
  return {
    workspace: fs.realpathSync(workspaceRoot()),
    workingDirectory: dir,
    workingDirectoryName: name,
    tools: parseTools(read.string('tools')),
    python: read.string('python', { fallback: 'python3' }),
    pytestArgs: splitShellWords('pytest-args', read.string('pytest-args')),
    coverageThreshold: parseThreshold('coverage-threshold', read.string('coverage-threshold')),
    diffCoverageThreshold: parseThreshold('diff-coverage-threshold', read.string('diff-coverage-threshold')),
    baseRef: read.string('base-ref'),
    install: parseInstall(read.string('install'), dir),
    maxAnnotations: read.integer('max-annotations', { min: 0, max: 50, fallback: 20 }),
    allowNoTests: read.boolean('allow-no-tests', false),
    timeoutMs: read.duration('timeout', DEFAULT_TIMEOUT_MS),
    ...shardInputs(read, dir),
  };
}
