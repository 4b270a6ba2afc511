import { InputError } from '@deploy-kit/shared';

// The package is ESM-typed with a CommonJS build; TypeScript (node16, CommonJS
// output) refuses a static import of it, so require the CJS build and type the
// two members we use.
interface VaultApi {
  decryptSync(vault: string, id: string | undefined): string | undefined;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Vault } = require('ansible-vault') as { Vault: new (options: { password: string }) => VaultApi };

/**
 * Thin wrapper over the `ansible-vault` package: recognise Ansible Vault text,
 * check its header ourselves (so an unsupported format gets a sentence, not a
 * library message), and turn the library's failures into one sentence naming
 * the file. The library never sees anything but the ciphertext and password.
 */

export const VAULT_PREFIX = '$ANSIBLE_VAULT;';

export interface VaultHeader {
  version: '1.1' | '1.2';
  cipher: 'AES256';
  /** The vault id label of a 1.2 file (`--vault-id label@...`). */
  label?: string;
}

export function isVaultText(text: string): boolean {
  return text.trimStart().startsWith(VAULT_PREFIX);
}

export function parseVaultHeader(text: string, source: string): VaultHeader {
  const header = text.trimStart().split(/\r?\n/, 1)[0]?.trim() ?? '';
  const [magic, version, cipher, label, ...rest] = header.split(';');
  if (magic !== '$ANSIBLE_VAULT' || rest.length > 0)
    throw new InputError(`${source} does not start with a valid Ansible Vault header.`);
  if (version !== '1.1' && version !== '1.2')
    throw new InputError(
      `${source} uses Ansible Vault format ${version ?? '(none)'}; only 1.1 and 1.2 are supported.`,
    );
  if (cipher !== 'AES256')
    throw new InputError(`${source} uses vault cipher ${cipher ?? '(none)'}; only AES256 is supported.`);
  if (version === '1.2' && !label) throw new InputError(`${source} is a 1.2 vault without a vault id label.`);
  return version === '1.2' ? { version, cipher, label } : { version, cipher };
}

/**
 * Decrypt one vault (a whole file or one `!vault |` scalar). A single password
 * opens every label: ansible-vault itself also tries each password on each
 * file, and deploy-kit takes one `vault-password`.
 */
export function decryptVault(text: string, password: string, source: string): string {
  parseVaultHeader(text, source);
  if (password === '')
    throw new InputError(`'vault-password' is required to decrypt ${source}; pass it from a secret.`);
  // The library splits on newlines and concatenates hex, so strip the indentation
  // and blank lines an inline scalar or an editor may leave behind.
  const normalised = text
    .trim()
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .join('\n');
  let plain: string | undefined;
  try {
    plain = new Vault({ password }).decryptSync(normalised, undefined);
  } catch (error) {
    const reason = error instanceof Error ? error.message : '';
    if (/integrity check failed/i.test(reason))
      throw new InputError(
        `Could not decrypt ${source}: wrong vault-password (HMAC mismatch); check the secret passed as 'vault-password'.`,
      );
    throw new InputError(
      `Could not decrypt ${source}: the vault data is malformed (${reason || 'unknown error'}).`,
    );
  }
  if (plain === undefined) throw new InputError(`Could not decrypt ${source}: the vault data is malformed.`);
  return plain;
}
