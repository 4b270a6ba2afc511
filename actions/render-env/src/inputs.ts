import * as fs from 'node:fs';
import {
  InputError,
  InputReader,
  parseSecretsInput,
  registerSecret,
  resolveInWorkspace,
  type RawInputs,
  workingDirectoryInput,
} from '@deploy-kit/shared';
import defaults from './action-defaults.json';
import { PROFILES, type ProfileName } from './policy';
import { displayPath } from './values';

/** Every input of action.yml, parsed and validated once. Secrets are masked before this returns. */
export interface Inputs {
  /** Absolute path of the directory relative paths start from, inside the workspace. */
  workingDirectory: string;
  /** Absolute path of the template, inside the workspace. */
  template: string;
  /** The template as the messages name it (workspace-relative). */
  templateName: string;
  /** Inline YAML/JSON mapping (raw text; '' when not given). */
  vars: string;
  /** Entries as given (they may hold {environment}); resolved against workingDirectory when read. */
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
  dryRun: boolean;
}

const ENVIRONMENT = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function parseEnvironment(value: string): string {
  if (value !== '' && !ENVIRONMENT.test(value))
    throw new InputError(
      `'environment' must be a name of letters, digits, '.', '_' and '-' (it picks values files), got '${value}'.`,
    );
  return value;
}

function existingFile(workingDirectory: string, inputName: string, value: string): string {
  const file = resolveInWorkspace(inputName, value, workingDirectory);
  if (!fs.existsSync(file))
    throw new InputError(`'${inputName}' file '${value}' does not exist in the working directory.`);
  if (!fs.statSync(file).isFile()) throw new InputError(`'${inputName}' path '${value}' is not a file.`);
  return file;
}

/**
 * render-env's inputs from raw values (the runner's INPUT_*, or objects from the root action).
 * No runner reads; the secrets are registered with the masker first, so nothing below may print
 * one (parseSecretsInput masks every form of its text before it parses).
 */
export function parseInputs(raw: RawInputs): Inputs {
  const read = new InputReader(raw, defaults);
  const vaultPassword = read.string('vault-password');
  registerSecret(vaultPassword, "'vault-password'");
  const secrets = parseSecretsInput('secrets', read.raw('secrets'));

  const workingDirectory = workingDirectoryInput(read.string('working-directory'));
  const template = existingFile(workingDirectory, 'template', read.string('template', { required: true }));
  const environment = parseEnvironment(read.string('environment'));
  const outputValue = read.string('output', { fallback: '.env' });
  const output = resolveInWorkspace('output', outputValue, workingDirectory);
  if (fs.existsSync(output) && fs.statSync(output).isDirectory())
    throw new InputError(`'output' '${outputValue}' is a directory; name a file, e.g. .env.`);
  if (output === template)
    throw new InputError(`'output' must not be the template itself ('${outputValue}').`);
  const policyValue = read.string('policy-file');
  const policyFile =
    policyValue === '' ? undefined : existingFile(workingDirectory, 'policy-file', policyValue);

  return {
    workingDirectory,
    template,
    templateName: displayPath(template),
    vars: read.raw('vars'),
    varsFiles: read.list('vars-files'),
    vaultFiles: read.list('vault-files'),
    secrets,
    environment,
    vaultPassword,
    output,
    outputName: displayPath(output),
    profile: read.enum('profile', PROFILES, 'none'),
    policyFile,
    policyFileName: policyFile ? displayPath(policyFile) : undefined,
    dryRun: read.boolean('dry-run', false),
  };
}
