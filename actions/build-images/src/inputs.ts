import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  InputError,
  InputReader,
  parseSecretsInput,
  resolveInWorkspace,
  workspaceRoot,
  type RawInputs,
  workingDirectoryInput,
} from '@deploy-kit/shared';
import defaults from './action-defaults.json';
import type { BuilderKind } from './docker';
import type { PolicyMode } from './policy';
import { normalizeRegistry } from './reference';
import { DEFAULT_TAG_RULES, parseTagRules, type TagRule } from './tags';

export interface Inputs {
  /** Absolute path of the workspace: build contexts must stay inside it. */
  workspace: string;
  /** Absolute path of `working-directory`; relative path inputs resolve against it. */
  workingDirectory: string;
  /** Absolute path of the Compose file, when building from one. */
  composeFile?: string;
  /** Raw `targets` YAML, when building from an explicit list. */
  targets?: string;
  services: string[];
  registry: string;
  /** Lower-cased; '' means the GitHub repository (owner/name), read from the git context in run. */
  imagePrefix: string;
  registryUsername: string;
  registryPassword: string;
  push: 'auto' | 'true' | 'false';
  tagRules: TagRule[];
  labels: Record<string, string>;
  buildArgs: Record<string, string>;
  secrets: Record<string, string>;
  policy: PolicyMode;
  builder: 'auto' | BuilderKind;
  cacheFrom: string[];
  cacheTo: string[];
  network: string;
  saveTo?: string;
  /** Time budget for retrying a login, push or manifest request. */
  pushTimeoutMs: number;
}

const COMPOSE_NAMES = ['compose.yaml', 'compose.yml', 'docker-compose.yaml', 'docker-compose.yml'];

/** BuildKit secret ids: a leading digit is fine (`--secret id=1password`). */
const SECRET_ID = /^[A-Za-z0-9_.-]+$/;

/** `KEY=VALUE` lines (labels, build args); the value keeps any further `=`. A bad line is named by its number. */
export function parseKeyValues(
  name: string,
  text: string,
  keyPattern = /^[A-Za-z_][A-Za-z0-9_.-]*$/,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    const key = eq < 0 ? line : line.slice(0, eq).trim();
    if (eq < 0 || !keyPattern.test(key))
      throw new InputError(
        `'${name}' line ${index + 1} must look like NAME=value, got '${eq < 0 ? key : `${key}=…`}'.`,
      );
    out[key] = line.slice(eq + 1);
  }
  return out;
}

/** One entry per line: a buildx cache spec has commas of its own (type=registry,ref=...). */
function lines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/** A path input relative to `working-directory`, kept inside the workspace. */
function resolveFrom(workingDirectory: string, name: string, value: string): string {
  try {
    return resolveInWorkspace(name, path.resolve(workingDirectory, value));
  } catch {
    throw new InputError(
      `'${name}' must be a path inside the workspace (${workspaceRoot()}), got '${value}'.`,
    );
  }
}

/** How an error names the directory path inputs resolve against. */
export function placeOf(workspace: string, workingDirectory: string): string {
  const rel = path.relative(workspace, workingDirectory);
  return rel === '' ? 'the workspace' : `working-directory '${rel}'`;
}

function composeFileOf(read: InputReader, workspace: string, workingDirectory: string): string | undefined {
  const place = placeOf(workspace, workingDirectory);
  const composeInput = read.string('compose-file');
  if (read.raw('targets').trim()) {
    if (composeInput) throw new InputError(`set either 'compose-file' or 'targets', not both.`);
    return undefined;
  }
  if (composeInput) {
    const file = resolveFrom(workingDirectory, 'compose-file', composeInput);
    if (!fs.existsSync(file))
      throw new InputError(`'compose-file' ${composeInput} does not exist in ${place}.`);
    return file;
  }
  const found = COMPOSE_NAMES.map((n) => path.join(workingDirectory, n)).find((f) => fs.existsSync(f));
  if (!found)
    throw new InputError(
      `no Compose file in ${place} (looked for ${COMPOSE_NAMES.join(', ')}); set 'compose-file' or list images in 'targets'.`,
    );
  return found;
}

/** The action's inputs from raw values (the runner's INPUT_* or a caller's object): pure, nothing run. */
export function parseInputs(raw: RawInputs): Inputs {
  const read = new InputReader(raw, defaults);
  // Secrets first: parseSecretsInput masks every form of the text before it can be quoted.
  const secrets = parseSecretsInput('secrets', read.raw('secrets'), SECRET_ID);
  const registryPassword = read.raw('registry-password').trim();
  const registryUsername = read.string('registry-username');
  if ((registryUsername === '') !== (registryPassword === ''))
    throw new InputError(`'registry-username' and 'registry-password' go together; set both or neither.`);

  const workspace = fs.realpathSync(workspaceRoot());
  const workingDirectory = workingDirectoryInput(read.string('working-directory'));
  const composeFile = composeFileOf(read, workspace, workingDirectory);
  const targets = read.raw('targets').trim();
  const saveTo = read.string('save-to');
  return {
    workspace,
    workingDirectory,
    ...(composeFile ? { composeFile } : {}),
    ...(targets ? { targets } : {}),
    services: read.list('services'),
    registry: normalizeRegistry(read.string('registry'), `'registry'`),
    imagePrefix: read.string('image-prefix').toLowerCase(),
    registryUsername,
    registryPassword,
    push: read.enum('push', ['auto', 'true', 'false'] as const, 'auto'),
    tagRules: parseTagRules(read.string('tags') || DEFAULT_TAG_RULES),
    labels: parseKeyValues('labels', read.raw('labels')),
    buildArgs: parseKeyValues('build-args', read.raw('build-args')),
    secrets,
    policy: read.enum('policy', ['strict', 'warn', 'off'] as const, 'warn'),
    builder: read.enum('builder', ['auto', 'buildx', 'buildkit', 'legacy'] as const, 'auto'),
    cacheFrom: lines(read.raw('cache-from')),
    cacheTo: lines(read.raw('cache-to')),
    network: read.string('network'),
    ...(saveTo ? { saveTo: resolveFrom(workingDirectory, 'save-to', saveTo) } : {}),
    pushTimeoutMs: read.duration('push-timeout', 120_000),
  };
}
