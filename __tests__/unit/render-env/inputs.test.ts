import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InputError } from '@deploy-kit/shared';
import { parseEnvironment, parseInputs } from '../../../actions/render-env/src/inputs';

describe('parseEnvironment', () => {
  test('a plain name, since it picks file paths', () => {
    expect(parseEnvironment('production')).toBe('production');
    expect(parseEnvironment('eu-west.2_b')).toBe('eu-west.2_b');
    expect(parseEnvironment('')).toBe('');
    expect(() => parseEnvironment('../etc')).toThrow(/'environment' must be a name of letters/);
    expect(() => parseEnvironment('prod uction')).toThrow(InputError);
  });
});

describe('parseInputs', () => {
  let workspace: string;
  const savedEnv = { ...process.env };
  let raw: Record<string, string>;
  let written: string[];
  let spy: jest.SpyInstance;

  beforeEach(() => {
    workspace = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 're-inputs-')));
    fs.mkdirSync(path.join(workspace, 'deploy'));
    fs.writeFileSync(path.join(workspace, 'deploy', 'env.template'), 'A=1\n');
    process.env.GITHUB_WORKSPACE = workspace;
    raw = { template: 'deploy/env.template' };
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

  test('defaults: .env in the workspace, profile none, dry-run off', () => {
    const inputs = parseInputs(raw);
    expect(inputs).toMatchObject({
      template: path.join(workspace, 'deploy', 'env.template'),
      templateName: 'deploy/env.template',
      output: path.join(workspace, '.env'),
      outputName: '.env',
      profile: 'none',
      dryRun: false,
      workingDirectory: workspace,
      varsFiles: [],
      secrets: {},
    });
  });

  test('the vault password and every secret are masked before anything else is printed', () => {
    raw['vault-password'] = 'vault-pass-value';
    raw.secrets = 'A=secret-a-value\nB=secret-b-value';
    const inputs = parseInputs(raw);
    expect(inputs.secrets).toEqual({ A: 'secret-a-value', B: 'secret-b-value' });
    const masks = written.filter((l) => l.startsWith('::add-mask::')).map((l) => l.trim().slice(12));
    expect(masks).toEqual(expect.arrayContaining(['vault-pass-value', 'secret-a-value', 'secret-b-value']));
    expect(written.every((l) => l.startsWith('::add-mask::'))).toBe(true);
  });

  test.each([
    ['output', '../escape.env', /'output' must be a path inside the workspace/],
    ['output', 'deploy', "'output' 'deploy' is a directory; name a file, e.g. .env."],
    ['output', 'deploy/env.template', "'output' must not be the template itself ('deploy/env.template')."],
    [
      'template',
      'deploy/missing.template',
      "'template' file 'deploy/missing.template' does not exist in the working directory.",
    ],
    ['template', '/etc/passwd', /'template' must be a path inside the workspace/],
    [
      'profile',
      'django-prod',
      "'profile' must be one of none, django-production, django-staging, got 'django-prod'.",
    ],
    ['dry-run', 'maybe', "'dry-run' must be true or false, got 'maybe'."],
    ['policy-file', 'nope.yml', "'policy-file' file 'nope.yml' does not exist in the working directory."],
    ['working-directory', '..', /'working-directory' must be a path inside the workspace/],
    [
      'working-directory',
      'deploy/env.template',
      "'working-directory' must be an existing directory inside the workspace, got 'deploy/env.template'.",
    ],
  ])('%s=%s is refused', (name, value, message) => {
    raw[name] = value;
    expect(() => parseInputs(raw)).toThrow(message);
  });

  test('a template reached through a symlink that leaves the workspace is refused', () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 're-outside-'));
    fs.writeFileSync(path.join(outside, 't'), 'A=1\n');
    fs.symlinkSync(path.join(outside, 't'), path.join(workspace, 'linked.template'));
    raw.template = 'linked.template';
    try {
      expect(() => parseInputs(raw)).toThrow(/'template' must be a path inside the workspace/);
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });

  test('working-directory: template, output and policy-file start there, and stay inside the workspace', () => {
    fs.writeFileSync(path.join(workspace, 'deploy', 'policy.yml'), 'rules: {}\n');
    const inputs = parseInputs({
      'working-directory': 'deploy',
      template: 'env.template',
      output: 'out/.env',
      'policy-file': 'policy.yml',
      'dry-run': 'true',
    });
    expect(inputs).toMatchObject({
      workingDirectory: path.join(workspace, 'deploy'),
      template: path.join(workspace, 'deploy', 'env.template'),
      templateName: 'deploy/env.template',
      output: path.join(workspace, 'deploy', 'out', '.env'),
      outputName: 'deploy/out/.env',
      policyFileName: 'deploy/policy.yml',
      dryRun: true,
    });
    expect(() => parseInputs({ 'working-directory': 'deploy', template: '../../x' })).toThrow(
      /'template' must be a path inside the workspace/,
    );
  });

  describe('secrets: NAME=value lines or one JSON object (parseSecretsInput)', () => {
    test('lines with only what the template needs, or the JSON object', () => {
      const inputs = (secrets: string) => parseInputs({ template: 'deploy/env.template', secrets }).secrets;
      expect(inputs('DJANGO_SECRET_KEY=k=with=equals\n# a comment\n\nDB_PASSWORD=p w')).toEqual({
        DJANGO_SECRET_KEY: 'k=with=equals',
        DB_PASSWORD: 'p w',
      });
      expect(inputs('{"github_token":"ghs_x","DB":"p w"}')).toEqual({ github_token: 'ghs_x', DB: 'p w' });
      expect(inputs('  ')).toEqual({});
    });

    test('invalid JSON and a line that is not NAME=value are reported without quoting the text', () => {
      const thrown = (secrets: string): InputError => {
        try {
          parseInputs({ template: 'deploy/env.template', secrets });
        } catch (e) {
          return e as InputError;
        }
        throw new Error('no error');
      };
      const json = thrown('{\n"A": "hunter2-secret",\n"B": hunter3-secret\n}');
      expect(json).toBeInstanceOf(InputError);
      expect(json.message).toMatch(/^'secrets' is not valid JSON/);
      expect(json.message).not.toContain('hunter');
      const line = thrown('A=hunter2-secret\nhunter3-secret');
      expect(line.message).toMatch(/^'secrets' line 2 is not NAME=value/);
      expect(line.message).not.toContain('hunter');
    });
  });
});
