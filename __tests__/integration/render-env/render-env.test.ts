/**
 * render-env through its committed bundle (render-env/dist/index.js), run the way the runner
 * runs it (runAction), with vault files made by the real `ansible-vault` and the result read
 * back by the real python-dotenv (Debian python3-dotenv), as Django would read it.
 * Needs the Debian packages `ansible` and `python3-dotenv`.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { NODE20, NODE24, REPO_ROOT, runAction, type RunActionResult } from '@deploy-kit/harness';
import { parse as parseYaml } from 'yaml';

const FIXTURE = path.join(REPO_ROOT, '__tests__', 'fixtures', 'render-env', 'app');
const EXAMPLE = path.join(REPO_ROOT, 'examples', 'django-app');
const PASSWORD = fs.readFileSync(path.join(FIXTURE, 'deploy', 'vault-password.test'), 'utf8').trim();
const PYTHON = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

const METRICS_TOKEN = 'mt_' + 'Zq8mW2kP9vL4xR7nT1bY6cH3dJ5fG0sA'.repeat(2) + '$end';
const GITHUB_TOKEN = 'ghs_0123456789abcdefghijklmnopqrstuvwxyzAB';
/** The `secrets` input as a workflow passes it: only what the template needs, NAME=value lines. */
const SECRETS = `github_token=${GITHUB_TOKEN}\nMETRICS_TOKEN=${METRICS_TOKEN}\n`;

const workspaces: string[] = [];
afterAll(() => {
  for (const dir of workspaces) fs.rmSync(dir, { recursive: true, force: true });
});

function workspaceFrom(source: string): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 're-ws-')));
  fs.cpSync(source, dir, { recursive: true });
  workspaces.push(dir);
  return dir;
}

/** What Django's settings would see: python-dotenv's dotenv_values() of the file. */
function readDotenv(file: string): Record<string, string> {
  const script = 'import json,sys,dotenv;print(json.dumps(dotenv.dotenv_values(sys.argv[1])))';
  return JSON.parse(execFileSync(PYTHON, ['-c', script, file], { encoding: 'utf8' })) as Record<
    string,
    string
  >;
}

/** The truth about a vault file, from the real ansible-vault (password via a file, never argv). */
function vaultView(file: string, passwordFile: string): Record<string, unknown> {
  const text = execFileSync('ansible-vault', ['view', '--vault-password-file', passwordFile, file], {
    encoding: 'utf8',
  });
  return parseYaml(text) as Record<string, unknown>;
}

/** Every form a secret could leak in: as is, base64, base64url, URL-encoded. */
function forms(values: readonly string[]): string[] {
  return values.flatMap((v) => [
    v,
    Buffer.from(v).toString('base64'),
    Buffer.from(v).toString('base64url'),
    encodeURIComponent(v),
  ]);
}

function errorAnnotations(result: RunActionResult) {
  return result.annotations.filter((a) => a.level === 'error');
}

const PROD_VAULT = vaultView(
  path.join(FIXTURE, 'deploy', 'group_vars', 'production', 'vault.yml'),
  path.join(FIXTURE, 'deploy', 'vault-password.test'),
) as { django_secret_key: string; db_password: string; smtp: { password: string } };
const SENTRY_DSN = 'https://0123abcd@sentry.example.test/42';

