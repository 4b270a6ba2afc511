import * as semver from 'semver';
import {
  InputError,
  InputReader,
  parseYamlOrJson,
  type RawInputs,
  workingDirectoryInput,
} from '@deploy-kit/shared';
import defaults from './action-defaults.json';
import { parseEvidence, type Evidence } from './evidence';
import type { Mode } from './plan';
import type { PreMajor } from './versions';

export interface Inputs {
  token: string;
  mode: Mode;
  tagPrefix: string;
  initialVersion: string;
  preMajor: PreMajor;
  release: boolean;
  images: Record<string, string>;
  /** The pipeline's evidence for the notes' Validation section. */
  evidence: Evidence;
  migrations: string;
  moveMajor: boolean;
  moveMinor: boolean;
  dryRun: boolean;
  remote: string;
  workingDirectory: string;
  /** From the runner's GITHUB_REPOSITORY / GITHUB_SERVER_URL / GITHUB_API_URL (a caller may set them). */
  repository: { owner: string; repo: string };
  serverUrl: string;
  apiUrl: string;
}

/** build-images' `images` output: a JSON (or YAML) object service → image reference. */
export function parseImages(text: string): Record<string, string> {
  if (text.trim() === '') return {};
  const value = parseYamlOrJson('images', text);
  const expected = `'images' must be build-images' images output, a JSON object of service to image reference`;
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new InputError(`${expected}, got ${Array.isArray(value) ? 'a list' : typeof value}.`);
  const out: Record<string, string> = {};
  for (const [service, ref] of Object.entries(value)) {
    if (typeof ref !== 'string' || ref.trim() === '')
      throw new InputError(`${expected}; '${service}' is not a non-empty string.`);
    out[service] = ref.trim();
  }
  return out;
}

export function parseTagPrefix(value: string): string {
  // A prefix becomes part of refs/tags/<prefix>1.2.3: keep to characters every ref and URL accepts.
  if (!/^[A-Za-z0-9._/-]*$/.test(value) || value.includes('..') || value.startsWith('/'))
    throw new InputError(
      `'tag-prefix' must be letters, digits, '.', '_', '-' or '/' (such as v or release/v), got '${value}'.`,
    );
  return value;
}

export function parseInitialVersion(value: string): string {
  const v = semver.parse(value);
  if (!v || v.version !== value || v.prerelease.length > 0 || v.build.length > 0)
    throw new InputError(`'initial-version' must be a final version such as 0.1.0 or 1.0.0, got '${value}'.`);
  return value;
}

export function parseRepository(value: string | undefined): { owner: string; repo: string } {
  const m = /^([^/\s]+)\/([^/\s]+)$/.exec(value ?? '');
  if (!m)
    throw new InputError(`GITHUB_REPOSITORY must be owner/name (the runner sets it), got '${value ?? ''}'.`);
  return { owner: m[1] as string, repo: m[2] as string };
}

function urlFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const value = (env[name] ?? '').trim() || fallback;
  try {
    return new URL(value).href.replace(/\/$/, '');
  } catch {
    throw new InputError(`${name} must be an absolute URL (the runner sets it), got '${value}'.`);
  }
}

/**
 * The inputs, checked: pure apart from resolving `working-directory` in the workspace and reading
 * the runner's GITHUB_* variables (the repository and the server's URLs), which `env` stands for.
 */
export function parseInputs(raw: RawInputs, env: NodeJS.ProcessEnv = process.env): Inputs {
  const read = new InputReader(raw, defaults);
  const dryRun = read.boolean('dry-run');
  const token = read.string('token');
  if (token === '' && !dryRun)
    throw new InputError(
      "'token' is required to push the tag and publish the release; the default is ${{ github.token }} with contents: write.",
    );
  checkToken(token);
  const moveMajor = read.boolean('move-major');
  const moveMinor = read.boolean('move-minor');
  if (moveMinor && !moveMajor)
    throw new InputError("'move-minor' moves vN.M along with vN: set 'move-major: true' too.");
  const workingDirectory = workingDirectoryInput(read.string('working-directory'));
  const mode = read.enum<Mode>('mode', ['auto', 'rc', 'promote', 'annotate'], 'auto');
  const evidence = parseEvidence(read.raw('evidence'), workingDirectory);
  if (mode === 'annotate' && !evidence.environment)
    throw new InputError(
      "mode 'annotate' adds one environment's validation to the rc's notes: give 'evidence' with environment (e.g. staging) and what ran there.",
    );
  return {
    token,
    mode,
    // '' is a prefix like any other (unprefixed tags, 1.2.3), not "unset": the runner gives an
    // input left out its action.yml default (v), and an explicit `tag-prefix: ''` as ''.
    tagPrefix: parseTagPrefix(read.raw('tag-prefix').trim()),
    initialVersion: parseInitialVersion(read.string('initial-version', { fallback: '0.1.0' })),
    preMajor: read.enum<PreMajor>('pre-major', ['minor', 'major'], 'minor'),
    release: read.boolean('release', true),
    images: parseImages(read.raw('images')),
    evidence,
    migrations: read.string('migrations', { fallback: '**/migrations/[0-9]*.py' }),
    moveMajor,
    moveMinor,
    dryRun,
    remote: read.string('remote', { fallback: 'origin' }),
    workingDirectory,
    repository: parseRepository(env.GITHUB_REPOSITORY),
    serverUrl: urlFromEnv(env, 'GITHUB_SERVER_URL', 'https://github.com'),
    apiUrl: urlFromEnv(env, 'GITHUB_API_URL', 'https://api.github.com'),
  };
}

/**
 * The token travels in HTTP headers; a value no header can carry (a pasted key, a line break)
 * would otherwise fail every API call as a "server error" retried until the deadline. The
 * message never quotes the value.
 */
export function checkToken(token: string): void {
  if (/[^\t\x20-\x7e\x80-\xff]/.test(token))
    throw new InputError(
      "'token' holds a line break or a character an HTTP header cannot carry; give the token itself (one line), e.g. ${{ secrets.GITHUB_TOKEN }}.",
    );
}
