import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as core from '@actions/core';
import {
  errorMessage,
  failureMessage,
  InputError,
  isActionError,
  PolicyFailure,
  registerSecret,
  registerSecrets,
  statusOf,
  ToolError,
  writeFileAtomic,
  type ActionError,
  type ActionResult,
  type ResultsEnvelope,
} from '@deploy-kit/shared';
import { encodeDotenv, encodeEntry } from './dotenv';
import type { Inputs } from './inputs';
import { applyPolicyFile, evaluatePolicy, profilePolicy, type Policy, type Violation } from './policy';
import { notRenderedMarkdown, summaryMarkdown } from './summary';
import { parseTemplate, problemMessage, renderTemplate, type RenderedEntry } from './template';
import { loadValues, parseMapping, type LoadedValues } from './values';

/** The `results` output: the envelope, then what was rendered (names and counts, never a value). */
export interface RenderResults extends ResultsEnvelope {
  written: boolean;
  dryRun: boolean;
  /** Absolute path of the file written; '' when nothing was written. */
  path: string;
  sha256: string;
  keyCount: number;
  secretKeyCount: number;
  /** The policy checked (profile or policy file), or null for none. */
  policy: string | null;
  violations: { rule: string; key: string; line?: number; message: string }[];
}

export interface Outputs {
  /** Absolute path of the file written; '' in a dry run or when the policy failed. */
  path: string;
  /** Every key of the file, in template order. */
  keys: string[];
  /** The keys whose value is secret: what remote-deploy's secret-keys takes. */
  'secret-keys': string[];
  sha256: string;
  results: RenderResults;
}

export type RenderEnvResult = ActionResult<Outputs>;

/**
 * render-env as a function: template + vars + secrets + Ansible Vault -> a dotenv file.
 *   1. load the values files (decrypting vaults; every decrypted value masked);
 *   2. parse and render the template (every secret key's value masked);
 *   3. encode the dotenv text and check it against the policy;
 *   4. write it atomically with mode 0600 (unless dry-run: true).
 * Any failure stops before step 4: a partial or half-checked file is never written. A policy
 * violation, like any failure with a kind (a template or vault error), is RETURNED with the
 * summary that explains it; no outputs are set here (the runner edge or the one-step deploy does).
 * The inputs' secrets were masked by parseInputs.
 */
export async function renderEnv(inputs: Inputs): Promise<RenderEnvResult> {
  try {
    return await renderChecked(inputs);
  } catch (error) {
    if (!isActionError(error)) throw error;
    return notRendered(inputs, error);
  }
}

async function renderChecked(inputs: Inputs): Promise<RenderEnvResult> {
  const values = await core.group('Load values', async () => loadAllValues(inputs));
  const entries = await core.group('Render template', async () => render(inputs, values));
  const content = encode(entries, inputs.templateName);
  // The encoder's quoting is one more form a secret could take in a log.
  for (const entry of entries.filter((e) => e.secret))
    registerSecret(encodeEntry(entry).slice(entry.key.length + 1));
  const sha256 = createHash('sha256').update(content, 'utf8').digest('hex');

  const policy = loadPolicy(inputs);
  const violations = await core.group('Check policy', async () => checkPolicy(policy, entries));
  for (const v of violations) core.error(v.message, { file: inputs.templateName, startLine: v.line });

  const written = !inputs.dryRun && violations.length === 0;
  if (written) {
    writeOutput(inputs, content);
    core.info(`Wrote ${inputs.outputName} (${entries.length} keys, mode 0600).`);
  } else if (inputs.dryRun) {
    core.info(`Dry run: ${inputs.outputName} was not written.`);
  }
  const failure =
    violations.length === 0
      ? undefined
      : new PolicyFailure(
          `${violations.length} violation${violations.length === 1 ? '' : 's'} of ${policy?.name} in ${inputs.templateName}: ${violations.map((v) => v.message).join('; ')}; nothing was written`,
          violations.map((v) => v.message),
        );
  const summary = summaryMarkdown({
    template: inputs.templateName,
    environment: inputs.environment,
    output: inputs.outputName,
    written,
    dryRun: inputs.dryRun,
    keys: entries,
    layers: values.layers,
    policy: policy ? { name: policy.name, violations } : undefined,
    sha256: violations.length === 0 ? sha256 : undefined,
  });
  const keys = entries.map((e) => e.key);
  const secretKeys = entries.filter((e) => e.secret).map((e) => e.key);
  const path = written ? inputs.output : '';
  return {
    outputs: {
      path,
      keys,
      'secret-keys': secretKeys,
      sha256,
      results: {
        status: statusOf(failure),
        ...(failure ? { failure: failureMessage(failure) } : {}),
        written,
        dryRun: inputs.dryRun,
        path,
        sha256,
        keyCount: keys.length,
        secretKeyCount: secretKeys.length,
        policy: policy?.name ?? null,
        violations: violations.map(({ rule, key, line, message }) => ({ rule, key, line, message })),
      },
    },
    summary,
    failure,
  };
}

