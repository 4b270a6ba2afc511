/**
 * Run a committed action bundle locally, the way the GitHub runner runs it.
 *
 *   node packages/harness/bin/run-action.js <action> [--workspace DIR] [--input name=value ...]
 *        [--input-file name=path ...] [--env NAME=value ...] [--node20] [--post]
 *
 * Prints the log as the runner would show it (masked), then the outputs and the
 * job summary; exits with the action's exit code. A relative --input-file path starts at
 * --workspace (as in `deploy-kit`), else at the current directory.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NODE20, runAction } from './run-action';

function usage(message: string): never {
  console.error(
    `${message}\nusage: run-action.js <action> [--workspace DIR] [--input name=value] [--input-file name=path] [--env NAME=value] [--node20] [--post]`,
  );
  process.exit(2);
}

function pair(flag: string, value: string | undefined): [string, string] {
  const eq = value?.indexOf('=') ?? -1;
  if (!value || eq <= 0) usage(`${flag} expects name=value`);
  return [value.slice(0, eq), value.slice(eq + 1)];
}

export async function cliMain(argv: readonly string[]): Promise<void> {
  const args = [...argv];
  const action = args.shift();
  if (!action || action.startsWith('-')) usage('missing action name');
  const inputs: Record<string, string> = {};
  const env: Record<string, string> = {};
  let workspace: string | undefined;
  let node: string | undefined;
  let post = false;
  const files: [string, string][] = [];
  while (args.length > 0) {
    const flag = args.shift() as string;
    if (flag === '--input') {
      const [k, v] = pair(flag, args.shift());
      inputs[k] = v;
    } else if (flag === '--input-file') {
      files.push(pair(flag, args.shift()));
    } else if (flag === '--env') {
      const [k, v] = pair(flag, args.shift());
      env[k] = v;
    } else if (flag === '--workspace') {
      workspace = path.resolve(args.shift() ?? usage('--workspace expects a directory'));
    } else if (flag === '--node20') {
      node = NODE20;
    } else if (flag === '--post') {
      post = true;
    } else usage(`unknown flag ${flag}`);
  }
  for (const [k, file] of files) inputs[k] = fs.readFileSync(path.resolve(workspace ?? '.', file), 'utf8');
  const result = await runAction({ action, inputs, env, workspace, node, post });
  process.stdout.write(result.log.trimEnd() + '\n');
  console.log('\n--- outputs');
  for (const [k, v] of Object.entries(result.outputs)) console.log(`${k}: ${v}`);
  console.log('\n--- job summary');
  console.log(result.summary.trimEnd());
  console.log(
    `\n--- exit code ${result.exitCode}${result.signal ? ` (signal ${result.signal})` : ''} in ${result.durationMs} ms`,
  );
  process.exitCode = result.exitCode ?? 1;
}
