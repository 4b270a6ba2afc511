import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError } from '@deploy-kit/shared';
import { decryptVault, isVaultText, parseVaultHeader } from '../../../actions/render-env/src/vault';

// Fixtures made with the real `ansible-vault` (see __tests__/fixtures/render-env/make-vaults.sh).
const DEPLOY = path.join(__dirname, '..', '..', 'fixtures', 'render-env', 'app', 'deploy');
const PASSWORD = fs.readFileSync(path.join(DEPLOY, 'vault-password.test'), 'utf8').trim();
const read = (rel: string): string => fs.readFileSync(path.join(DEPLOY, rel), 'utf8');

describe('vault', () => {
  test('recognises vault text by its header', () => {
    expect(isVaultText(read('group_vars/production/vault.yml'))).toBe(true);
    expect(isVaultText(read('group_vars/production/vars.yml'))).toBe(false);
  });

  test('reads 1.1 and 1.2 headers, with the 1.2 label', () => {
    expect(parseVaultHeader(read('group_vars/production/vault.yml'), 'p')).toEqual({
      version: '1.1',
      cipher: 'AES256',
    });
    expect(parseVaultHeader(read('group_vars/staging/vault.yml'), 's')).toEqual({
      version: '1.2',
      cipher: 'AES256',
      label: 'staging',
    });
  });

  test('decrypts a 1.1 file made by ansible-vault encrypt', () => {
    const plain = decryptVault(read('group_vars/production/vault.yml'), PASSWORD, 'prod');
    expect(plain).toContain('django_secret_key:');
    expect(plain).toContain('p@ss:w/rd%40 with space');
  });

  test('decrypts a 1.2 file made with --vault-id label@file, whatever the label', () => {
    expect(decryptVault(read('group_vars/staging/vault.yml'), PASSWORD, 'staging')).toContain(
      'smtp-staging-secret',
    );
  });

  test('a wrong password is one sentence naming the file', () => {
    expect(() =>
      decryptVault(read('group_vars/production/vault.yml'), 'not-the-password', 'deploy/x.yml'),
    ).toThrow(
      new InputError(
        "Could not decrypt deploy/x.yml: wrong vault-password (HMAC mismatch); check the secret passed as 'vault-password'.",
      ),
    );
  });

  test('an empty password asks for vault-password', () => {
    expect(() => decryptVault(read('group_vars/production/vault.yml'), '', 'deploy/x.yml')).toThrow(
      "'vault-password' is required to decrypt deploy/x.yml; pass it from a secret.",
    );
  });

  test('unsupported formats and damaged data are named, not passed to the library blindly', () => {
    expect(() => parseVaultHeader('$ANSIBLE_VAULT;1.0;AES\nabc', 'f')).toThrow(
      'f uses Ansible Vault format 1.0; only 1.1 and 1.2 are supported.',
    );
    expect(() => parseVaultHeader('$ANSIBLE_VAULT;1.1;AES128\nabc', 'f')).toThrow(
      'f uses vault cipher AES128; only AES256 is supported.',
    );
    expect(() => parseVaultHeader('$ANSIBLE_VAULT;1.2;AES256\nabc', 'f')).toThrow(/without a vault id label/);
    expect(() => decryptVault('$ANSIBLE_VAULT;1.1;AES256\n3132', PASSWORD, 'f')).toThrow(
      /^Could not decrypt f: the vault data is malformed/,
    );
  });

  test('tolerates CRLF line endings and indentation (as in an inline !vault scalar)', () => {
    const text = read('group_vars/production/vault.yml')
      .split('\n')
      .map((l) => `    ${l}`)
      .join('\r\n');
    expect(decryptVault(text, PASSWORD, 'crlf')).toContain('django_secret_key:');
  });
});
