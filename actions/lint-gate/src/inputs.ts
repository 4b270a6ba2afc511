import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseShell } from 'shell-quote';
import {
  getBoolean,
  getDuration,
  getInteger,
  getString,
  InputError,
  parseList,
  resolveInWorkspace,
  workspaceRoot,
} from '@deploy-kit/shared';
import * as core from '@actions/core';
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
  toolTimeoutMs: number;
}

export const DEFAULT_TOOLS: ToolName[] = ['black', 'flake8', 'pytest'];

export function parseTools(value: string): ToolName[] {
  const names = parseList(value.toLowerCase());
  if (names.length === 0) return DEFAULT_TOOLS;
  const unknown = names.filter((n) => !(TOOL_NAMES as readonly string[]).includes(n));
  if (unknown.length > 0)
    throw new InputError(
      `'tools' must be a comma- or newline-separated list of ${TOOL_NAMES.join(', ')}; unknown: ${unknown.join(', ')}.`,
    );
  const chosen = [...new Set(names)] as ToolName[];
  if (chosen.includes('flake8') && chosen.includes('ruff'))
    core.info('Both flake8 and ruff are selected: each reports its own findings.');
  return chosen;
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

/** Arguments as a shell would split them, without a shell: operators and globs are refused. */
export function parsePytestArgs(value: string): string[] {
  if (value.trim() === '') return [];
  const parsed = parseShell(value, (name) => `$${name}`);
  const args: string[] = [];
  for (const token of parsed) {
    if (typeof token !== 'string')
      throw new InputError(
        `'pytest-args' must be plain arguments (quoted as in a shell, no pipes, redirections or globs), got '${value.trim()}'.`,
      );
    args.push(token);
  }
  return args;
}

export function parseWorkingDirectory(value: string): { dir: string; name: string } {
  const dir = resolveInWorkspace('working-directory', value || '.');
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory())
    throw new InputError(
      `'working-directory' must be an existing directory inside the workspace, got '${value}'.`,
    );
  const name = path.relative(fs.realpathSync(workspaceRoot()), dir) || '.';
  return { dir, name };
}

export function readInputs(): Inputs {
  const { dir, name } = parseWorkingDirectory(getString('working-directory', { fallback: '.' }));
  const installValue = getString('install');
  let install: string | undefined;
  if (installValue !== '') {
    install = resolveInWorkspace('install', installValue);
    if (!fs.existsSync(install) || !fs.statSync(install).isFile())
      throw new InputError(
        `'install' must be a requirements file in the workspace (pinned, with --hash), got '${installValue}'.`,
      );
  }
  return {
    workspace: fs.realpathSync(workspaceRoot()),
    workingDirectory: dir,
    workingDirectoryName: name,
    tools: parseTools(core.getInput('tools')),
    python: getString('python'),
    pytestArgs: parsePytestArgs(core.getInput('pytest-args')),
    coverageThreshold: parseThreshold('coverage-threshold', core.getInput('coverage-threshold')),
    diffCoverageThreshold: parseThreshold(
      'diff-coverage-threshold',
      core.getInput('diff-coverage-threshold'),
    ),
    baseRef: getString('base-ref'),
    install,
    maxAnnotations: getInteger('max-annotations', { min: 0, max: 50, fallback: 20 }),
    allowNoTests: getBoolean('allow-no-tests', false),
    toolTimeoutMs: getDuration('tool-timeout', 20 * 60_000),
  };
}
