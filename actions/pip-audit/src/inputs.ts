import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  getBoolean,
  getDuration,
  getEnum,
  getInteger,
  getList,
  getString,
  InputError,
  redactSecrets,
  registerSecret,
  resolveInWorkspace,
  urlPasswords,
  workspaceRoot,
} from '@deploy-kit/shared';
import { globSync } from 'tinyglobby';
import { FAIL_ON, type FailOn } from './gate';

export interface Inputs {
  mode: 'requirements' | 'environment';
  /** Absolute paths of the requirements files to audit, in the order given. */
  requirements: string[];
  service: 'osv' | 'pypi';
  /** pip-audit's --osv-url (the query endpoint); undefined for its default. */
  osvUrl?: string;
  failOn: FailOn;
  fixableOnly: boolean;
  failOnUnknown: boolean;
  strict: boolean;
  /** Absolute path, undefined when the file does not exist (no ignores). */
  ignoreFile?: string;
  ignoreFileName: string;
  expiryWarningDays: number;
  sarif?: string;
  report: string;
  previousReport?: string;
  pipAuditVersion: string;
  python: string;
  requestTimeoutS: number;
  auditTimeoutMs: number;
}

export const DEFAULT_IGNORE_FILE = '.pip-audit-ignore.yml';

/** Requirements inputs: file names or globs, each resolved inside the workspace; a name that matches nothing is an error. */
export function resolveRequirements(patterns: readonly string[], root: string): string[] {
  const files: string[] = [];
  for (const pattern of patterns) {
    const isGlob = /[*?[\]{}]/.test(pattern);
    const matched = isGlob
      ? globSync([pattern], { cwd: root, onlyFiles: true, dot: false }).sort()
      : fs.existsSync(path.resolve(root, pattern))
        ? [pattern]
        : [];
    if (matched.length === 0)
      throw new InputError(
        `'requirements' names '${pattern}', which ${isGlob ? 'matches no file' : 'does not exist'} in the workspace; give requirements files or globs such as requirements/*.txt.`,
      );
    for (const m of matched) {
      const abs = resolveInWorkspace('requirements', m);
      if (!fs.statSync(abs).isFile())
        throw new InputError(
          `'requirements' names '${m}', which is not a file; give requirements files or globs.`,
        );
      if (!files.includes(abs)) files.push(abs);
    }
  }
  return files;
}

/** An optional path input, resolved in the workspace; the caller reads it by its literal name. */
function optionalPath(name: string, value: string): string | undefined {
  return value === '' ? undefined : resolveInWorkspace(name, value);
}

function osvUrl(value: string): string | undefined {
  if (value === '') return undefined;
  // A private mirror's URL may carry credentials (https://user:password@host/...): the password is
  // masked (THE MASKING RULE) before the URL can reach a log line or an error. It still reaches
  // pip-audit as --osv-url: pip-audit's PIP_AUDIT_OSV_URL would keep it out of argv, but a
  // pip-audit older than 2.10 ignores that variable and would silently audit against api.osv.dev.
  for (const password of urlPasswords(value)) registerSecret(password);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    url = new URL('invalid:');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new InputError(
      `'osv-url' must be the OSV query endpoint as an http(s) URL, such as https://api.osv.dev/v1/query, got '${redactSecrets(value)}'.`,
    );
  return url.href;
}

export function readInputs(): Inputs {
  const root = workspaceRoot();
  const mode = getEnum('mode', ['requirements', 'environment'] as const, 'requirements');
  const patterns = getList('requirements');
  if (mode === 'requirements' && patterns.length === 0)
    throw new InputError(
      `'requirements' is empty; give one or more requirements files or globs (mode: requirements).`,
    );
  const ignoreFileName = getString('ignore-file', { fallback: DEFAULT_IGNORE_FILE });
  const ignorePath = resolveInWorkspace('ignore-file', ignoreFileName);
  const ignoreExists = fs.existsSync(ignorePath);
  // The default name may be absent (no ignores); a name the workflow chose must exist.
  if (!ignoreExists && ignoreFileName !== DEFAULT_IGNORE_FILE)
    throw new InputError(`'ignore-file' names '${ignoreFileName}', which does not exist in the workspace.`);
  const runnerTemp = process.env.RUNNER_TEMP || root;
  const version = getString('pip-audit-version', { fallback: '2.10.1' });
  if (!/^\d+\.\d+\.\d+$/.test(version))
    throw new InputError(`'pip-audit-version' must be an exact version such as 2.10.1, got '${version}'.`);
  return {
    mode,
    requirements: mode === 'requirements' ? resolveRequirements(patterns, root) : [],
    service: getEnum('vulnerability-service', ['osv', 'pypi'] as const, 'osv'),
    osvUrl: osvUrl(getString('osv-url')),
    failOn: getEnum('fail-on', FAIL_ON, 'any'),
    fixableOnly: getBoolean('fixable-only', false),
    failOnUnknown: getBoolean('fail-on-unknown', true),
    strict: getBoolean('strict', false),
    ignoreFile: ignoreExists ? ignorePath : undefined,
    ignoreFileName,
    expiryWarningDays: getInteger('expiry-warning-days', { min: 0, max: 365, fallback: 14 }),
    sarif: optionalPath('sarif', getString('sarif')),
    report: optionalPath('report', getString('report')) ?? path.join(runnerTemp, 'pip-audit-report.json'),
    previousReport: optionalPath('previous-report', getString('previous-report')),
    pipAuditVersion: version,
    python: getString('python', { fallback: 'python3' }),
    requestTimeoutS: Math.max(1, Math.round(getDuration('request-timeout', 15_000) / 1000)),
    auditTimeoutMs: getDuration('timeout', 10 * 60_000),
  };
}
