import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { REPO_ROOT, runAction } from '@deploy-kit/harness';
import { APP_DIR, PYTHON, run } from './helpers';

// The example's deploy fixtures: real ansible-vault files (Debian `ansible`),
// the demo password, make-vault.sh, and the env they render to.
const DEPLOY = path.join(APP_DIR, 'deploy');
const PASSWORD_FILE = path.join(DEPLOY, 'vault-password.demo');
const ENVIRONMENTS = ['staging', 'production'];

jest.setTimeout(120_000);

async function vaultView(file: string, passwordFile = PASSWORD_FILE): Promise<Record<string, string>> {
  const result = await run('ansible-vault', ['view', '--vault-password-file', passwordFile, file]);
  if (result.code !== 0) throw new Error(`ansible-vault view ${file} failed: ${result.stderr}`);
  return parseYaml(result.stdout) as Record<string, string>;
}

describe('examples/django-app deploy vaults', () => {
  test.each(ENVIRONMENTS)(
    'group_vars/%s/vault.yml is an AES256 vault that the demo password opens',
    async (env) => {
      const file = path.join(DEPLOY, 'group_vars', env, 'vault.yml');
      const text = fs.readFileSync(file, 'utf8');
      expect(text.split('\n')[0]).toBe('$ANSIBLE_VAULT;1.1;AES256');
      const values = await vaultView(file);
      expect(Object.keys(values).sort()).toEqual(['db_password', 'django_secret_key', 'metrics_token']);
      // Sized for the django-production policy (and Django's security.W009).
      const key = values.django_secret_key as string;
      expect(key.length).toBeGreaterThanOrEqual(50);
      expect(new Set(key).size).toBeGreaterThanOrEqual(5);
      expect(key.startsWith('django-insecure-')).toBe(false);
      expect((values.metrics_token as string).length).toBeGreaterThanOrEqual(64);
      expect((values.db_password as string).length).toBeGreaterThanOrEqual(32);
      for (const value of Object.values(values)) expect(text).not.toContain(value);
    },
  );

  test('staging and production do not share secrets', async () => {
    const [staging, production] = await Promise.all(
      ENVIRONMENTS.map((env) => vaultView(path.join(DEPLOY, 'group_vars', env, 'vault.yml'))),
    );
    for (const name of Object.keys(staging ?? {})) expect(staging?.[name]).not.toBe(production?.[name]);
  });

  test('a wrong password does not open the vault', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'djapp-vault-'));
    try {
      const wrong = path.join(dir, 'wrong-password');
      fs.writeFileSync(wrong, 'not-the-demo-password\n', { mode: 0o600 });
      const result = await run('ansible-vault', [
        'view',
        '--vault-password-file',
        wrong,
        path.join(DEPLOY, 'group_vars', 'staging', 'vault.yml'),
      ]);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(/Decryption failed/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('git tracks no plaintext under deploy/group_vars', async () => {
    const result = await run('git', ['ls-files', '--', 'examples/django-app/deploy'], { cwd: REPO_ROOT });
    const tracked = result.stdout.trim().split('\n').sort();
    expect(tracked).toEqual([
      'examples/django-app/deploy/compose.sandbox.yml',
      'examples/django-app/deploy/env.template',
      'examples/django-app/deploy/group_vars/production/vault.yml',
      'examples/django-app/deploy/group_vars/staging/vault.yml',
      // The staging journey: its password is a {{ secrets.SMOKE_PASSWORD }} placeholder (checked below).
      'examples/django-app/deploy/journey.yml',
      'examples/django-app/deploy/make-vault.sh',
      'examples/django-app/deploy/vars/production.yml',
      'examples/django-app/deploy/vars/staging.yml',
      'examples/django-app/deploy/vault-password.demo',
    ]);
    const journey = fs.readFileSync(path.join(REPO_ROOT, 'examples/django-app/deploy/journey.yml'), 'utf8');
    expect(journey).toContain('password: "{{ secrets.SMOKE_PASSWORD }}"');
    for (const m of journey.matchAll(/password:\s*("[^"\n]*"|[^\s,}]+)/g))
      expect(m[1]?.trim()).toBe('"{{ secrets.SMOKE_PASSWORD }}"');
  });

  test('make-vault.sh regenerates a vault with fresh values and leaves no plaintext behind', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'djapp-make-vault-'));
    try {
      const copy = path.join(dir, 'deploy');
      fs.cpSync(DEPLOY, copy, { recursive: true });
      const scratch = path.join(dir, 'tmp');
      fs.mkdirSync(scratch);
      const before = fs.readFileSync(path.join(copy, 'group_vars', 'production', 'vault.yml'), 'utf8');

      const result = await run('bash', [path.join(copy, 'make-vault.sh'), 'staging'], {
        cwd: dir,
        env: { TMPDIR: scratch },
      });
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
      expect(result.stdout).toContain(`wrote ${path.join(copy, 'group_vars', 'staging', 'vault.yml')}`);

      const fresh = await vaultView(
        path.join(copy, 'group_vars', 'staging', 'vault.yml'),
        path.join(copy, 'vault-password.demo'),
      );
      const committed = await vaultView(path.join(DEPLOY, 'group_vars', 'staging', 'vault.yml'));
      expect(Object.keys(fresh).sort()).toEqual(Object.keys(committed).sort());
      expect(fresh.django_secret_key).not.toBe(committed.django_secret_key);
      // Only the environment asked for is touched; the plaintext directory is gone.
      expect(fs.readFileSync(path.join(copy, 'group_vars', 'production', 'vault.yml'), 'utf8')).toBe(before);
      expect(fs.readdirSync(scratch)).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('make-vault.sh refuses an unknown environment', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'djapp-make-vault-'));
    try {
      fs.cpSync(DEPLOY, path.join(dir, 'deploy'), { recursive: true });
      const result = await run('bash', [path.join(dir, 'deploy', 'make-vault.sh'), 'qa']);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain("unknown environment 'qa'");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('examples/django-app rendered production env', () => {
  // render-env (the committed bundle) renders deploy/env.template; Django's own
  // `check --deploy` then judges the result: the fixtures are production-grade.
  test('passes manage.py check --deploy --fail-level WARNING', async () => {
    const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'djapp-render-'));
    try {
      fs.cpSync(DEPLOY, path.join(workspace, 'deploy'), { recursive: true });
      const rendered = await runAction({
        action: 'render-env',
        workspace,
        inputs: {
          template: 'deploy/env.template',
          'vars-files': 'deploy/vars/{environment}.yml',
          'vault-files': 'deploy/group_vars/{environment}/vault.yml',
          'vault-password': fs.readFileSync(PASSWORD_FILE, 'utf8').trim(),
          vars: '{"version": "1.4.2"}',
          environment: 'production',
          profile: 'django-production',
          output: '.env',
        },
      });
      expect(rendered.error).toBeUndefined();
      const dotenv = path.join(workspace, '.env');
      // Django reads the rendered file itself (python-dotenv), as on a developer machine.
      const check = await run(PYTHON, ['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'], {
        env: {
          DJANGO_SETTINGS_MODULE: 'config.settings',
          DJANGO_READ_DOT_ENV: 'true',
          DOTENV_PATH: dotenv,
          ...Object.fromEntries(
            ['DEBUG', 'DJANGO_SECRET_KEY', 'SECRET_KEY', 'ALLOWED_HOSTS', 'DATABASE_URL', 'APP_VERSION'].map(
              (k) => [k, undefined],
            ),
          ),
        },
      });
      expect({ code: check.code, stderr: check.stderr }).toEqual({ code: 0, stderr: '' });
      expect(check.stdout).toContain('System check identified no issues');

      const version = await run(
        PYTHON,
        [
          'manage.py',
          'shell',
          '-c',
          'from django.conf import settings as s; print(s.APP_VERSION, s.DATABASES["default"]["NAME"], s.SECURE_SSL_REDIRECT)',
        ],
        {
          env: {
            DJANGO_SETTINGS_MODULE: 'config.settings',
            DOTENV_PATH: dotenv,
            DEBUG: undefined,
            APP_VERSION: undefined,
          },
        },
      );
      expect(version.stdout.trim()).toBe('1.4.2 app_production True');
    } finally {
      fs.rmSync(workspace, { recursive: true, force: true });
    }
  });
});
