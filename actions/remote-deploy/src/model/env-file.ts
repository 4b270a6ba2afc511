import { InputError, readComposeEnvFile, secretEnvValues } from '@deploy-kit/shared';

/**
 * The env file as the containers will see it: read with Compose's own rules (compose-go's parser,
 * packages/shared/src/dotenv.ts), not Node's util.parseEnv, which decodes escaped quotes,
 * backslashes and CR differently — so a value printed by a remote `env` is exactly one we mask.
 *
 * `${NAME}` references are expanded from the file itself; the host's environment is unknown on
 * the runner, so other names count as unset. A `${NAME?error}` reference to such a name is left
 * to Compose on the host: the value is read with the reference as empty text, for masking only.
 */
export function readEnvFile(text: string, inputName = 'env-file'): Map<string, string> {
  try {
    return readComposeEnvFile(text, inputName);
  } catch (error) {
    if (!(error instanceof InputError) || !/ is required by a /.test(error.message)) throw error;
    return readComposeEnvFile(text, inputName, () => '\u0000');
  }
}

/**
 * What to mask of an env file (THE MASKING RULE in packages/shared/src/secrets.ts): values of the
 * keys in `secretKeys` (render-env's `secret-keys`) or with a secret-looking name, whatever their
 * length; PEM private keys; passwords in URLs. Parts around an unknown host variable are masked
 * each on its own.
 */
export function envFileSecrets(
  text: string,
  secretKeys: readonly string[],
  inputName = 'env-file',
): string[] {
  const values = secretEnvValues(readEnvFile(text, inputName), secretKeys);
  return [...new Set(values.flatMap((v) => (v.includes('\u0000') ? v.split('\u0000') : [v])))].filter(
    (v) => v !== '',
  );
}