const EXPECTED: Record<string, string> = {
  DJANGO_SETTINGS_MODULE: 'mysite.settings',
  DEBUG: 'false',
  SECRET_KEY: PROD_VAULT.django_secret_key,
  ALLOWED_HOSTS: 'app.example.test,www.example.test',
  CSRF_TRUSTED_ORIGINS: 'https://app.example.test,https://www.example.test',
  SESSION_COOKIE_SECURE: 'True',
  CSRF_COOKIE_SECURE: 'True',
  SECURE_SSL_REDIRECT: 'true',
  DATABASE_URL: `postgres://app:${encodeURIComponent(PROD_VAULT.db_password)}@db.internal.example.test:5432/app`,
  EMAIL_HOST_PASSWORD: PROD_VAULT.smtp.password,
  METRICS_TOKEN,
  RELEASE: 'production-2.0',
  GREETING: 'Hello "world" with $dollar, #hash, back\\slash and \'single\' quotes\nsecond line — ünïcödé',
  SENTRY_DSN,
};
const SECRET_KEYS = ['SECRET_KEY', 'DATABASE_URL', 'EMAIL_HOST_PASSWORD', 'METRICS_TOKEN', 'SENTRY_DSN'];
const ALL_SECRETS = [
  PASSWORD,
  GITHUB_TOKEN,
  METRICS_TOKEN,
  PROD_VAULT.django_secret_key,
  PROD_VAULT.db_password,
  PROD_VAULT.smtp.password,
  SENTRY_DSN,
  EXPECTED.DATABASE_URL as string,
];

const LAYOUTS = {
  'Ansible group_vars directory': { 'vars-files': 'deploy/group_vars' },
  'per-environment files': {
    'vars-files': 'deploy/vars/{environment}.yml',
    'vault-files': 'deploy/group_vars/{environment}/vault.yml',
  },
};

function baseInputs(extra: Record<string, string> = {}): Record<string, string> {
  return {
    template: 'deploy/env.template',
    ...LAYOUTS['Ansible group_vars directory'],
    environment: 'production',
    'vault-password': PASSWORD,
    secrets: SECRETS,
    profile: 'django-production',
    ...extra,
  };
}

describe.each([
  ['node20', NODE20],
  ['node24', NODE24],
])('render-env bundle under %s', (_label, node) => {
  test.each(Object.entries(LAYOUTS))('renders the production file (%s)', async (_layout, layout) => {
    const workspace = workspaceFrom(FIXTURE);
    const result = await runAction({
      action: 'render-env',
      node,
      workspace,
      inputs: baseInputs({ ...layout, 'vars-files': layout['vars-files'], output: 'out/app.env' }),
    });
    expect(result.error).toBeUndefined();
    expect(result.exitCode).toBe(0);

    const file = path.join(workspace, 'out', 'app.env');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(readDotenv(file)).toEqual(EXPECTED);
    // No temp file left next to it.
    expect(fs.readdirSync(path.dirname(file))).toEqual(['app.env']);

    const content = fs.readFileSync(file);
    const sha256 = createHash('sha256').update(content).digest('hex');
    expect(result.outputs).toEqual({
      path: file,
      keys: JSON.stringify(Object.keys(EXPECTED)),
      'secret-keys': JSON.stringify(SECRET_KEYS),
      sha256,
      results: JSON.stringify({
        status: 'passed',
        written: true,
        dryRun: false,
        path: file,
        sha256,
        keyCount: Object.keys(EXPECTED).length,
        secretKeyCount: SECRET_KEYS.length,
        policy: 'django-production',
        violations: [],
      }),
    });

    expect(result.summary).toContain('| Key | Kind | Source | Template line |');
    expect(result.summary).toContain('| DJANGO_SETTINGS_MODULE | plain | literal | 4 |');
    expect(result.summary).toContain('| SECRET_KEY | secret | vault | 6 |');
    expect(result.summary).toContain('| DATABASE_URL | secret | vars, vault | 12 |');
    expect(result.summary).toContain('| METRICS_TOKEN | secret | secrets | 14 |');
    expect(result.summary).toContain('| RELEASE | plain | vars, env | 15 |');
    expect(result.summary).toContain('| SENTRY_DSN | secret | vars | 17 |');
    expect(result.summary).toContain('**Policy `django-production`:** passed.');
    expect(result.summary).toContain(
      '| deploy/group_vars/production/vault.yml | vault | Ansible Vault 1.1 | 3 |',
    );

    // Key names in the log, values nowhere: not in the log, outputs, summary or env.
    for (const key of Object.keys(EXPECTED)) expect(result.log).toContain(key);
    expect(result.leaks(forms(ALL_SECRETS))).toEqual([]);
    for (const secret of ALL_SECRETS) expect(result.masks).toContain(secret);
  });
});

