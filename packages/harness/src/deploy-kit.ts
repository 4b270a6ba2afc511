/**
 * `deploy-kit`: run any deploy-kit action, or the one-step deploy, from an operator's machine with
 * the same inputs and the same checks as the workflow (the committed bundle, run the way the
 * runner runs it: INPUT_* variables, the runner's files, its cancel sequence).
 *
 *   deploy-kit <action> [--workspace DIR] [--input name=value ...] [--input-file name=PATH ...]
 *              [--input-env name=VARIABLE ...] [--debug] [--node20]
 *   deploy-kit [<action>] --help
 *
 * Secret inputs are refused on the command line, where `ps` and the shell history see them: give
 * them with --input-file (relative to --workspace) or --input-env. The log streams as it comes,
 * rendered for a terminal and masked (terminal-log.ts). Exit status: 0 passed, 1 failed, 2 usage.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { actionFolders, actionHelp, mainHelp, usage } from './cli-help';
import {
  NODE20,
  readActionMetadata,
  runAction,
  type ActionMetadata,
  type RunActionResult,
} from './run-action';
import { secretInputsOf } from './secret-inputs';
import { MaskSet, TerminalLog } from './terminal-log';

export { isSecretInput } from './secret-inputs';

export class UsageError extends Error {}

export interface CliRequest {
  /** The action's name ('deploy' for the one-step deploy, also when typed as '.'). */
  name: string;
  /** Published folder ('.' for the one-step deploy). */
  action: string;
  workspace: string;
  inputs: Record<string, string>;
  node?: string;
  /** Show ::debug:: lines and run the action with RUNNER_DEBUG=1. */
  debug: boolean;
  /** The action's secret inputs: their values are masked in the log from the start, as the runner masks secrets. */
  secrets: string[];
}

/** What the command line asks for: a run, or a help text to print. */
export type CliCommand = CliRequest | { help: string };

const HELP_FLAGS = ['--help', '-h'];

function pair(flag: string, value: string | undefined): [string, string] {
  const eq = value?.indexOf('=') ?? -1;
  if (!value || eq <= 0) throw new UsageError(`${flag} expects name=value, got '${value ?? ''}'`);
  return [value.slice(0, eq), value.slice(eq + 1)];
}

/** The action named first on the command line (its name and folder). */
function actionNamed(name: string | undefined): { name: string; folder: string } {
  const folders = actionFolders();
  const names = Object.keys(folders).join(', ');
  if (!name || name.startsWith('-')) throw new UsageError(`name what to run: ${names}`);
  const known = name === '.' ? 'deploy' : name;
  const folder = folders[known];
  if (folder === undefined) throw new UsageError(`unknown action '${name}'; one of: ${names}`);
  return { name: known, folder };
}

/** A --input-file path: `~/` is the home folder, a relative path starts at the workspace. */
function inputFilePath(file: string, workspace: string): string {
  if (file === '~' || file.startsWith('~/')) return path.join(os.homedir(), file.slice(1));
  return path.resolve(workspace, file);
}

/**
 * The request once every flag is read: the workspace checked, --input-file values read from it
 * (a --workspace may follow the --input-file it anchors), no required input left out.
 */
function completed(
  request: CliRequest,
  files: readonly [string, string][],
  specs: NonNullable<ActionMetadata['inputs']>,
): CliRequest {
  const { name } = request;
  const declared = Object.keys(specs);
  if (!fs.existsSync(request.workspace) || !fs.statSync(request.workspace).isDirectory())
    throw new UsageError(`--workspace: ${request.workspace} is not a directory`);
  for (const [k, file] of files) {
    const full = inputFilePath(file, request.workspace);
    if (!fs.existsSync(full) || !fs.statSync(full).isFile())
      throw new UsageError(`--input-file ${k}: ${full} is not a file`);
    request.inputs[k] = fs.readFileSync(full, 'utf8');
  }
  const missing = declared.filter(
    (k) => specs[k]?.required === true && specs[k]?.default === undefined && !(k in request.inputs),
  );
  if (missing.length > 0)
    throw new UsageError(
      `'${name}' needs ${missing.map((k) => `'${k}'`).join(' and ')} (deploy-kit ${name} --help)`,
    );
  return request;
}

