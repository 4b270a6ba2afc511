import * as core from '@actions/core';
import { getBoolean, getRaw, getString, InputError } from '@deploy-kit/shared';
import { parse as parseYaml } from 'yaml';
import type { Inputs as SmokeInputs } from '../../smoke-test/src/inputs';

/**
 * The one-step deploy's inputs are the three actions' inputs under their own names, read by each
 * action's own reader (so every check of the single action applies unchanged). This module holds
 * only what the composition adds: which stages run, and the rules where one stage feeds the next.
 */
export interface OneStepInputs {
  /** render-env runs when a template is given; without one, env-file is uploaded as it is. */
  render: boolean;
  /** remote-deploy's version (or rollback-to). */
  version: string;
  rollbackTo: string;
  /** smoke-test's expect-version as given; '' means "the version this step deploys". */
  expectVersion: string;
  dryRun: boolean;
  url: string;
}

export function readOneStepInputs(): OneStepInputs {
  const render = getString('template') !== '';
  if (render && getString('env-file') !== '')
    throw new InputError(
      `give 'template' (render-env writes the env file, at 'output') or 'env-file' (an env file you made), not both.`,
    );
  if (getString('url') === '' && getRaw('checks').trim() === '')
    throw new InputError(
      `'url' is required: the public URL the smoke test checks after the deploy (or give 'checks').`,
    );
  return {
    render,
    version: getString('version'),
    rollbackTo: getString('rollback-to'),
    expectVersion: getString('expect-version'),
    dryRun: getBoolean('dry-run'),
    url: getString('url'),
  };
}

/**
 * The rule where render-env and remote-deploy meet on `version`: the template sees the deployed
 * version as `vars.version` unless `vars` sets it, and if it does it must be the same version.
 * Returns the inline vars text to render with.
 */
export function varsWithVersion(vars: string, version: string): string {
  if (version === '') return vars;
  const text = vars.trim();
  if (text === '') return `version: ${JSON.stringify(version)}\n`;
  let parsed: unknown;
  try {
    // Only to see whether `version` is set: render-env itself parses (and reports on) the text.
    parsed = parseYaml(text, { customTags: [{ tag: '!vault', resolve: () => '' }] });
  } catch {
    return vars;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return vars;
  const given = (parsed as Record<string, unknown>).version;
  if (given !== undefined) {
    if (String(given) !== version)
      throw new InputError(
        `'vars' sets version to '${String(given)}' but 'version' is '${version}'; give the version once, in 'version'.`,
      );
    return vars;
  }
  if (text.startsWith('{')) return JSON.stringify({ ...(parsed as Record<string, unknown>), version });
  return `${vars.replace(/\s*$/, '')}\nversion: ${JSON.stringify(version)}\n`;
}

/**
 * Read another action's inputs with some of them replaced by what an earlier stage produced (the
 * rendered env file, the version to roll back to). Each action's reader takes its inputs from the
 * runner's INPUT_* variables, so the replacement is made there, for the duration of the read only.
 */
export function withInputs<T>(overrides: Record<string, string>, read: () => T): T {
  const saved = new Map<string, string | undefined>();
  for (const [name, value] of Object.entries(overrides)) {
    const key = `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
    saved.set(key, process.env[key]);
    process.env[key] = value;
  }
  try {
    return read();
  } finally {
    for (const [key, value] of saved) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

/** core.getInput, for the warning about suite inputs set while their suite is off. */
export function isInputSet(name: string): boolean {
  return core.getInput(name) !== '';
}

/**
 * The smoke test's inputs for one phase. The version suite expects the version just deployed
 * (or `expect-version` when given); the rollback's smoke test expects the previous release, and
 * when `expect-version` was pinned (the app reports something other than the deployed tag) there
 * is nothing to expect of the previous release, so its version suite is left out.
 */
export function smokeFor(
  inputs: SmokeInputs,
  version: string,
  rollback: boolean,
  pinned: string,
): SmokeInputs {
  if (rollback && pinned !== '') return { ...inputs, suites: inputs.suites.filter((s) => s !== 'version') };
  const expected = rollback ? version : pinned || version;
  return { ...inputs, suite: { ...inputs.suite, version: { ...inputs.suite.version, expected } } };
}
