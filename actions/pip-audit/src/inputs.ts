import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  InputError,
  InputReader,
  resolveInWorkspace,
  urlPasswords,
  workspaceRoot,
  type RawInputs,
  workingDirectoryInput,
} from '@deploy-kit/shared';
import { globSync } from 'tinyglobby';
import defaults from './action-defaults.json';
import { FAIL_ON, type FailOn } from './gate';

export interface Inputs {
  mode: 'requirements' | 'environment';
  /** Absolute directory the path inputs are relative to (inside the workspace). */
  workingDirectory: string;
  /** Absolute paths of the requirements files to audit, in the order given. */
  requirements: string[];
  service: 'osv' | 'pypi';
  /** pip-audit's --osv-url (the query endpoint); undefined for its default. */
  osvUrl?: string;
  /** The package index for the pin check and pip (the 'index-url' input); undefined: PIP_INDEX_URL, else PyPI. */
  indexUrl?: string;
  indexCheck: 'fail' | 'warn' | 'off';
  failOn: FailOn;
  fixableOnly: boolean;
  failOnUnknown: boolean;
  strict: boolean;
  /** Absolute path, undefined when the file does not exist (no ignores). */
  ignoreFile?: string;
  /** The ignore file as the workflow names it, for messages and annotations. */
  ignoreFileName: string;
  expiryWarningDays: number;
  sarif?: string;
  /** Absolute path of the JSON report; undefined writes it under RUNNER_TEMP. */
  report?: string;
  previousReport?: string;
  pipAuditVersion: string;
  python: string;
  requestTimeoutS: number;
  /** The whole run's time limit (the 'timeout' input). */
  timeoutMs: number;
}

export const DEFAULT_IGNORE_FILE = '.pip-audit-ignore.yml';

/** A path input resolved against the working directory, refused when it leaves the workspace. */
export function inDirectory(name: string, directory: string, value: string): string {
  try {
    return resolveInWorkspace(name, path.resolve(directory, value));
  } catch (error) {
    if (error instanceof InputError)
      throw new InputError(`'${name}' must be a path inside the workspace, got '${value}'.`);
    throw error;
  }
}

/** Where a name was looked for, for messages: "the workspace" or the working directory. */
function where(directory: string): string {
  const rel = path.relative(workspaceRoot(), directory);
  return rel === '' ? 'the workspace' : `'${rel.split(path.sep).join('/')}' (the working directory)`;
}

/** Requirements inputs: file names or globs, each resolved in the working directory; a name that matches nothing is an error. */
export function resolveRequirements(patterns: readonly string[], directory: string): string[] {
  const files: string[] = [];
  for (const pattern of patterns) {
    const isGlob = /[*?[\]{}]/.test(pattern);
    const matched = isGlob
      ? globSync([pattern], { cwd: directory, onlyFiles: true, dot: false }).sort()
      : fs.existsSync(path.resolve(directory, pattern))
        ? [pattern]
        : [];
    if (matched.length === 0)
      throw new InputError(
        `'requirements' names '${pattern}', which ${isGlob ? 'matches no file' : 'does not exist'} in ${where(directory)}; give requirements files or globs such as requirements/*.txt.`,
      );
    for (const m of matched) {
      const abs = inDirectory('requirements', directory, m);
      if (!fs.statSync(abs).isFile())
        throw new InputError(
          `'requirements' names '${m}', which is not a file; give requirements files or globs.`,
        );
      if (!files.includes(abs)) files.push(abs);
    }
  }
  return files;
}

/** The URL with any password in it replaced by ***, for messages. */
export function withoutPassword(value: string): string {
  let out = value;
  for (const password of urlPasswords(value)) out = out.split(password).join('***');
  return out;
}

/**
 * A private mirror's URL may carry credentials (https://user:password@host/...). 'osv-url' is a
 * secret input (masked whole by the runner edge) and run() masks its password on its own before
 * anything prints; a message here quotes it with the password already replaced. It reaches
 * pip-audit as PIP_AUDIT_OSV_URL, never on its command line; a pip-audit older than 2.10 ignores
 * that variable (and has no --osv-url) and would silently audit against api.osv.dev, so it is
 * refused with one.
 */
