/**
 * `deploy-kit --help` and `deploy-kit <action> --help`, generated from the actions' action.yml
 * (the one-step deploy's is generated from the three it composes): what each action does, and
 * every input with its default, whether it is required and whether it is a secret.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readActionMetadata, REPO_ROOT, type ActionMetadata } from './run-action';
import { secretInputsOf } from './secret-inputs';

/** Action name → published folder ('.' for the one-step deploy), as scripts/actions.json lists them. */
export function actionFolders(): Record<string, string> {
  const file = path.join(REPO_ROOT, 'scripts', 'actions.json');
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, string>;
}

/** The usage lines, for one action or for any. */
export function usage(action = '<action>'): string {
  const lead = `deploy-kit ${action} `;
  return [
    `usage: ${lead}[--workspace DIR] [--input name=value ...] [--input-file name=PATH ...]`,
    `       ${' '.repeat(lead.length)}[--input-env name=VARIABLE ...] [--debug] [--node20]`,
    `       ${lead}--help`,
  ].join('\n');
}

const OPTIONS: [string, string][] = [
  ['--workspace DIR', "the app's checkout: GITHUB_WORKSPACE and where relative paths start (default: here)"],
  ['--input name=value', 'a plain input (a secret input is refused here: ps and the shell history see it)'],
  ['--input-file name=PATH', "an input's value read from a file; a relative PATH starts at --workspace"],
  ['--input-env name=VAR', "an input's value read from the environment variable VAR"],
  ['--debug', "show the action's debug lines (as RUNNER_DEBUG=1 does on the runner)"],
  ['--node20', "run the bundle on this machine's node instead of Node 24"],
  ['--help, -h', "this help; after an action's name, that action's inputs"],
];

const EXIT_CODES =
  'exit status: 0 the action passed, 1 it failed (or could not run, or was cancelled), 2 a usage error';

/** Words filled into lines of at most `width` columns, each line after the first indented. */
export function wrap(text: string, width: number, indent: number, firstIndent = indent): string {
  const words = text.trim().split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let line = ' '.repeat(firstIndent);
  let empty = true;
  for (const word of words) {
    if (!empty && line.length + 1 + word.length > width) {
      lines.push(line);
      line = ' '.repeat(indent) + word;
    } else line += (empty ? '' : ' ') + word;
    empty = false;
  }
  lines.push(line);
  return lines.join('\n');
}

/** A name column and its wrapped text, the text on the same line when the name fits. */
function row(name: string, text: string, width: number, column: number, margin = 2): string {
  const head = `${' '.repeat(margin)}${name}`;
  if (head.length + 2 > column) return `${head}\n${wrap(text, width, column)}`;
  return head + wrap(text, width, column, column).slice(head.length);
}

/** What every help ends with: the options and the exit status. */
function closing(width: number): string[] {
  return ['options:', ...OPTIONS.map(([flag, text]) => row(flag, text, width, 27)), '', EXIT_CODES, ''];
}

export function mainHelp(width = 100): string {
  const folders = actionFolders();
  const actions = Object.entries(folders).map(([name, folder]) => {
    const description = readActionMetadata(folder).description ?? '';
    return row(name, description, width, 17);
  });
  return [
    'deploy-kit: run a deploy-kit action, or the one-step deploy, from your machine, with the same',
    'inputs and checks as in a workflow (the committed bundle, run the way the runner runs it).',
    '',
    usage(),
    '',
    'actions:',
    ...actions,
    '',
    ...closing(width),
  ].join('\n');
}

/** How an input's default reads in help: as written, or quoted when blank around or multi-line. */
function shownDefault(value: unknown): string | undefined {
  if (value === undefined || value === null || String(value) === '') return undefined;
  const text = String(value);
  return /^\s|\s$|\n/.test(text) ? JSON.stringify(text) : text;
}

function inputLines(name: string, meta: ActionMetadata, width: number): string[] {
  const inputs = meta.inputs ?? {};
  const secrets = secretInputsOf(name, Object.keys(inputs)).names;
  return Object.entries(inputs).map(([input, spec]) => {
    const facts = [
      spec?.required === true ? 'required' : undefined,
      secrets.includes(input) ? 'secret: --input-file or --input-env only' : undefined,
      shownDefault(spec?.default) === undefined ? undefined : `default: ${shownDefault(spec?.default)}`,
    ].filter((fact): fact is string => fact !== undefined);
    const head = `  ${input}${facts.length > 0 ? `  (${facts.join('; ')})` : ''}`;
    return `${head}\n${wrap(spec?.description ?? '', width, 6)}`;
  });
}

/** `deploy-kit <action> --help`: the action's description, inputs and outputs. */
export function actionHelp(name: string, width = 100): string {
  const folder = actionFolders()[name];
  if (folder === undefined) throw new Error(`unknown action '${name}'`);
  const meta = readActionMetadata(folder);
  const outputs = Object.entries(meta.outputs ?? {}).map(([output, spec]) =>
    row(output, spec?.description ?? '', width, 22, 2),
  );
  return [
    `deploy-kit ${name}`,
    wrap(meta.description ?? '', width, 2),
    '',
    usage(name),
    '',
    'inputs:',
    ...inputLines(name, meta, width),
    '',
    'outputs (printed after the run):',
    ...outputs,
    '',
    ...closing(width),
  ].join('\n');
}
