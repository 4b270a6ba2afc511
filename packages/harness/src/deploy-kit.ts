/**
 * `deploy-kit`: run any deploy-kit action, or the one-step deploy, from an operator's machine with
 * the same inputs and the same checks as the workflow (the committed bundle, run the way the
 * runner runs it).
 *
 *   deploy-kit <deploy|action> [--workspace DIR] [--input name=value ...] [--input-file name=path ...]
 *              [--input-env name=VARIABLE ...] [--node20]
 *
 * Secret inputs (passwords, passphrases, tokens, private keys, `secrets`) are refused on the
 * command line, where `ps` and the shell history see them: give them with --input-file or
 * --input-env. The log streams as it comes, masked the way the runner masks it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { maskLog, NODE20, readActionMetadata, REPO_ROOT, runAction } from './run-action';

export class UsageError extends Error {}

/** Inputs whose value is a secret in some action: never accepted in argv. */
export function isSecretInput(name: string): boolean {
  return /(^|-)(password|passphrase|token|secrets?|private-key)$/.test(name);
}

export interface CliRequest {
  /** Published folder ('.' for the one-step deploy). */
  action: string;
  workspace: string;
  inputs: Record<string, string>;
  node?: string;
}

function actionFolders(): Record<string, string> {
  return JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'scripts', 'actions.json'), 'utf8')) as Record<
    string,
    string
  >;
}

function pair(flag: string, value: string | undefined): [string, string] {
  const eq = value?.indexOf('=') ?? -1;
  if (!value || eq <= 0) throw new UsageError(`${flag} expects name=value, got '${value ?? ''}'`);
  return [value.slice(0, eq), value.slice(eq + 1)];
}

/** Parse argv into a request; reads --input-file and --input-env values. Throws UsageError. */
export function parseCli(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
): CliRequest {
  const args = [...argv];
  const name = args.shift();
  const folders = actionFolders();
  if (!name || name.startsWith('-'))
    throw new UsageError(`name what to run: ${Object.keys(folders).join(', ')}`);
  const action = name === '.' ? '.' : folders[name];
  if (action === undefined)
    throw new UsageError(`unknown action '${name}'; one of: ${Object.keys(folders).join(', ')}`);
  const declared = Object.keys(readActionMetadata(action).inputs ?? {});
  const inputs: Record<string, string> = {};
  let workspace = cwd;
  let node: string | undefined;
  const set = (flag: string, key: string, value: string): void => {
    if (!declared.includes(key))
      throw new UsageError(`${flag}: '${name}' has no input '${key}' (its inputs: ${declared.join(', ')})`);
    inputs[key] = value;
  };
  while (args.length > 0) {
    const flag = args.shift() as string;
    if (flag === '--input') {
      const [k, v] = pair(flag, args.shift());
      if (isSecretInput(k))
        throw new UsageError(
          `'${k}' is a secret and is not accepted on the command line (ps and the shell history see it); use --input-file ${k}=PATH or --input-env ${k}=VARIABLE`,
        );
      set(flag, k, v);
    } else if (flag === '--input-file') {
      const [k, file] = pair(flag, args.shift());
      const full = path.resolve(cwd, file);
      if (!fs.existsSync(full)) throw new UsageError(`--input-file ${k}: ${file} does not exist`);
      set(flag, k, fs.readFileSync(full, 'utf8'));
    } else if (flag === '--input-env') {
      const [k, variable] = pair(flag, args.shift());
      const value = env[variable];
      if (value === undefined)
        throw new UsageError(`--input-env ${k}: the environment variable ${variable} is not set`);
      set(flag, k, value);
    } else if (flag === '--workspace') {
      const dir = args.shift();
      if (!dir) throw new UsageError('--workspace expects a directory');
      workspace = path.resolve(cwd, dir);
    } else if (flag === '--node20') {
      node = NODE20;
    } else throw new UsageError(`unknown flag '${flag}'`);
  }
  return { action, workspace, inputs, node };
}

/** Masks values as the runner does, line by line as the log streams (add-mask always comes first). */
export class StreamMasker {
  private masks: string[] = [];
  private partial = '';

  push(chunk: string): string {
    const text = this.partial + chunk;
    const cut = text.lastIndexOf('\n');
    if (cut === -1) {
      this.partial = text;
      return '';
    }
    this.partial = text.slice(cut + 1);
    return this.lines(text.slice(0, cut + 1));
  }

  flush(): string {
    const rest = this.partial;
    this.partial = '';
    return rest === '' ? '' : this.lines(rest);
  }

  private lines(text: string): string {
    const out: string[] = [];
    for (const line of text.split('\n')) {
      const m = /^::add-mask::(.*)$/.exec(line);
      if (m) {
        // The runner decodes workflow command escapes: %25 %0D %0A.
        const value = (m[1] ?? '').replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
        if (value.trim() !== '') this.masks = [...this.masks, value].sort((a, b) => b.length - a.length);
        continue;
      }
      out.push(this.masks.reduce((acc, mask) => acc.split(mask).join('***'), line));
    }
    return out.join('\n');
  }
}

export async function deployKitMain(argv: readonly string[]): Promise<number> {
  let request: CliRequest;
  try {
    request = parseCli(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`deploy-kit: ${error.message}`);
    console.error(
      'usage: deploy-kit <deploy|action> [--workspace DIR] [--input name=value] [--input-file name=path] [--input-env name=VARIABLE] [--node20]',
    );
    return 2;
  }
  const masker = new StreamMasker();
  // Ctrl-C reaches the action too (same process group): it cancels the way the runner's SIGINT
  // does (remote-deploy puts switched hosts back, releases locks). Stay to show how it ended.
  const onSignal = (signal: NodeJS.Signals): void => {
    process.stderr.write(`\ndeploy-kit: ${signal} passed on to the action; waiting for it to stop cleanly\n`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const result = await runAction({
    action: request.action,
    workspace: request.workspace,
    inputs: request.inputs,
    node: request.node,
    env: { SSH_AUTH_SOCK: undefined },
    timeoutMs: 60 * 60 * 1000,
    onStdout: (chunk) => process.stdout.write(masker.push(chunk)),
  });
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  process.stdout.write(masker.flush());
  if (result.stderr.trim() !== '') process.stderr.write(maskLog(result.stderr, result.masks));
  console.log('\n--- outputs');
  for (const [k, v] of Object.entries(result.outputs)) console.log(`${k}: ${v}`);
  console.log(`\n--- job summary (also in ${path.join(result.runnerTemp, 'summary')})`);
  console.log(result.summary.trimEnd());
  console.log(`\n--- exit code ${result.exitCode ?? 1} in ${(result.durationMs / 1000).toFixed(1)} s`);
  return result.exitCode ?? 1;
}