function osvUrl(value: string, version: string): string | undefined {
  if (value === '') return undefined;
  const [major = 0, minor = 0] = version.split('.').map(Number);
  if (major < 2 || (major === 2 && minor < 10))
    throw new InputError(
      `'osv-url' needs pip-audit 2.10 or later ('pip-audit-version' is ${version}); leave 'osv-url' empty or use 2.10.1.`,
    );
  return httpUrl(
    'osv-url',
    value,
    'the OSV query endpoint as an http(s) URL, such as https://api.osv.dev/v1/query',
  );
}

/** 'index-url': an http(s) URL (a mirror's may carry credentials; quoted here without the password). */
function indexUrl(value: string): string | undefined {
  if (value === '') return undefined;
  return httpUrl(
    'index-url',
    value,
    "a package index's simple API as an http(s) URL, such as https://pypi.org/simple/",
  );
}

/** `value` as an http(s) URL, or an InputError: `input` must be `what`, got the value (without its password). */
function httpUrl(input: string, value: string, what: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    url = new URL('invalid:');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new InputError(`'${input}' must be ${what}, got '${withoutPassword(value)}'.`);
  return url.href;
}

/** The ignore file: the default name may be absent (no ignores); a name the workflow chose must exist. */
function ignoreFile(name: string, directory: string): string | undefined {
  const file = inDirectory('ignore-file', directory, name);
  if (fs.existsSync(file)) return file;
  if (name !== DEFAULT_IGNORE_FILE)
    throw new InputError(`'ignore-file' names '${name}', which does not exist in ${where(directory)}.`);
  return undefined;
}

/** The pure half of the action: raw inputs → typed inputs, every name and form checked, nothing run. */
export function parseInputs(raw: RawInputs): Inputs {
  const read = new InputReader(raw, defaults);
  const workingDirectory = workingDirectoryInput(read.string('working-directory'));
  const mode = read.enum('mode', ['requirements', 'environment'] as const, 'requirements');
  const patterns = read.list('requirements');
  if (mode === 'requirements' && patterns.length === 0)
    throw new InputError(
      `'requirements' is empty; give one or more requirements files or globs (mode: requirements).`,
    );
  const ignoreFileName = read.string('ignore-file', { fallback: DEFAULT_IGNORE_FILE });
  const version = read.string('pip-audit-version', { fallback: '2.10.1' });
  if (!/^\d+\.\d+\.\d+$/.test(version))
    throw new InputError(`'pip-audit-version' must be an exact version such as 2.10.1, got '${version}'.`);
  const optional = (name: string, value: string): string | undefined =>
    value === '' ? undefined : inDirectory(name, workingDirectory, value);
  return {
    mode,
    workingDirectory,
    requirements: mode === 'requirements' ? resolveRequirements(patterns, workingDirectory) : [],
    service: read.enum('vulnerability-service', ['osv', 'pypi'] as const, 'osv'),
    osvUrl: osvUrl(read.string('osv-url'), version),
    indexUrl: indexUrl(read.string('index-url')),
    indexCheck: read.enum('index-check', ['fail', 'warn', 'off'] as const, 'fail'),
    failOn: read.enum('fail-on', FAIL_ON, 'any'),
    fixableOnly: read.boolean('fixable-only', false),
    failOnUnknown: read.boolean('fail-on-unknown', true),
    strict: read.boolean('strict', false),
    ignoreFile: ignoreFile(ignoreFileName, workingDirectory),
    ignoreFileName,
    expiryWarningDays: read.integer('expiry-warning-days', { min: 0, max: 365, fallback: 14 }),
    sarif: optional('sarif', read.string('sarif')),
    report: optional('report', read.string('report')),
    previousReport: optional('previous-report', read.string('previous-report')),
    pipAuditVersion: version,
    python: read.string('python', { fallback: 'python3' }),
    requestTimeoutS: Math.max(1, Math.round(read.duration('request-timeout', 15_000) / 1000)),
    timeoutMs: read.duration('timeout', 10 * 60_000),
  };
}