/** The result of a run stopped before anything was rendered (a template, values or vault error). */
function notRendered(inputs: Inputs, failure: ActionError): RenderEnvResult {
  const sentence = failureMessage(failure);
  return {
    outputs: {
      path: '',
      keys: [],
      'secret-keys': [],
      sha256: '',
      results: {
        status: statusOf(failure),
        failure: sentence,
        written: false,
        dryRun: inputs.dryRun,
        path: '',
        sha256: '',
        keyCount: 0,
        secretKeyCount: 0,
        policy: null,
        violations: [],
      },
    },
    summary: notRenderedMarkdown(inputs.templateName, inputs.outputName, sentence),
    failure,
  };
}

function writeOutput(inputs: Inputs, content: string): void {
  try {
    writeFileAtomic(inputs.output, content, 0o600);
  } catch (error) {
    throw new ToolError(`could not write ${inputs.outputName}: ${errorMessage(error)}`, { cause: error });
  }
}

function checkPolicy(policy: Policy | undefined, entries: readonly RenderedEntry[]): Violation[] {
  if (!policy) {
    core.info('No policy: profile is none and no policy-file was given.');
    return [];
  }
  const found = evaluatePolicy(policy, entries);
  core.info(`${policy.name}: ${found.length === 0 ? 'passed' : `${found.length} violation(s)`}`);
  return found;
}

function loadAllValues(inputs: Inputs): LoadedValues {
  const loaded = loadValues({
    varsFiles: inputs.varsFiles,
    vaultFiles: inputs.vaultFiles,
    inlineVars: inputs.vars,
    environment: inputs.environment,
    vaultPassword: inputs.vaultPassword,
    workingDirectory: inputs.workingDirectory,
  });
  registerSecrets(loaded.secretValues);
  for (const layer of loaded.layers) {
    const how =
      layer.encryption === 'file'
        ? `Ansible Vault ${layer.vaultFormat}`
        : layer.encryption === 'inline'
          ? 'plain with !vault values'
          : 'plain';
    core.info(`${layer.source} -> ${layer.namespace} (${how}): ${layer.keys.join(', ') || 'no keys'}`);
  }
  if (loaded.layers.length === 0) core.info('No values files and no inline vars.');
  for (const warning of loaded.warnings) core.warning(warning);
  return loaded;
}

function render(inputs: Inputs, values: LoadedValues): RenderedEntry[] {
  const parsed = parseTemplate(fs.readFileSync(inputs.template, 'utf8'), inputs.templateName);
  for (const w of parsed.warnings) core.warning(w.message, { file: inputs.templateName, startLine: w.line });
  const context = {
    vars: values.vars,
    secrets: inputs.secrets,
    vault: values.vault,
    env: inputs.environment === '' ? ({} as Record<string, string>) : { name: inputs.environment },
  };
  const secretValues = [...Object.values(inputs.secrets), ...values.secretValues, inputs.vaultPassword];
  const entries = renderTemplate(parsed, context, secretValues);
  for (const entry of entries) if (entry.secret) registerSecret(entry.value, entry.key);
  for (const entry of entries)
    core.info(
      `${entry.key} (line ${entry.line}): ${entry.secret ? 'secret' : 'plain'}, from ${entry.sources.join(' + ') || 'literal text'}`,
    );
  return entries;
}

/** The encoder judges each value; name the template line of every value it refuses, all at once. */
function encode(entries: readonly RenderedEntry[], file: string): string {
  const problems: { line: number; message: string }[] = [];
  for (const entry of entries) {
    try {
      encodeEntry(entry);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      problems.push({ line: entry.line, message: error.message.replace(/\.$/, '') });
    }
  }
  if (problems.length > 0) throw new InputError(problemMessage(file, problems));
  return encodeDotenv(entries.map(({ key, value }) => ({ key, value })));
}

function loadPolicy(inputs: Inputs): Policy | undefined {
  if (inputs.profile === 'none' && !inputs.policyFile) return undefined;
  const base = profilePolicy(inputs.profile);
  if (!inputs.policyFile) return base;
  const name = inputs.policyFileName ?? inputs.policyFile;
  return applyPolicyFile(
    base,
    parseMapping(fs.readFileSync(inputs.policyFile, 'utf8'), `policy file ${name}`),
    name,
  );
}
