#!/usr/bin/env node
// The root action.yml (the one-step deploy) takes the inputs of render-env, remote-deploy and
// smoke-test under the same names. Its inputs section is generated from their action.yml files,
// with the rules where the composition changes an input written once, below, so the documented
// inputs can never drift from the three actions'.
// Usage: node scripts/root-action.mjs [--check]   (--check: exit 1 if action.yml is stale)
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const { parse, stringify } = require('yaml');
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * How the three stages' inputs become the one-step deploy's (actions/deploy/src/stage-inputs.json,
 * read by the action's parseInputs too): an input every stage has with the same meaning is given
 * once (`shared`); an input two stages name alike with different meanings keeps its name for
 * remote-deploy and is prefixed for the other (`renamed`: smoke-test's parallel and timeout); and
 * a few are left out (`leftOut`, with why).
 */
const TABLE = JSON.parse(fs.readFileSync(path.join(root, 'actions/deploy/src/stage-inputs.json'), 'utf8'));
export const STAGES = TABLE.stages;

/** The root input name of a stage's input, or undefined when the root leaves it out. */
export function rootName(stage, name) {
  if (TABLE.leftOut[stage]?.[name]) return undefined;
  return TABLE.renamed[stage]?.[name] ?? name;
}

/** Where the composition changes an input's meaning: the one rule, appended to its description. */
export const RULES = {
  template:
    'Optional here: without it render-env does not run and env-file is uploaded as it is. With it, render-env runs first and a policy violation stops the step before any host is touched.',
  'env-file':
    "With 'template', leave this empty: the file render-env writes ('output') is the env file (giving both is an error).",
  'secret-keys':
    "With 'template', the keys render-env judged secret are added to these (its secret-keys output), so remote-deploy masks the rendered file's secrets whatever their length.",
  vars: "The deployed 'version' is added as vars.version unless vars sets it (then the two must be the same).",
  version:
    "Also the template's vars.version (unless 'vars' sets it) and what the smoke test's version suite expects (unless 'expect-version' is given).",
  'rollback-to':
    'The smoke test then expects this version; if it is red, this step fails and does not roll back a rollback.',
  url: "Required here (or 'checks'): the public URL checked after the deploy, and again after an automatic rollback.",
  'expect-version':
    'Default here: the version this step deploys. After an automatic rollback the smoke test expects the previous version; when expect-version is given, that second smoke test leaves the version suite out (what the previous release reports is not known).',
  'warm-up':
    "Here 'timeout' is smoke-timeout: set warm-up to smoke-timeout or more to retry 5xx until it. The same window applies to the smoke test of an automatic rollback.",
  'dry-run':
    "Also renders the env file (render-env's own dry run is not an input here) and skips the smoke test.",
};

const OUTPUTS = {
  version: {
    description:
      'The version every host serves when the step ends: the deployed one, or the previous one after a rollback.',
  },
  'previous-version': { description: 'The version the hosts ran before this step.' },
  'rolled-back': {
    description:
      "true when hosts were put back on previous-version: after remote-deploy's health gate went red, after a red smoke test, or on a cancel after hosts switched (rollback-reason says which).",
  },
  'rollback-reason': {
    description: 'Why hosts were put back: health-gate, smoke-test or cancel; empty when they were not.',
  },
  results: {
    description:
      "JSON object: status (passed, failed, could-not-run, invalid-input, cancelled), failure (the sentence, when not passed), version, previousVersion, rolledBack, rollbackReason, and stages keyed by stage (render-env, remote-deploy, smoke-test, and rollback, rollback-smoke-test when they ran): status, startMs, durationMs, detail, and the stage's own results output.",
  },
};

export function rootAction() {
  const inputs = {};
  for (const stage of STAGES) {
    const meta = parse(fs.readFileSync(path.join(root, stage, 'action.yml'), 'utf8'));
    for (const [stageName, spec] of Object.entries(meta.inputs ?? {})) {
      const name = rootName(stage, stageName);
      if (name === undefined) continue;
      if (inputs[name] && TABLE.shared.includes(name)) continue;
      if (inputs[name])
        throw new Error(`${name} is an input of two stages; add it to stage-inputs.json (shared or renamed)`);
      const owner = TABLE.shared.includes(name) ? 'every stage' : stage;
      const renamed = name !== stageName ? ` (${stage}'s '${stageName}')` : '';
      const description = [`(${owner}) ${String(spec.description ?? '').trim()}${renamed}`, RULES[name]]
        .filter(Boolean)
        .join(' ');
      inputs[name] = {
        description,
        required: name === 'template' ? false : (spec.required ?? false),
        ...(spec.default !== undefined ? { default: spec.default } : {}),
      };
    }
  }
  for (const name of Object.keys(RULES))
    if (!inputs[name]) throw new Error(`RULES names ${name}, which none of ${STAGES.join(', ')} has`);
  return {
    name: 'deploy-kit',
    description: [
      'One-step deploy: render-env, remote-deploy and a smoke test of the public URL; when the smoke test is red, every host goes back to the previous release and the rollback is smoke-tested too.',
      "A 5xx after smoke-test's warm-up (default 5 s) is red at once, so a broken release is rolled back in seconds, not after smoke-timeout.",
      'A cancel starts no new stage and releases every deploy lock. Cancelled during render-env: no host is touched.',
      'During remote-deploy: hosts that switched go back to the previous release (rolled-back true, rollback-reason cancel).',
      'During the smoke test: every host stays on the new release, unverified; not rolled back (the runner kills a cancelled job within 10 s, too soon for a fleet rollback; run rollback-to).',
      'During the rollback: remote-deploy undoes it, so every host is on the failed release (NOT ROLLED BACK; run rollback-to).',
      "During the rollback's smoke test: every host stays on the previous release (rolled-back true).",
    ].join(' '),
    author: 'deploy-kit',
    inputs,
    outputs: OUTPUTS,
    runs: { using: 'node24', main: 'dist/index.js' },
    branding: { icon: 'upload-cloud', color: 'blue' },
  };
}

const HEADER =
  '# Generated by scripts/root-action.mjs from render-env, remote-deploy and smoke-test action.yml; edit those (or the rules in the script) instead.\n';

export function rootActionYaml() {
  return HEADER + stringify(rootAction(), { lineWidth: 0 });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const file = path.join(root, 'action.yml');
  const next = rootActionYaml();
  const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  if (process.argv.includes('--check')) {
    if (current !== next) {
      console.error('action.yml is stale: run node scripts/root-action.mjs');
      process.exit(1);
    }
  } else if (current !== next) {
    fs.writeFileSync(file, next);
    console.log('wrote action.yml');
  }
}
