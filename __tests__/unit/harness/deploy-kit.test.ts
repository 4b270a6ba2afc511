import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isSecretInput, parseCli, UsageError, type CliRequest } from '@deploy-kit/harness';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dk-cli-'));
fs.writeFileSync(path.join(dir, 'id_ed25519'), 'KEY TEXT\n');
fs.mkdirSync(path.join(dir, 'app', 'deploy'), { recursive: true });
fs.writeFileSync(path.join(dir, 'app', 'deploy', 'known_hosts'), 'web1 ssh-ed25519 AAAA\n');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** parseCli for a run (not a help request); remote-deploy gets its two required inputs. */
function run(argv: string[], env: NodeJS.ProcessEnv = {}, cwd = dir): CliRequest {
  const required = ['--input', 'hosts=web1', '--input', 'project-dir=/srv/app'];
  const command = parseCli(argv[0] === 'remote-deploy' ? [...argv, ...required] : argv, env, cwd);
  if ('help' in command) throw new Error('expected a run, got help');
  return command;
}

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
  const request = run(
    [
      'deploy',
      '--input',
      'hosts=web1.example.com, web2.example.com',
      '--input',
      'version=v1.4.0',
      '--input',
      'project-dir=/srv/app',
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
  expect(request.name).toBe('deploy');
  expect(request.workspace).toBe(dir);
  expect(request.inputs).toEqual({
    hosts: 'web1.example.com, web2.example.com',
    version: 'v1.4.0',
    'project-dir': '/srv/app',
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
    /missing is not a file/,
  );
  expect(() => parseCli(['deploy', '--input-env', 'vault-password=NOPE'], {}, dir)).toThrow(
    /NOPE is not set/,
  );
  expect(() => parseCli(['deploy', '--input', 'version'], {}, dir)).toThrow(/expects name=value/);
});

test('--input-file paths start at --workspace, wherever the command runs and whatever the flag order', () => {
  const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'dk-cli-cwd-'));
  try {
    for (const argv of [
      [
        'remote-deploy',
        '--workspace',
        path.join(dir, 'app'),
        '--input-file',
        'known-hosts=deploy/known_hosts',
      ],
      [
        'remote-deploy',
        '--input-file',
        'known-hosts=deploy/known_hosts',
        '--workspace',
        path.join(dir, 'app'),
      ],
    ])
      expect(run(argv, {}, elsewhere).inputs['known-hosts']).toBe('web1 ssh-ed25519 AAAA\n');
    // A relative --workspace starts at the current directory; an absolute file is itself.
    expect(
      run(
        [
          'remote-deploy',
          '--workspace',
          'app',
          '--input-file',
          `private-key=${path.join(dir, 'id_ed25519')}`,
        ],
        {},
        dir,
      ).inputs['private-key'],
    ).toBe('KEY TEXT\n');
    // Not the current directory: the file is looked for in the workspace, and the error names it.
    expect(() =>
      run(['remote-deploy', '--workspace', elsewhere, '--input-file', 'private-key=id_ed25519'], {}, dir),
    ).toThrow(`--input-file private-key: ${path.join(elsewhere, 'id_ed25519')} is not a file`);
  } finally {
    fs.rmSync(elsewhere, { recursive: true, force: true });
  }
});

test('a required input left out is a usage error naming it', () => {
  expect(() => parseCli(['render-env'], {}, dir)).toThrow(
    "'render-env' needs 'template' (deploy-kit render-env --help)",
  );
  expect(() => parseCli(['remote-deploy', '--input', 'hosts=web1'], {}, dir)).toThrow(
    "'remote-deploy' needs 'project-dir' (deploy-kit remote-deploy --help)",
  );
  expect(() => parseCli(['deploy'], {}, dir)).toThrow("'deploy' needs 'hosts' and 'project-dir'");
});

test('--input-file ~/path is in the home folder', () => {
  const home = os.homedir();
  const file = fs.mkdtempSync(path.join(home, '.dk-cli-test-'));
  try {
    fs.writeFileSync(path.join(file, 'key'), 'HOME KEY\n');
    const rel = path.relative(home, path.join(file, 'key'));
    expect(run(['remote-deploy', '--input-file', `private-key=~/${rel}`]).inputs['private-key']).toBe(
      'HOME KEY\n',
    );
  } finally {
    fs.rmSync(file, { recursive: true, force: true });
  }
});

test('--workspace must be a directory; --debug and --node20 are flags', () => {
  expect(() => run(['smoke-test', '--workspace', 'nope'])).toThrow(/--workspace: .*nope is not a directory/);
  const request = run(['smoke-test', '--debug', '--node20', '--input', 'url=https://example.com/']);
  expect(request.debug).toBe(true);
  expect(request.node).toBeDefined();
  expect(run(['smoke-test']).debug).toBe(false);
});