/** Parse argv into a run or a help request; reads --input-file and --input-env values. Throws UsageError. */
export function parseCli(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
): CliCommand {
  const args = [...argv];
  if (HELP_FLAGS.includes(args[0] ?? '')) return { help: mainHelp() };
  if (args[0] === 'help')
    return args[1] ? { help: actionHelp(actionNamed(args[1]).name) } : { help: mainHelp() };
  const { name, folder } = actionNamed(args.shift());
  if (args.some((arg) => HELP_FLAGS.includes(arg))) return { help: actionHelp(name) };
  const specs = readActionMetadata(folder).inputs ?? {};
  const declared = Object.keys(specs);
  const secrets = secretInputsOf(name, declared).names;
  const request: CliRequest = { name, action: folder, workspace: cwd, inputs: {}, debug: false, secrets };
  const files: [string, string][] = [];
  const set = (flag: string, key: string, value: string): void => {
    if (!declared.includes(key))
      throw new UsageError(`${flag}: '${name}' has no input '${key}' (its inputs: ${declared.join(', ')})`);
    request.inputs[key] = value;
  };
  while (args.length > 0) {
    const flag = args.shift() as string;
    if (flag === '--input') {
      const [k, v] = pair(flag, args.shift());
      if (secrets.includes(k))
        throw new UsageError(
          `'${k}' is a secret and is not accepted on the command line (ps and the shell history see it); use --input-file ${k}=PATH or --input-env ${k}=VARIABLE`,
        );
      set(flag, k, v);
    } else if (flag === '--input-file') {
      const [k, file] = pair(flag, args.shift());
      set(flag, k, '');
      files.push([k, file]);
    } else if (flag === '--input-env') {
      const [k, variable] = pair(flag, args.shift());
      const value = env[variable];
      if (value === undefined)
        throw new UsageError(`--input-env ${k}: the environment variable ${variable} is not set`);
      set(flag, k, value);
    } else if (flag === '--workspace') {
      const dir = args.shift();
      if (!dir) throw new UsageError('--workspace expects a directory');
      request.workspace = path.resolve(cwd, dir);
    } else if (flag === '--node20') request.node = NODE20;
    else if (flag === '--debug') request.debug = true;
    else throw new UsageError(`unknown flag '${flag}'`);
  }
  return completed(request, files, specs);
}

export interface CliIO {
  out: { write(text: string): unknown };
  err: { write(text: string): unknown };
}

const CANCEL_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** A secret's value as given, trimmed, and each line that is more than punctuation (runner-style masks are per line). */
function maskSecret(masks: MaskSet, value: string): void {
  masks.add(value);
  masks.add(value.trim());
  for (const line of value.split(/\r?\n/)) if (/[\p{L}\p{N}]/u.test(line)) masks.add(line.trim());
}

/** The action's exit status as the command's: 0 passed, 1 anything else (failed, killed, timed out). */
export function exitStatus(result: Pick<RunActionResult, 'exitCode' | 'signal' | 'timedOut'>): 0 | 1 {
  return result.exitCode === 0 && result.signal === null && !result.timedOut ? 0 : 1;
}

/** How the run ended, in a few words. */
function ending(result: RunActionResult, cancelledBy: string | undefined): string {
  if (exitStatus(result) === 0) return 'passed';
  if (result.timedOut) return 'timed out';
  const by = result.signal ? `, ended by ${result.signal}` : '';
  return cancelledBy ? `cancelled (${cancelledBy}${by})` : `failed${by}`;
}