describe('render-env bundle', () => {
  test('the 1.2 vault (--vault-id label) of staging renders, and values pass through exactly', async () => {
    const workspace = workspaceFrom(FIXTURE);
    const result = await runAction({
      action: 'render-env',
      workspace,
      inputs: baseInputs({
        environment: 'staging',
        profile: 'django-staging',
        vars: 'greeting: plain\nsentry_dsn: none\nrelease: "2.1"',
      }),
    });
    expect(result.error).toBeUndefined();
    const staging = vaultView(
      path.join(FIXTURE, 'deploy', 'group_vars', 'staging', 'vault.yml'),
      path.join(FIXTURE, 'deploy', 'vault-password.test'),
    ) as { django_secret_key: string; db_password: string };
    const env = readDotenv(path.join(workspace, '.env'));
    expect(env.SECRET_KEY).toBe(staging.django_secret_key);
    expect(env.DATABASE_URL).toBe(
      `postgres://app:${encodeURIComponent(staging.db_password)}@db.staging.example.test:5432/app`,
    );
    expect(env.DEBUG).toBe('False');
    expect(env.RELEASE).toBe('staging-2.1');
    expect(result.summary).toContain('Ansible Vault 1.2 (label staging)');
    expect(result.leaks(forms([staging.django_secret_key, staging.db_password, PASSWORD]))).toEqual([]);
  });

  test('dry-run validates everything and writes nothing; the outputs describe what would be written', async () => {
    const written = await runAction({
      action: 'render-env',
      workspace: workspaceFrom(FIXTURE),
      inputs: baseInputs(),
    });
    expect(written.error).toBeUndefined();

    const workspace = workspaceFrom(FIXTURE);
    fs.writeFileSync(path.join(workspace, '.env'), 'OLD=1\n', { mode: 0o644 });
    const result = await runAction({
      action: 'render-env',
      workspace,
      inputs: baseInputs({ 'dry-run': 'true' }),
    });
    expect(result.error).toBeUndefined();
    expect(result.exitCode).toBe(0);
    expect(fs.readFileSync(path.join(workspace, '.env'), 'utf8')).toBe('OLD=1\n');
    expect(fs.readdirSync(workspace).sort()).toEqual(['.env', 'deploy']);
    expect(result.outputs.path).toBe('');
    expect(result.outputs.sha256).toBe(written.outputs.sha256);
    expect(result.outputs.keys).toBe(written.outputs.keys);
    expect(result.summary).toContain('Dry run: nothing written (would write `.env`)');
    expect(JSON.parse(result.outputs.results as string)).toMatchObject({
      status: 'passed',
      written: false,
      dryRun: true,
    });
  });

  test('a policy with several violations lists them all, annotates each template line, and writes nothing', async () => {
    const workspace = workspaceFrom(FIXTURE);
    const result = await runAction({
      action: 'render-env',
      workspace,
      inputs: baseInputs({
        vars: 'debug: true\nallowed_hosts: ["*", "app.example.test"]\nssl_redirect: "off"',
        secrets: JSON.stringify({ METRICS_TOKEN: 'short-metrics-token' }),
      }),
    });
    expect(result.exitCode).toBe(1);
    expect(fs.existsSync(path.join(workspace, '.env'))).toBe(false);
    const violations = [
      ['DEBUG must be False (False, false, 0, no or off) (rule debug-off)', 5],
      ["ALLOWED_HOSTS contains a '*' wildcard; list the host names explicitly (rule allowed-hosts)", 7],
      ['SECURE_SSL_REDIRECT must be True (True, true, 1, yes or on) (rule secure-flags)', 11],
      ['METRICS_TOKEN is shorter than 64 characters (rule token-length)', 14],
    ] as const;
    const errors = errorAnnotations(result);
    expect(errors.slice(0, violations.length).map((a) => [a.message, a.line, a.file])).toEqual(
      violations.map(([message, line]) => [message, line, 'deploy/env.template']),
    );
    expect(errors).toHaveLength(violations.length + 1);
    expect(errors[violations.length]?.message).toBe(
      `Policy failed: 4 violations of django-production in deploy/env.template: ${violations.map(([m]) => m).join('; ')}; nothing was written.`,
    );
    for (const [message, line] of violations) expect(result.summary).toContain(`- line ${line}: ${message}`);
    expect(result.summary).toContain('failed with 4 violations');
    // The failure is returned with every output, so a later step (if: always()) reads how it ended.
    expect(result.outputs.path).toBe('');
    const results = JSON.parse(result.outputs.results as string) as Record<string, unknown>;
    expect(results).toMatchObject({ status: 'failed', written: false, policy: 'django-production' });
    expect(results.failure).toBe(errors[violations.length]?.message);
    expect(results.violations).toHaveLength(4);
    expect(result.leaks(forms(['short-metrics-token', PROD_VAULT.django_secret_key]))).toEqual([]);
  });

  test('a policy file relaxes the profile (rule off, lower threshold, an extra required key)', async () => {
    const workspace = workspaceFrom(FIXTURE);
    const inputs = baseInputs({
      vars: 'ssl_redirect: false',
      secrets: JSON.stringify({ METRICS_TOKEN: 'x'.repeat(40) }),
      'policy-file': 'deploy/policy/relaxed.yml',
    });
    const result = await runAction({ action: 'render-env', workspace, inputs });
    expect(result.error).toBeUndefined();
    expect(result.summary).toContain('**Policy `django-production + deploy/policy/relaxed.yml`:** passed.');

    fs.writeFileSync(
      path.join(workspace, 'deploy', 'policy', 'strict.yml'),
      'required-keys: [SENTRY_ENVIRONMENT]\n',
    );
    const strict = await runAction({
      action: 'render-env',
      workspace,
      inputs: { ...inputs, 'policy-file': 'deploy/policy/strict.yml', output: 'other.env' },
    });
    expect(strict.exitCode).toBe(1);
    expect(errorAnnotations(strict).map((a) => a.message)).toEqual([
      'SECURE_SSL_REDIRECT must be True (True, true, 1, yes or on) (rule secure-flags)',
      'METRICS_TOKEN is shorter than 64 characters (rule token-length)',
      'SENTRY_ENVIRONMENT is required by the policy but not set (rule required-keys)',
      expect.stringMatching(
        /^Policy failed: 3 violations of django-production \+ deploy\/policy\/strict\.yml in deploy\/env\.template: /,
      ),
    ]);
    // A missing key has no line to point at: the annotation names the template file only.
    expect(errorAnnotations(strict)[2]).toMatchObject({ file: 'deploy/env.template', line: undefined });
    expect(fs.existsSync(path.join(workspace, 'other.env'))).toBe(false);
  });
});

