import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InputError, PolicyFailure } from '@deploy-kit/shared';
import { renderEnvAction } from '../../../actions/render-env/src/action';

/** render-env called in-process with objects, as the one-step deploy and deploy-kit call it. */

const context = { signal: new AbortController().signal, signals: () => () => undefined };

describe('renderEnvAction', () => {
  let workspace: string;
  const savedEnv = { ...process.env };
  let spy: jest.SpyInstance;

  beforeEach(() => {
    workspace = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 're-action-')));
    fs.mkdirSync(path.join(workspace, 'app'));
    fs.writeFileSync(
      path.join(workspace, 'app', 'env.template'),
      'DEBUG={{vars.debug}}\nDB_PASSWORD={{secrets.DB_PASSWORD}}\n',
    );
    process.env.GITHUB_WORKSPACE = workspace;
    spy = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  });
  afterEach(() => {
    spy.mockRestore();
    process.env = { ...savedEnv };
    fs.rmSync(workspace, { recursive: true, force: true });
  });

  const run = (raw: Record<string, string>) =>
    renderEnvAction.run(renderEnvAction.parseInputs({ template: 'env.template', ...raw }), context);

  test('writes the file and returns typed outputs: path and secret-keys for remote-deploy', async () => {
    const result = await run({
      'working-directory': 'app',
      vars: 'debug: "false"',
      secrets: 'DB_PASSWORD=pw-123456',
    });
    expect(result.failure).toBeUndefined();
    const file = path.join(workspace, 'app', '.env');
    expect(result.outputs.path).toBe(file);
    expect(result.outputs.keys).toEqual(['DEBUG', 'DB_PASSWORD']);
    expect(result.outputs['secret-keys']).toEqual(['DB_PASSWORD']);
    expect(fs.readFileSync(file, 'utf8')).toContain("DB_PASSWORD='pw-123456'");
    expect(result.outputs.results).toEqual({
      status: 'passed',
      written: true,
      dryRun: false,
      path: file,
      sha256: result.outputs.sha256,
      keyCount: 2,
      secretKeyCount: 1,
      policy: null,
      violations: [],
    });
    expect(result.summary).toContain('Wrote `app/.env`');
  });

  test('a policy violation is returned, not thrown, with the summary and the envelope; nothing is written', async () => {
    const result = await run({
      'working-directory': 'app',
      vars: 'debug: "true"',
      secrets: 'DB_PASSWORD=pw-123456',
      profile: 'django-production',
    });
    expect(result.failure).toBeInstanceOf(PolicyFailure);
    expect(result.outputs.path).toBe('');
    expect(fs.existsSync(path.join(workspace, 'app', '.env'))).toBe(false);
    expect(result.outputs.results.status).toBe('failed');
    expect(result.outputs.results.failure).toMatch(/^Policy failed: \d+ violations? of django-production/);
    expect(result.outputs.results.violations).toEqual(
      expect.arrayContaining([expect.objectContaining({ key: 'DEBUG', line: 1 })]),
    );
    expect(result.summary).toContain('failed with');
  });

  test('dry-run checks everything and writes nothing', async () => {
    const result = await run({
      'working-directory': 'app',
      vars: 'debug: "false"',
      secrets: '{"DB_PASSWORD": "pw-123456"}',
      'dry-run': 'true',
    });
    expect(result.failure).toBeUndefined();
    expect(result.outputs.path).toBe('');
    expect(result.outputs.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(result.outputs.results).toMatchObject({ status: 'passed', written: false, dryRun: true });
    expect(fs.existsSync(path.join(workspace, 'app', '.env'))).toBe(false);
  });

  test('a template error is returned as an input failure with the envelope', async () => {
    const result = await run({ 'working-directory': 'app', vars: 'debug: "false"' });
    expect(result.failure).toBeInstanceOf(InputError);
    expect(result.outputs.results).toMatchObject({ status: 'invalid-input', written: false, keyCount: 0 });
    expect(result.outputs.results.failure).toMatch(/^Invalid input: .*DB_PASSWORD/);
    expect(result.summary).toContain('Nothing written');
  });
});