/** After the log: the outputs and the job summary, masked like the log, and how it ended. */
function report(result: RunActionResult, masks: MaskSet, io: CliIO, cancelledBy?: string): void {
  const outputs = Object.entries(result.outputs);
  io.out.write(`\n--- outputs${outputs.length === 0 ? ': none' : ''}\n`);
  for (const [k, v] of outputs) io.out.write(`${k}: ${masks.apply(v)}\n`);
  if (result.summary.trim() !== '')
    io.out.write(`\n--- job summary\n${masks.apply(result.summary.trimEnd())}\n`);
  const how = ending(result, cancelledBy);
  io.out.write(`\n--- ${how} (exit ${exitStatus(result)}) in ${(result.durationMs / 1000).toFixed(1)} s\n`);
}

/** Run one action for a person at a terminal: live log rendered and masked, Ctrl-C as the runner cancels. */
export async function runCli(
  request: CliRequest,
  io: CliIO = { out: process.stdout, err: process.stderr },
): Promise<number> {
  const masks = new MaskSet();
  // The runner masks a workflow's secrets before the action says anything; so does this command.
  for (const name of request.secrets) maskSecret(masks, request.inputs[name] ?? '');
  const stdout = new TerminalLog({ debug: request.debug, masks });
  const stderr = new TerminalLog({ debug: request.debug, masks });
  // The action runs in its own process group, so Ctrl-C reaches only this process, which cancels
  // it the way the runner cancels a step: SIGINT, SIGTERM 7.5 s later, then the group is killed.
  const cancel = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (!cancel.signal.aborted)
      io.err.write(
        `\ndeploy-kit: ${signal}: cancelling ${request.name} as the runner does (SIGINT, SIGTERM in 7.5 s, killed 2.5 s later)\n`,
      );
    cancel.abort(signal);
  };
  for (const signal of CANCEL_SIGNALS) process.on(signal, onSignal);
  let result: RunActionResult;
  try {
    result = await runAction({
      action: request.action,
      workspace: request.workspace,
      inputs: request.inputs,
      node: request.node,
      env: { SSH_AUTH_SOCK: undefined, RUNNER_DEBUG: request.debug ? '1' : undefined },
      post: true,
      timeoutMs: 6 * 60 * 60 * 1000,
      onStdout: (chunk) => io.out.write(stdout.push(chunk)),
      onStderr: (chunk) => io.err.write(stderr.push(chunk)),
      cancel: cancel.signal,
      processGroup: true,
      removeTemp: 'after-run',
    });
  } catch (error) {
    io.err.write(
      `deploy-kit: could not run ${request.name}: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    return 1;
  } finally {
    for (const signal of CANCEL_SIGNALS) process.off(signal, onSignal);
  }
  const rest = stdout.flush();
  if (rest !== '') io.out.write(`${rest}\n`);
  const restErr = stderr.flush();
  if (restErr !== '') io.err.write(`${restErr}\n`);
  report(result, masks, io, cancel.signal.aborted ? String(cancel.signal.reason) : undefined);
  return exitStatus(result);
}

/** The command: help, a usage error (exit 2), or a run (the action's exit status). */
export async function deployKitMain(
  argv: readonly string[],
  io: CliIO = { out: process.stdout, err: process.stderr },
): Promise<number> {
  let command: CliCommand;
  try {
    command = parseCli(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err.write(
      `deploy-kit: ${error.message}\n${usage()}\n(deploy-kit --help lists the actions; deploy-kit <action> --help its inputs)\n`,
    );
    return 2;
  }
  // A closed pipe or terminal (`| head`, a dropped ssh session) must not kill this process: the
  // action would run on in its own process group with nobody to finish its cancel or clean up.
  if (io.out === process.stdout) process.stdout.on('error', () => undefined);
  if (io.err === process.stderr) process.stderr.on('error', () => undefined);
  if ('help' in command) {
    io.out.write(command.help);
    return 0;
  }
  return runCli(command, io);
}