describe('render-env bad input: exit 1, one ::error:: sentence, no file (an existing one untouched)', () => {
  const write = (workspace: string, rel: string, text: string): void => {
    fs.mkdirSync(path.dirname(path.join(workspace, rel)), { recursive: true });
    fs.writeFileSync(path.join(workspace, rel), text);
  };
  const BAD_TEMPLATE = 'deploy/bad.template';

  type Case = [string, Record<string, string>, string | RegExp, ((ws: string) => void) | undefined];
  const rows: (Case | [string, Record<string, string>, string | RegExp])[] = [
    [
      'malformed inline vars',
      { vars: 'a: 1\nb: [1, 2\n' },
      /^Invalid input: 'vars' input is not valid YAML or JSON at line \d+, column \d+: .+\.$/,
    ],
    [
      'malformed vars file',
      { 'vars-files': 'deploy/group_vars\ndeploy/broken.yml' },
      /^Invalid input: deploy\/broken\.yml is not valid YAML or JSON at line 2, column 1: Map keys must be unique\.$/,
      (ws) => write(ws, 'deploy/broken.yml', 'a: 1\na: 2\n'),
    ],
    [
      'wrong vault password',
      { 'vault-password': 'not-the-password' },
      "Invalid input: Could not decrypt deploy/group_vars/production/vars.yml ('sentry_dsn', !vault): wrong vault-password (HMAC mismatch); check the secret passed as 'vault-password'.",
    ],
    [
      'wrong vault password on a whole-file vault',
      {
        'vars-files': 'deploy/group_vars/all/vars.yml',
        'vault-files': 'deploy/group_vars/production/vault.yml',
        'vault-password': 'nope',
      },
      "Invalid input: Could not decrypt deploy/group_vars/production/vault.yml: wrong vault-password (HMAC mismatch); check the secret passed as 'vault-password'.",
    ],
    [
      'template syntax error',
      { template: BAD_TEMPLATE },
      "Invalid input: template deploy/bad.template line 2: Handlebars syntax error: Expecting 'ID', got 'INVALID'.",
      (ws) => write(ws, BAD_TEMPLATE, 'A=1\nB={{vars.db_host\n'),
    ],
    [
      'invalid key',
      { template: BAD_TEMPLATE },
      "Invalid input: template deploy/bad.template line 1: '1ST' is not a valid key (keys must match /^[A-Za-z_][A-Za-z0-9_]*$/).",
      (ws) => write(ws, BAD_TEMPLATE, '1ST=x\n'),
    ],
    [
      'duplicate key',
      { template: BAD_TEMPLATE },
      'Invalid input: template deploy/bad.template line 3: duplicate key A (first defined on line 1).',
      (ws) => write(ws, BAD_TEMPLATE, 'A=1\n# again\nA=2\n'),
    ],
    [
      'missing variable',
      { template: BAD_TEMPLATE },
      "Invalid input: template deploy/bad.template line 4: 'vars.allowed_hostz' is not defined.",
      (ws) =>
        write(ws, BAD_TEMPLATE, '# hosts\nDEBUG=false\n\nALLOWED_HOSTS={{join vars.allowed_hostz ","}}\n'),
    ],
    [
      'output outside the workspace',
      { output: '../escape.env' },
      /^Invalid input: 'output' must be a path inside the workspace \(.+\), got '\.\.\/escape\.env'\.$/,
    ],
    [
      'output through a symlink that leaves the workspace',
      { output: 'link/app.env' },
      /^Invalid input: 'output' must be a path inside the workspace \(.+\), got 'link\/app\.env'\.$/,
      (ws) => fs.symlinkSync(os.tmpdir(), path.join(ws, 'link')),
    ],
    [
      'unknown profile',
      { profile: 'django-prod' },
      "Invalid input: 'profile' must be one of none, django-production, django-staging, got 'django-prod'.",
    ],
    [
      'secrets that are not JSON',
      { secrets: `{"METRICS_TOKEN": ${METRICS_TOKEN}}` },
      "Invalid input: 'secrets' is not valid JSON; give NAME=value lines, or one JSON object of names to strings.",
    ],
    [
      'a secrets line that is not NAME=value (a multi-line value)',
      { secrets: `METRICS_TOKEN=${METRICS_TOKEN}\n${METRICS_TOKEN}` },
      "Invalid input: 'secrets' line 2 is not NAME=value; a value must fit on one line (base64-encode a multi-line value such as a key).",
    ],
    [
      'values no dotenv encoding keeps literal (all listed, with their lines)',
      { template: BAD_TEMPLATE, vars: 'nul: "a\\0b"' },
      /^Invalid input: template deploy\/bad\.template has 2 problems: line 2: Value of 'HOME_REF' contains a '\$\{\.\.\.\}' reference.*; line 3: Value of 'NUL' contains a NUL byte/,
      (ws) => write(ws, BAD_TEMPLATE, 'OK=1\nHOME_REF=${HOME}/app\nNUL={{vars.nul}}\n'),
    ],
    [
      'plaintext file in vault-files',
      { 'vault-files': 'deploy/group_vars/all/vars.yml' },
      "Invalid input: deploy/group_vars/all/vars.yml is listed in 'vault-files' but is not Ansible Vault-encrypted; run ansible-vault encrypt on it or move it to 'vars-files'.",
    ],
    [
      'environment with no values',
      { environment: 'prodution' },
      "Invalid input: 'vars-files' directory 'deploy/group_vars' has no prodution.yml or prodution/ for environment 'prodution'.",
    ],
  ];

  // Every row gets four cells: jest reads a shorter row as a 'done'-callback test.
  const cases: Case[] = rows.map((row) => [row[0], row[1], row[2], row[3]]);

  test.each(cases)('%s', async (_name, inputs, message, prepare) => {
    const workspace = workspaceFrom(FIXTURE);
    prepare?.(workspace);
    fs.writeFileSync(path.join(workspace, '.env'), 'OLD=1\n');
    const before = fs.readdirSync(workspace).sort();
    const result = await runAction({
      action: 'render-env',
      node: NODE24,
      workspace,
      inputs: baseInputs(inputs),
    });
    expect(result.exitCode).toBe(1);
    const errors = errorAnnotations(result);
    expect(errors).toHaveLength(1);
    if (typeof message === 'string') expect(errors[0]?.message).toBe(message);
    else expect(errors[0]?.message).toMatch(message);
    expect(errors[0]?.message.split(/(?<=\.) (?=[A-Z])/).length).toBe(1);
    expect(fs.readFileSync(path.join(workspace, '.env'), 'utf8')).toBe('OLD=1\n');
    expect(fs.readdirSync(workspace).sort()).toEqual(before);
    expect(fs.existsSync(path.join(os.tmpdir(), 'app.env'))).toBe(false);
    expect(result.outputs.path ?? '').toBe('');
    expect(JSON.parse(result.outputs.results as string)).toMatchObject({
      status: 'invalid-input',
      failure: errors[0]?.message,
    });
    expect(
      result.leaks(forms([PASSWORD, METRICS_TOKEN, GITHUB_TOKEN, PROD_VAULT.django_secret_key])),
    ).toEqual([]);
  });
});

