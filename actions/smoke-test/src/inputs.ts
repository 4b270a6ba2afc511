import * as fs from 'node:fs';
import {
  InputError,
  InputReader,
  parseList,
  parseYamlOrJson,
  resolveInWorkspace,
  workspaceRoot,
  type RawInputs,
  workingDirectoryInput,
  parseSecretsInput,
} from '@deploy-kit/shared';
import { parseResolve, type ResolveRule } from '@deploy-kit/shared/http';
import defaults from './action-defaults.json';
import { STATUS_TEXT } from './status';
import type { RetryPolicy } from './runner';
import { parseSpec, secretsUsed, type Spec } from './spec';
import { SUITES, type SuiteConfig, type SuiteName } from './suites/config';

export interface Inputs {
  /** Absolute path of the directory a checks file or ca-cert file is read from. */
  workingDirectory: string;
  url?: string;
  expectStatus: string;
  spec: Spec;
  /** The `secrets` input: values for `{{ secrets.NAME }}` in the spec (masked when parsed). */
  secrets?: Record<string, string>;
  suites: SuiteName[];
  timeoutMs: number;
  /** How long after the start a 5xx is retried (with retry 'transient'); after it a 5xx is definitive. */
  warmUpMs: number;
  requestTimeoutMs: number;
  /** Which failures are retried until the timeout. */
  retry: RetryPolicy;
  resolve: ResolveRule[];
  ca?: string;
  /** How many checks run at the same time. */
  parallel: number;
  maxBodyBytes: number;
  suite: SuiteConfig;
  /** Inputs set for a suite that is not enabled (a likely forgotten `suites` entry): printed by run. */
  warnings: string[];
}

