import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as core from '@actions/core';
import {
  InputError,
  PolicyFailure,
  registerSecret,
  registerSecrets,
  setOutputs,
  writeFileAtomic,
  writeSummary,
} from '@deploy-kit/shared';
import { encodeDotenv, encodeEntry } from './dotenv';
import { readInputs, type Inputs } from './inputs';
import { applyPolicyFile, evaluatePolicy, profilePolicy, type Policy } from './policy';
import { summaryMarkdown } from './summary';
import { parseTemplate, problemMessage, renderTemplate, type RenderedEntry } from './template';
import { loadValues, parseMapping, type LoadedValues } from './values';

/**
 * render-env: template + vars + secrets + Ansible Vault -> a dotenv file.
 *   1. read the inputs (secrets and the vault password are masked at once);
 *   2. load the values files (decrypting vaults; every decrypted value masked);
 *   3. parse and render the template (every secret key's value masked);
 *   4. encode the dotenv text and check it against the policy;
 *   5. write it atomically with mode 0600 (unless check: true), then outputs and the job summary.
 * Any error stops before step 5: a partial or half-checked file is never written.
 */
export async function main(): Promise<void> {
  const inputs = readInputs();

  const values = await core.group('Load values', async () => loadAllValues(inputs));

  const entries = await core.group('Render template', async () => render(inputs, values));
  const content = encode(entries, inputs.templateName);
  // The encoder's quoting is one more form a secret could take in a log.
  for (const entry of entries.filter((e) => e.secret))
    registerSecret(encodeEntry(entry).slice(entry.key.length + 1));
  const sha256 = createHash('sha256').update(content, 'utf8').digest('hex');

  const policy = loadPolicy(inputs);
  const violations = await core.group('Check policy', async () => {
    if (!policy) {
      core.info('No policy: profile is none and no policy-file was given.');
      return [];
    }
    const found = evaluatePolicy(policy, entries);
    core.info(`${policy.name}: ${found.length === 0 ? 'passed' : `${found.length} violation(s)`}`);
    return found;
  });
  for (const v of violations) core.error(v.message, { file: inputs.templateName, startLine: v.line });

  const written = !inputs.check && violations.length === 0;
  if (written) {
    writeFileAtomic(inputs.output, content, 0o600);
    core.info(`Wrote ${inputs.outputName} (${entries.length} keys, mode 0600).`);
  } else if (inputs.check) {
    core.info(`Check mode: ${inputs.outputName} was not written.`);
  }

  await writeSummary(
    summaryMarkdown({
      template: inputs.templateName,
      environment: inputs.environment,
      output: inputs.outputName,
      written,
      check: inputs.check,
      keys: entries,
      layers: values.layers,
      policy: policy ? { name: policy.name, violations } : undefined,
      sha256: violations.length === 0 ? sha256 : undefined,
    }),
  );

  if (violations.length > 0)
    throw new PolicyFailure(
      `${violations.length} violation${violations.length === 1 ? '' : 's'} of ${policy?.name} in ${inputs.templateName}: ${violations.map((v) => v.message).join('; ')}; nothing was written`,
      violations.map((v) => v.message),
    );

  setOutputs({
    path: written ? inputs.output : '',
    keys: entries.map((e) => e.key),
    'secret-keys': entries.filter((e) => e.secret).map((e) => e.key),
    sha256,
  });
}

function loadAllValues(inputs: Inputs): LoadedValues {
  const loaded = loadValues({
    varsFiles: inputs.varsFiles,
    vaultFiles: inputs.vaultFiles,
    inlineVars: inputs.vars,
    environment: inputs.environment,
    vaultPassword: inputs.vaultPassword,
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
