import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InputError } from '@deploy-kit/shared';
import { parseEnvironment, parseSecrets, readInputs } from '../../../actions/render-env/src/inputs';

describe('parseSecrets', () => {
  test('one JSON object of strings, as toJSON(secrets) gives', () => {
    expect(parseSecrets('{"github_token":"ghs_x","DB":"p w"}')).toEqual({ github_token: 'ghs_x', DB: 'p w' });
    expect(parseSecrets('  ')).toEqual({});
  });

  test('invalid JSON is reported without quoting the text', () => {
    const error = (() => {
      try {
        parseSecrets('{\n"A": "hunter2-secret",\n"B": hunter3-secret\n}');
      } catch (e) {
        return e as InputError;
      }
      throw new Error('no error');
    })();
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toBe(
      "'secrets' is not valid JSON; pass one object, e.g. secrets: ${{ toJSON(secrets) }}.",
    );
    expect(error.message).not.toContain('hunter');
  });

  test('non-objects and non-string values are named without the value', () => {
    expect(() => parseSecrets('["a"]')).toThrow(/'secrets' must be a JSON object/);
    expect(() => parseSecrets('{"PORT": 5432}')).toThrow(
      new InputError("'secrets' entry 'PORT' must be a string, got number."),
    );
  });
});

describe('parseEnvironment', () => {
  test('a plain name, since it picks file paths', () => {
    expect(parseEnvironment('production')).toBe('production');
    expect(parseEnvironment('eu-west.2_b')).toBe('eu-west.2_b');
    expect(parseEnvironment('')).toBe('');
    expect(() => parseEnvironment('../etc')).toThrow(/'environment' must be a name of letters/);
    expect(() => parseEnvironment('prod uction')).toThrow(InputError);
  });
});

describe('readInputs', () => {
  let workspace: string;
  const savedEnv = { ...process.env };
  let written: string[];
  let spy: jest.SpyInstance;

  beforeEach(() => {
    workspace = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 're-inputs-')));
    fs.mkdirSync(path.join(workspace, 'deploy'));
    fs.writeFileSync(path.join(workspace, 'deploy', 'env.template'), 'A=1\n');
    for (const key of Object.keys(process.env)) if (key.startsWith('INPUT_')) delete process.env[key];
    process.env.GITHUB_WORKSPACE = workspace;
    process.env.INPUT_TEMPLATE = 'deploy/env.template';
    written = [];
    spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
  });
  afterEach(() => {
    spy.mockRestore();
    process.env = { ...savedEnv };
    fs.rmSync(workspace, { recursive: true, force: true });
  });

  test('defaults: .env in the workspace, profile none, check off', () => {
    const inputs = readInputs();
    expect(inputs).toMatchObject({
      template: path.join(workspace, 'deploy', 'env.template'),
      templateName: 'deploy/env.template',
      output: path.join(workspace, '.env'),
      outputName: '.env',
      profile: 'none',
      check: false,
      varsFiles: [],
      secrets: {},
    });
  });

  test('the vault password and every secret are masked before anything else is printed', () => {
    process.env['INPUT_VAULT-PASSWORD'] = 'vault-pass-value';
    process.env.INPUT_SECRETS = '{"A":"secret-a-value","B":"secret-b-value"}';
    const inputs = readInputs();
    expect(inputs.secrets).toEqual({ A: 'secret-a-value', B: 'secret-b-value' });
    const masks = written.filter((l) => l.startsWith('::add-mask::')).map((l) => l.trim().slice(12));
    expect(masks).toEqual(expect.arrayContaining(['vault-pass-value', 'secret-a-value', 'secret-b-value']));
    expect(written.every((l) => l.startsWith('::add-mask::'))).toBe(true);
  });

  test.each([
    ['INPUT_OUTPUT', '../escape.env', /'output' must be a path inside the workspace/],
    ['INPUT_OUTPUT', 'deploy', "'output' 'deploy' is a directory; name a file, e.g. .env."],
    [
      'INPUT_OUTPUT',
      'deploy/env.template',
      "'output' must not be the template itself ('deploy/env.template').",
    ],
    [
      'INPUT_TEMPLATE',
      'deploy/missing.template',
      "'template' file 'deploy/missing.template' does not exist in the workspace.",
    ],
    ['INPUT_TEMPLATE', '/etc/passwd', /'template' must be a path inside the workspace/],
    [
      'INPUT_PROFILE',
      'django-prod',
      "'profile' must be one of none, django-production, django-staging, got 'django-prod'.",
    ],
    ['INPUT_CHECK', 'maybe', "'check' must be true or false, got 'maybe'."],
    ['INPUT_POLICY-FILE', 'nope.yml', "'policy-file' file 'nope.yml' does not exist in the workspace."],
  ])('%s=%s is refused', (name, value, message) => {
    process.env[name] = value;
    expect(() => readInputs()).toThrow(message);
  });

  test('a template reached through a symlink that leaves the workspace is refused', () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 're-outside-'));
    fs.writeFileSync(path.join(outside, 't'), 'A=1\n');
    fs.symlinkSync(path.join(outside, 't'), path.join(workspace, 'linked.template'));
    process.env.INPUT_TEMPLATE = 'linked.template';
    try {
      expect(() => readInputs()).toThrow(/'template' must be a path inside the workspace/);
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });
});