describe('render-env over examples/django-app', () => {
  const passwordFile = path.join(EXAMPLE, 'deploy', 'vault-password.demo');

  test.each(['production', 'staging'])(
    'the example app renders for %s under the django-production profile',
    async (environment) => {
      const workspace = workspaceFrom(EXAMPLE);
      const result = await runAction({
        action: 'render-env',
        workspace,
        inputs: {
          template: 'deploy/env.template',
          'vars-files': 'deploy/vars/{environment}.yml',
          'vault-files': 'deploy/group_vars/{environment}/vault.yml',
          'vault-password': fs.readFileSync(passwordFile, 'utf8').trim(),
          vars: '{"version": "1.4.2"}',
          secrets: SECRETS,
          environment,
          profile: 'django-production',
          output: '.deploy/.env',
        },
      });
      expect(result.error).toBeUndefined();
      const vault = vaultView(
        path.join(EXAMPLE, 'deploy', 'group_vars', environment, 'vault.yml'),
        passwordFile,
      ) as Record<string, string>;
      const vars = parseYaml(
        fs.readFileSync(path.join(EXAMPLE, 'deploy', 'vars', `${environment}.yml`), 'utf8'),
      ) as Record<string, unknown>;
      const file = path.join(workspace, '.deploy', '.env');
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      const env = readDotenv(file);
      expect(env.DJANGO_SECRET_KEY).toBe(vault.django_secret_key);
      expect(env.METRICS_TOKEN).toBe(vault.metrics_token);
      expect(env.APP_VERSION).toBe('1.4.2');
      expect(env.ALLOWED_HOSTS).toBe((vars.allowed_hosts as string[]).join(','));
      expect(env.DATABASE_URL).toBe(
        `postgres://${vars.db_user}:${encodeURIComponent(vault.db_password as string)}@${vars.db_host}:${vars.db_port}/${vars.db_name}`,
      );
      expect(result.summary).toContain('**Policy `django-production`:** passed.');
      expect(result.leaks(forms(Object.values(vault).map(String)))).toEqual([]);
    },
  );
});
