import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isSecretInput, parseCli, StreamMasker, UsageError } from '@deploy-kit/harness';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dk-cli-'));
fs.writeFileSync(path.join(dir, 'id_ed25519'), 'KEY TEXT\n');

test('secret inputs are the passwords, passphrases, tokens, private keys and secrets of every action', () => {
  for (const name of [
    'private-key',
    'passphrase',
    'registry-password',
    'vault-password',
    'metrics-token',
    'secrets',
    'password',
  ])
    expect(isSecretInput(name)).toBe(true);
  for (const name of ['hosts', 'known-hosts', 'secret-keys', 'version', 'url', 'registry-username'])
    expect(isSecretInput(name)).toBe(false);
});

test('the one-step deploy with plain inputs, a key from a file and a password from the environment', () => {
  const request = parseCli(
    [
      'deploy',
      '--input',
      'hosts=web1.example.com, web2.example.com',
      '--input',
      'version=v1.4.0',
      '--input-file',
      'private-key=id_ed25519',
      '--input-env',
      'vault-password=VAULT_PASSWORD',
      '--workspace',
      '.',
    ],
    { VAULT_PASSWORD: 'hunter2-but-longer' },
    dir,
  );
  expect(request.action).toBe('.');
  expect(request.workspace).toBe(dir);
  expect(request.inputs).toEqual({
    hosts: 'web1.example.com, web2.example.com',
    version: 'v1.4.0',
    'private-key': 'KEY TEXT\n',
    'vault-password': 'hunter2-but-longer',
  });
});

test('a secret on the command line is refused, naming the safe ways', () => {
  expect(() => parseCli(['deploy', '--input', 'vault-password=hunter2'], {}, dir)).toThrow(UsageError);
  expect(() => parseCli(['remote-deploy', '--input', 'private-key=-----BEGIN'], {}, dir)).toThrow(
    "'private-key' is a secret and is not accepted on the command line (ps and the shell history see it); use --input-file private-key=PATH or --input-env private-key=VARIABLE",
  );
});

test('unknown actions, inputs, flags, files and variables are usage errors', () => {
  expect(() => parseCli([], {}, dir)).toThrow(/name what to run: deploy, lint-gate/);
  expect(() => parseCli(['nope'], {}, dir)).toThrow(/unknown action 'nope'/);
  expect(() => parseCli(['smoke-test', '--input', 'hosts=x'], {}, dir)).toThrow(
    /'smoke-test' has no input 'hosts'/,
  );
  expect(() => parseCli(['deploy', '--secret', 'x=y'], {}, dir)).toThrow(/unknown flag '--secret'/);
  expect(() => parseCli(['deploy', '--input-file', 'private-key=missing'], {}, dir)).toThrow(
    /missing does not exist/,
  );
  expect(() => parseCli(['deploy', '--input-env', 'vault-password=NOPE'], {}, dir)).toThrow(
    /NOPE is not set/,
  );
  expect(() => parseCli(['deploy', '--input', 'version'], {}, dir)).toThrow(/expects name=value/);
});

test('the live log is masked as the runner masks it, across chunk boundaries', () => {
  const m = new StreamMasker();
  const out = [
    m.push('::add-mask::s3cr'),
    m.push('et-value\nline with s3cret-va'),
    m.push('lue inside\n::add-mask::50%25off-code\nsave 50%off-code now\n'),
    m.push('tail s3cret-value'),
    m.flush(),
  ].join('');
  expect(out).toBe('line with *** inside\nsave *** now\ntail ***');
});
