import * as fs from 'node:fs';
import {
  getBoolean,
  getEnum,
  getList,
  getRaw,
  getString,
  InputError,
  registerSecret,
  resolveInWorkspace,
} from '@deploy-kit/shared';
import { PROFILES, type ProfileName } from './policy';
import { displayPath } from './values';

/** Every input of action.yml, parsed and validated once. Secrets are masked before this returns. */
export interface Inputs {
  /** Absolute path of the template, inside the workspace. */
  template: string;
  /** The template as the messages name it (workspace-relative). */
  templateName: string;
  /** Inline YAML/JSON mapping (raw text; '' when not given). */
  vars: string;
  varsFiles: string[];
  vaultFiles: string[];
  secrets: Record<string, string>;
  environment: string;
  vaultPassword: string;
  /** Absolute path of the dotenv file to write, inside the workspace. */
  output: string;
  outputName: string;
  profile: ProfileName;
  /** Absolute path of the policy file, when given. */
  policyFile?: string;
  policyFileName?: string;
  check: boolean;
}

const ENVIRONMENT = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * `secrets` is one JSON object (`${{ toJSON(secrets) }}`), so a workflow passes
 * every secret through a single declared input.
 */
export function parseSecrets(raw: string): Record<string, string> {
  if (raw.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    // JSON.parse's message quotes the text around the error, which here is secret.
    throw new InputError(
      `'secrets' is not valid JSON; pass one object, e.g. secrets: \${{ toJSON(secrets) }}.`,
    );
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new InputError(
      `'secrets' must be a JSON object of names to strings, e.g. \${{ toJSON(secrets) }}.`,
    );
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(parsed)) {
    if (typeof value !== 'string')
      throw new InputError(
        `'secrets' entry '${name}' must be a string, got ${value === null ? 'null' : typeof value}.`,
      );
    out[name] = value;
  }
  return out;
}

export function parseEnvironment(value: string): string {
  if (value !== '' && !ENVIRONMENT.test(value))
    throw new InputError(
      `'environment' must be a name of letters, digits, '.', '_' and '-' (it picks values files), got '${value}'.`,
    );
  return value;
}

function existingFile(inputName: string, value: string): string {
  const file = resolveInWorkspace(inputName, value);
  if (!fs.existsSync(file))
    throw new InputError(`'${inputName}' file '${value}' does not exist in the workspace.`);
  if (!fs.statSync(file).isFile()) throw new InputError(`'${inputName}' path '${value}' is not a file.`);
  return file;
}

export function readInputs(): Inputs {
  // Mask first: nothing below may print before every secret is registered.
  const vaultPassword = getString('vault-password');
  registerSecret(vaultPassword);
  const secrets = parseSecrets(getRaw('secrets'));
  for (const value of Object.values(secrets)) registerSecret(value);

  const template = existingFile('template', getString('template', { required: true }));
  const environment = parseEnvironment(getString('environment'));
  const outputValue = getString('output', { fallback: '.env' });
  const output = resolveInWorkspace('output', outputValue);
  if (fs.existsSync(output) && fs.statSync(output).isDirectory())
    throw new InputError(`'output' '${outputValue}' is a directory; name a file, e.g. .env.`);
  if (output === template)
    throw new InputError(`'output' must not be the template itself ('${outputValue}').`);
  const policyValue = getString('policy-file');
  const policyFile = policyValue === '' ? undefined : existingFile('policy-file', policyValue);

  return {
    template,
    templateName: displayPath(template),
    vars: getRaw('vars'),
    varsFiles: getList('vars-files'),
    vaultFiles: getList('vault-files'),
    secrets,
    environment,
    vaultPassword,
    output,
    outputName: displayPath(output),
    profile: getEnum('profile', PROFILES, 'none'),
    policyFile,
    policyFileName: policyFile ? displayPath(policyFile) : undefined,
    check: getBoolean('check', false),
  };
}
