import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  InputError,
  getDuration,
  getEnum,
  getList,
  getRaw,
  getString,
  parseList,
  registerSecret,
  resolveInWorkspace,
  workspaceRoot,
} from '@deploy-kit/shared';
import type { BuilderKind } from './docker';
import type { PolicyMode } from './policy';
import { normalizeRegistry } from './reference';
import { DEFAULT_TAG_RULES, parseTagRules, type TagRule } from './tags';

export interface Inputs {
  /** Absolute path of the Compose file, when building from one. */
  composeFile?: string;
  /** Raw `targets` YAML, when building from an explicit list. */
  targets?: string;
  services: string[];
  registry: string;
  imagePrefix: string;
  username: string;
  password: string;
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
  retryDeadlineMs: number;
}

const COMPOSE_NAMES = ['compose.yaml', 'compose.yml', 'docker-compose.yaml', 'docker-compose.yml'];

/**
 * `KEY=VALUE` lines; the value keeps any further `=`. A bad line is named by
 * its number (from 1, comments and blank lines counted); for a secret input
 * nothing of its content is quoted — the line may be the middle of a pasted
 * key, or a bare token.
 */
export function parseKeyValues(
  name: string,
  text: string,
  keyPattern = /^[A-Za-z_][A-Za-z0-9_.-]*$/,
  options: { secret?: boolean } = {},
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    const key = eq < 0 ? line : line.slice(0, eq).trim();
    if (eq < 0 || !keyPattern.test(key)) {
      if (options.secret) throw new InputError(secretLineError(name, index + 1, eq < 0));
      throw new InputError(
        `'${name}' line ${index + 1} must look like NAME=value, got '${eq < 0 ? key : `${key}=…`}'.`,
      );
    }
    out[key] = line.slice(eq + 1);
  }
  return out;
}

/** Names the line, never its content. */
export function secretLineError(name: string, line: number, noEquals: boolean): string {
  return noEquals
    ? `'${name}' line ${line} is not id=value; a value must fit on one line (base64-encode a multi-line value such as a key, and decode it in the Dockerfile).`
    : `'${name}' line ${line} has an id that is not letters, digits, '.', '_' or '-' (id=value per line).`;
}

/**
 * Mask everything a `secrets` text could hold before parsing it: the whole
 * text, each line (a line may be a piece of a multi-line value pasted by
 * mistake) and each line's value after the first `=`.
 */
export function registerSecretLines(text: string): void {
  registerSecret(text);
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    registerSecret(line);
    const eq = line.indexOf('=');
    if (eq >= 0) registerSecret(line.slice(eq + 1));
  }
}

export function readInputs(): Inputs {
  // Secrets first: nothing below may print before the masker knows them.
  const password = getRaw('password').trim();
  registerSecret(password);
  const secretText = getRaw('secrets');
  registerSecretLines(secretText);
  const secrets = parseKeyValues('secrets', secretText, /^[A-Za-z0-9_.-]+$/, { secret: true });

  const composeInput = getString('compose-file');
  const targets = getRaw('targets').trim();
  if (composeInput && targets) throw new InputError(`set either 'compose-file' or 'targets', not both.`);
  let composeFile: string | undefined;
  if (!targets) {
    if (composeInput) {
      composeFile = resolveInWorkspace('compose-file', composeInput);
      if (!fs.existsSync(composeFile))
        throw new InputError(
          `'compose-file' ${composeInput} does not exist in the workspace (${workspaceRoot()}).`,
        );
    } else {
      composeFile = COMPOSE_NAMES.map((n) => path.join(workspaceRoot(), n)).find((f) => fs.existsSync(f));
      if (!composeFile)
        throw new InputError(
          `no Compose file in the workspace (looked for ${COMPOSE_NAMES.join(', ')}); set 'compose-file' or list images in 'targets'.`,
        );
    }
  }

  const username = getString('username');
  if ((username === '') !== (password === ''))
    throw new InputError(`'username' and 'password' go together; set both or neither.`);

  const retryDeadlineMs = getDuration('retry-deadline', 120_000);
  const saveTo = getString('save-to');
  return {
    ...(composeFile ? { composeFile } : {}),
    ...(targets ? { targets } : {}),
    services: getList('services'),
    registry: normalizeRegistry(getString('registry'), `'registry'`),
    imagePrefix: getString('image-prefix', { fallback: process.env.GITHUB_REPOSITORY ?? '' }).toLowerCase(),
    username,
    password,
    push: getEnum('push', ['auto', 'true', 'false'] as const, 'auto'),
    tagRules: parseTagRules(getString('tags') || DEFAULT_TAG_RULES),
    labels: parseKeyValues('labels', getRaw('labels')),
    buildArgs: parseKeyValues('build-args', getRaw('build-args')),
    secrets,
    policy: getEnum('policy', ['strict', 'warn', 'off'] as const, 'warn'),
    builder: getEnum('builder', ['auto', 'buildx', 'buildkit', 'legacy'] as const, 'auto'),
    cacheFrom: parseList(getRaw('cache-from')),
    cacheTo: parseList(getRaw('cache-to')),
    network: getString('network'),
    ...(saveTo ? { saveTo: resolveInWorkspace('save-to', saveTo) } : {}),
    retryDeadlineMs,
  };
}
