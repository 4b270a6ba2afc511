import { InputError, InputReader, type RawInputs } from '@deploy-kit/shared';
import { parse as parseYaml } from 'yaml';
import type { Inputs as SmokeInputs } from '../../smoke-test/src/inputs';
import defaults from './action-defaults.json';
import table from './stage-inputs.json';

export type ActionStage = 'render-env' | 'remote-deploy' | 'smoke-test';

/**
 * The one-step deploy's inputs are the three actions' inputs under the names in
 * stage-inputs.json (scripts/root-action.mjs writes action.yml from the same table). Each stage's
 * inputs are cut from the root's raw inputs as a plain object and parsed by that action's own
 * `parseInputs`, so every check of the single action applies unchanged. This module holds only
 * what the composition adds: which stages run, and the rules where one stage feeds the next.
 */
export interface OneStepOptions {
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

export function parseOneStepOptions(raw: RawInputs): OneStepOptions {
  const read = new InputReader(raw, defaults);
  const render = read.string('template') !== '';
  if (render && read.string('env-file') !== '')
    throw new InputError(
      `give 'template' (render-env writes the env file, at 'output') or 'env-file' (an env file you made), not both.`,
    );
  if (read.string('url') === '' && read.raw('checks').trim() === '')
    throw new InputError(
      `'url' is required: the public URL the smoke test checks after the deploy (or give 'checks').`,
    );
  return {
    render,
    version: read.string('version'),
    rollbackTo: read.string('rollback-to'),
    expectVersion: read.string('expect-version'),
    dryRun: read.boolean('dry-run'),
    url: read.string('url'),
  };
}

const renamed = table.renamed as Partial<Record<ActionStage, Record<string, string>>>;
const leftOut = table.leftOut as Partial<Record<ActionStage, Record<string, string>>>;

/**
 * One stage's raw inputs, cut from the root's: names the root renamed for this stage go back to
 * the stage's own names; another stage's input under the same name (remote-deploy's `parallel`
 * for smoke-test, which has its own as `smoke-parallel`) is not passed; left-out inputs are not
 * passed (the stage's default applies). `overrides` are what an earlier stage produced.
 */
export function stageInputs(
  stage: ActionStage,
  raw: RawInputs,
  overrides: Record<string, string> = {},
): Record<string, string> {
  const out: Record<string, string> = {};
  const ownRenames = renamed[stage] ?? {};
  const takenByRename = new Set(Object.values(ownRenames));
  const othersRenamed = new Set(
    Object.entries(renamed)
      .filter(([s]) => s !== stage)
      .flatMap(([, names]) => Object.values(names ?? {})),
  );
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined || takenByRename.has(name) || othersRenamed.has(name)) continue;
    if (name in ownRenames || leftOut[stage]?.[name]) continue;
    out[name] = value;
  }
  for (const [own, rootName] of Object.entries(ownRenames)) {
    const value = raw[rootName];
    if (value !== undefined) out[own] = value;
  }
  return { ...out, ...overrides };
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

/** The root action's name for a stage's input (undefined: the root leaves it out). */
export function rootNameOf(stage: ActionStage, name: string): string | undefined {
  if (leftOut[stage]?.[name]) return undefined;
  return renamed[stage]?.[name] ?? name;
}
