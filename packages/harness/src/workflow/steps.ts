import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseFileCommand } from '../commands';
import { readActionMetadata, runAction } from '../run-action';
import { runPhase } from '../run-phase';
import type { ActionStandIn, RunnerState, WorkflowRun } from './types';

/** What a step runs with, already evaluated. */
export interface StepCall {
  run?: string;
  uses?: string;
  with: Record<string, string>;
  env: Record<string, string>;
  workspace: string;
  workingDirectory?: string;
  timeoutMs: number;
}

export interface StepEffect {
  ok: boolean;
  outputs: Record<string, string>;
  env: Record<string, string>;
  path: string[];
  summary: string;
  log: string;
}

export interface StepHost {
  runnerTemp: string;
  deployKit: string;
  standIns: Record<string, ActionStandIn>;
  state: RunnerState;
  run: WorkflowRun;
}

/** A `run:` script in bash (`bash --noprofile --norc -eo pipefail`), with the runner's file commands. */
export async function runScript(call: StepCall, host: StepHost): Promise<StepEffect> {
  const dir = fs.mkdtempSync(path.join(host.runnerTemp, 'step-'));
  const files = fileCommands(dir);
  const script = path.join(dir, 'script.sh');
  fs.writeFileSync(script, `set -eo pipefail\n${call.run ?? ''}\n`);
  const cwd = call.workingDirectory ? path.join(call.workspace, call.workingDirectory) : call.workspace;
  const result = await runPhase('bash', script, { ...call.env, ...files }, cwd, {
    timeoutMs: call.timeoutMs,
  });
  return { ok: result.exitCode === 0, ...readFileCommands(files), log: result.stdout + result.stderr };
}

function fileCommands(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const name of ['GITHUB_OUTPUT', 'GITHUB_ENV', 'GITHUB_PATH', 'GITHUB_STEP_SUMMARY', 'GITHUB_STATE']) {
    files[name] = path.join(dir, name.toLowerCase());
    fs.writeFileSync(files[name], '');
  }
  return files;
}

function readFileCommands(files: Record<string, string>): Omit<StepEffect, 'ok' | 'log'> {
  const read = (name: string): string => fs.readFileSync(files[name] as string, 'utf8');
  return {
    outputs: parseFileCommand(read('GITHUB_OUTPUT')),
    env: parseFileCommand(read('GITHUB_ENV')),
    path: read('GITHUB_PATH').split('\n').filter(Boolean),
    summary: read('GITHUB_STEP_SUMMARY'),
  };
}

/** Where `uses:` points: one of this repository's actions, a local action folder, or a stand-in. */
export function resolveUses(
  uses: string,
  deployKit: string,
  workspace: string,
  standIns: Record<string, unknown> = {},
): { action: string } | { standIn: string } {
  const [name = ''] = uses.split('@');
  // A test may stand in for one of our own actions too (wiring tests that need no sandbox).
  if (name in standIns) return { standIn: name };
  if (name === deployKit) return { action: '.' };
  if (name.startsWith(`${deployKit}/`)) return { action: name.slice(deployKit.length + 1) };
  if (uses.startsWith('./')) return { action: path.resolve(workspace, uses) };
  return { standIn: name };
}

/** A `uses:` step: a committed bundle through runAction, or a stand-in. */
export async function runUses(call: StepCall, host: StepHost): Promise<StepEffect> {
  const target = resolveUses(call.uses ?? '', host.deployKit, call.workspace, host.standIns);
  if ('standIn' in target) {
    const standIn = host.standIns[target.standIn];
    if (!standIn) return fail(`no local stand-in for ${call.uses}`);
    try {
      const result = await standIn({
        uses: call.uses ?? '',
        with: call.with,
        workspace: call.workspace,
        env: call.env,
        run: host.run,
        runner: host.state,
      });
      return {
        ok: !result.failed,
        outputs: result.outputs ?? {},
        env: {},
        path: [],
        summary: '',
        log: result.failed ?? '',
      };
    } catch (error) {
      return fail(`${call.uses}: ${String(error)}`);
    }
  }
  const result = await runAction({
    action: target.action,
    inputs: call.with,
    env: call.env,
    workspace: call.workspace,
    post: true,
    timeoutMs: call.timeoutMs,
    removeTemp: 'after-run',
  });
  return {
    ok: result.exitCode === 0,
    outputs: result.outputs,
    env: result.env,
    path: result.path,
    summary: result.summary,
    log: result.log,
  };
}

function fail(message: string): StepEffect {
  return { ok: false, outputs: {}, env: {}, path: [], summary: '', log: message };
}

/**
 * The runner evaluates an action's `${{ }}` input defaults (tag-release's `token: ${{ github.token }}`)
 * in the step's contexts; runAction fills defaults literally, so those are passed explicitly.
 */
export function expressionDefaults(
  uses: string,
  host: Pick<StepHost, 'deployKit' | 'standIns'>,
  workspace: string,
  evaluate: (expression: string) => string,
): Record<string, string> {
  const target = resolveUses(uses, host.deployKit, workspace, host.standIns);
  if (!('action' in target)) return {};
  const out: Record<string, string> = {};
  let inputs: ReturnType<typeof readActionMetadata>['inputs'];
  try {
    inputs = readActionMetadata(target.action).inputs;
  } catch {
    return {}; // not there (yet): the step fails when it runs
  }
  for (const [name, spec] of Object.entries(inputs ?? {})) {
    const m = /^\$\{\{(.*)\}\}$/s.exec(String(spec?.default ?? ''));
    if (m) out[name] = evaluate(m[1] ?? '');
  }
  return out;
}