/** Inline YAML/JSON, or the path of a file in the repository (from the working directory) holding it. */
export function readSpec(value: string, workingDirectory: string = workspaceRoot()): Spec {
  const text = value.trim();
  if (text === '') return { checks: [], journeys: [] };
  const looksInline = text.includes('\n') || /^[[{-]/.test(text) || text.includes(': ');
  if (looksInline) return parseSpec('checks', parseYamlOrJson('checks', text));
  const file = resolveInWorkspace('checks', text, workingDirectory);
  if (!fs.existsSync(file))
    throw new InputError(
      `'checks' names the file '${text}', which does not exist in the working directory; give inline YAML or a repository path.`,
    );
  return parseSpec(
    `checks file ${text}`,
    parseYamlOrJson(`checks file ${text}`, fs.readFileSync(file, 'utf8')),
  );
}

/** PEM text, or the path of a PEM file in the repository (from the working directory). */
export function readCa(value: string, workingDirectory: string = workspaceRoot()): string | undefined {
  if (value.trim() === '') return undefined;
  if (value.includes('-----BEGIN CERTIFICATE-----')) return value;
  const file = resolveInWorkspace('ca-cert', value.trim(), workingDirectory);
  if (!fs.existsSync(file))
    throw new InputError(
      `'ca-cert' file '${value.trim()}' does not exist; give PEM text or a repository path.`,
    );
  const pem = fs.readFileSync(file, 'utf8');
  if (!pem.includes('-----BEGIN CERTIFICATE-----'))
    throw new InputError(`'ca-cert' file '${value.trim()}' holds no PEM certificate.`);
  return pem;
}

function absoluteUrl(name: string, value: string): string | undefined {
  if (value === '') return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InputError(`'${name}' must be an absolute http:// or https:// URL, got '${value}'.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new InputError(`'${name}' must be an absolute http:// or https:// URL, got '${value}'.`);
  return url.href;
}

const COOKIE_FLAGS = ['secure', 'httponly', 'samesite'] as const;

/**
 * A release that passed its health gate and still answers 5xx a few seconds later is broken, not
 * warming up: 5 s covers a balancer or a proxy catching up with the switch, and keeps the time
 * from the first 500 to a failed smoke test (and the rollback) under 10 s.
 */
export const DEFAULT_WARM_UP_MS = 5_000;

/**
 * One stale backend among four escapes n answers spread at random with
 * probability (3/4)^n: 20 answers leave 0.3 % (and any round-robin balancer
 * of up to 20 backends shows every one of them).
 */
export const DEFAULT_VERSION_ANSWERS = 20;

/**
 * smoke-test's inputs from raw values (the runner's INPUT_*, or objects from the root action).
 * Pure but for reading a checks or ca-cert file; nothing is printed (suite warnings are returned).
 */
export function parseInputs(raw: RawInputs): Inputs {
  const read = new InputReader(raw, defaults);
  const workingDirectory = workingDirectoryInput(read.string('working-directory'));
  const url = absoluteUrl('url', read.string('url'));
  const expectStatus = read.string('expect-status', { fallback: '200' });
  if (!STATUS_TEXT.test(expectStatus))
    throw new InputError(
      `'expect-status' must be statuses such as 200, 2xx, 200-299 or 200,301, got '${expectStatus}'.`,
    );
  const suites = read.list('suites').map((s) => {
    if (!(SUITES as readonly string[]).includes(s))
      throw new InputError(`'suites' may list ${SUITES.join(', ')}; '${s}' is not one of them.`);
    return s as SuiteName;
  });
  if (suites.length > 0 && !url)
    throw new InputError(`'suites' (${suites.join(', ')}) need 'url', the site to test.`);
  const requestTimeoutMs = read.duration('request-timeout', 10_000);
  const resolve = parseResolve('resolve', read.raw('resolve'));
  const ca = readCa(read.raw('ca-cert'), workingDirectory);
  const cookieFlags = parseList(read.string('cookie-flags', { fallback: 'secure,httponly,samesite' })).map(
    (f) => {
      const flag = f.toLowerCase();
      if (!(COOKIE_FLAGS as readonly string[]).includes(flag))
        throw new InputError(`'cookie-flags' may list secure, httponly, samesite; got '${f}'.`);
      return flag as (typeof COOKIE_FLAGS)[number];
    },
  );
  const spec = readSpec(read.raw('checks'), workingDirectory);
  const secrets = readSecrets(read.raw('secrets'), spec);
  return {
    workingDirectory,
    url,
    expectStatus,
    spec,
    secrets,
    suites,
    timeoutMs: read.duration('timeout', 60_000),
    warmUpMs: read.duration('warm-up', DEFAULT_WARM_UP_MS),
    requestTimeoutMs,
    retry: read.enum('retry', ['transient', 'all'] as const, 'transient'),
    resolve,
    ca,
    parallel: read.integer('parallel', { min: 1, max: 256, fallback: 50 }),
    maxBodyBytes: read.integer('max-body-bytes', { min: 1024, fallback: 5 * 1024 * 1024 }),
    suite: {
      baseUrl: url ?? '',
      requestTimeoutMs,
      ca,
      resolve,
      version: {
        expected: read.string('expect-version') || undefined,
        header: read.string('version-header') || undefined,
        jsonPath: read.string('version-json-path') || undefined,
        url: read.string('version-path') || undefined,
        answers: read.integer('version-answers', { min: 1, max: 1000, fallback: DEFAULT_VERSION_ANSWERS }),
      },
      https: {
        httpUrl: absoluteUrl('http-url', read.string('http-url')),
        minCertDays: read.integer('min-cert-days', { min: 0, fallback: 14 }),
      },
      headers: {
        hstsMinAge: read.integer('hsts-min-age', { min: 0, fallback: 15_552_000 }),
        hstsIncludeSubdomains: read.boolean('hsts-include-subdomains', false),
      },
      django: {
        staticPath: read.string('static-path', { fallback: '/static/admin/css/base.css' }),
        cookiePath: read.string('cookie-path', { fallback: '/admin/login/' }),
        cookieNames: parseList(read.string('cookie-names', { fallback: 'sessionid,csrftoken' })),
        cookieFlags,
        metricsPath: read.string('metrics-path') || undefined,
        metricsToken: read.string('metrics-token') || undefined,
      },
    },
    warnings: unusedSuiteInputs(suites, (name) => (raw[name] ?? '').trim() !== ''),
  };
}

/**
 * The `secrets` input (NAME=value lines or a JSON object; every value masked as it is parsed),
 * checked against the spec: a `{{ secrets.NAME }}` with no NAME here, or an empty one, is an input
 * error naming it.
 */
export function readSecrets(text: string, spec: Spec): Record<string, string> {
  const secrets = parseSecretsInput('secrets', text);
  const unknown = secretsUsed(spec).filter((name) => !Object.hasOwn(secrets, name));
  if (unknown.length > 0)
    throw new InputError(
      `'checks' uses ${unknown.map((n) => `{{ secrets.${n} }}`).join(', ')}, but 'secrets' gives no ${unknown.join(', ')}; add ${unknown.length > 1 ? 'them' : 'it'} to 'secrets' (NAME=value lines or a JSON object).`,
    );
  // `${{ secrets.X }}` of a repository secret nobody set is '': say so rather than log in with it.
  const empty = secretsUsed(spec).filter((name) => secrets[name] === '');
  if (empty.length > 0)
    throw new InputError(
      `'secrets' gives ${empty.join(', ')} an empty value, which 'checks' uses; is the workflow's secret set?`,
    );
  return secrets;
}

/** Inputs that only mean something to one suite. */
const SUITE_INPUTS: Record<SuiteName, readonly string[]> = {
  // version-answers has a default, so the runner always sets it: not a sign of a forgotten suite.
  version: ['expect-version', 'version-header', 'version-json-path', 'version-path'],
  https: ['http-url'],
  headers: [],
  django: ['metrics-path', 'metrics-token'],
};

/** A warning for each suite-specific input that was set while its suite is off (likely a forgotten `suites` entry). */
export function unusedSuiteInputs(suites: readonly SuiteName[], isSet: (input: string) => boolean): string[] {
  return (Object.entries(SUITE_INPUTS) as [SuiteName, readonly string[]][])
    .filter(([suite]) => !suites.includes(suite))
    .flatMap(([suite, names]) =>
      names
        .filter(isSet)
        .map(
          (name) =>
            `'${name}' is set but the '${suite}' suite is not enabled; add ${suite} to 'suites' to use it.`,
        ),
    );
}
