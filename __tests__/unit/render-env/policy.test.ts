import { InputError } from '@deploy-kit/shared';
import {
  applyPolicyFile,
  evaluatePolicy,
  isFalsy,
  isTruthy,
  profilePolicy,
  splitList,
  type PolicyEntry,
} from '../../../actions/render-env/src/policy';

const GOOD_SECRET = 'Zq8#mW2$kP9!vL4@xR7^nT1&bY6*cH3%dJ5(fG0)sA-eU_iO+oE=wQ|';
const TOKEN = 'a'.repeat(40) + 'B'.repeat(30);

function entries(values: Record<string, string>): PolicyEntry[] {
  return Object.entries(values).map(([key, value], i) => ({ key, value, line: i + 1 }));
}

const GOOD = {
  DEBUG: 'False',
  SECRET_KEY: GOOD_SECRET,
  ALLOWED_HOSTS: 'app.example.test,www.example.test',
  CSRF_TRUSTED_ORIGINS: 'https://app.example.test,https://www.example.test',
  SESSION_COOKIE_SECURE: 'True',
  CSRF_COOKIE_SECURE: 'true',
  SECURE_SSL_REDIRECT: '1',
  DATABASE_URL: 'postgres://u:p@db:5432/app',
  METRICS_TOKEN: TOKEN,
};

const production = profilePolicy('django-production');

describe('profiles', () => {
  test('none enables nothing', () => {
    expect(evaluatePolicy(profilePolicy('none'), entries({ DEBUG: 'True' }))).toEqual([]);
  });

  test('a production-ready set passes django-production', () => {
    expect(evaluatePolicy(production, entries(GOOD))).toEqual([]);
  });

  test('DJANGO_-prefixed names are accepted for the secret key, hosts and debug', () => {
    const { SECRET_KEY, ALLOWED_HOSTS, DEBUG, ...rest } = GOOD;
    expect(
      evaluatePolicy(
        production,
        entries({
          ...rest,
          DJANGO_SECRET_KEY: SECRET_KEY,
          DJANGO_ALLOWED_HOSTS: ALLOWED_HOSTS,
          DJANGO_DEBUG: DEBUG,
        }),
      ),
    ).toEqual([]);
  });

  test('every violation is listed at once, each naming the key, the rule and the template line', () => {
    const bad = entries({
      DEBUG: 'True',
      SECRET_KEY: 'django-insecure-short',
      ALLOWED_HOSTS: 'app.example.test, *',
      CSRF_TRUSTED_ORIGINS: 'https://ok.example.test,http://plain.example.test',
      SESSION_COOKIE_SECURE: 'False',
      DATABASE_URL: 'sqlite:///db.sqlite3',
      METRICS_TOKEN: 'short-token',
    });
    const violations = evaluatePolicy(production, bad);
    expect(violations.map((v) => [v.rule, v.key, v.line, v.message])).toEqual([
      ['debug-off', 'DEBUG', 1, 'DEBUG must be False (False, false, 0, no or off) (rule debug-off)'],
      ['secret-key', 'SECRET_KEY', 2, 'SECRET_KEY is shorter than 50 characters (rule secret-key)'],
      [
        'secret-key',
        'SECRET_KEY',
        2,
        "SECRET_KEY starts with 'django-insecure-' (a development key) (rule secret-key)",
      ],
      [
        'allowed-hosts',
        'ALLOWED_HOSTS',
        3,
        "ALLOWED_HOSTS contains a '*' wildcard; list the host names explicitly (rule allowed-hosts)",
      ],
      [
        'csrf-trusted-origins',
        'CSRF_TRUSTED_ORIGINS',
        4,
        'CSRF_TRUSTED_ORIGINS entry 2 is not an https:// origin (rule csrf-trusted-origins)',
      ],
      [
        'secure-flags',
        'SESSION_COOKIE_SECURE',
        5,
        'SESSION_COOKIE_SECURE must be True (True, true, 1, yes or on) (rule secure-flags)',
      ],
      [
        'secure-flags',
        'CSRF_COOKIE_SECURE',
        undefined,
        'CSRF_COOKIE_SECURE is not set; set it to True (rule secure-flags)',
      ],
      [
        'secure-flags',
        'SECURE_SSL_REDIRECT',
        undefined,
        'SECURE_SSL_REDIRECT is not set; set it to True (rule secure-flags)',
      ],
      [
        'database-url',
        'DATABASE_URL',
        6,
        'DATABASE_URL uses the sqlite scheme, which is not allowed here (rule database-url)',
      ],
      ['token-length', 'METRICS_TOKEN', 7, 'METRICS_TOKEN is shorter than 64 characters (rule token-length)'],
    ]);
    // Never a value, not even a fragment.
    for (const v of violations)
      for (const fragment of ['insecure-short', 'plain.example', 'short-token', 'db.sqlite3'])
        expect(v.message).not.toContain(fragment);
  });

  test('missing keys are violations without a line', () => {
    const violations = evaluatePolicy(production, []);
    expect(violations.map((v) => v.message)).toEqual([
      'DEBUG or DJANGO_DEBUG is not set; set it to False (rule debug-off)',
      'SECRET_KEY or DJANGO_SECRET_KEY is not set (rule secret-key)',
      'ALLOWED_HOSTS or DJANGO_ALLOWED_HOSTS is not set; list the host names explicitly (rule allowed-hosts)',
      'SESSION_COOKIE_SECURE is not set; set it to True (rule secure-flags)',
      'CSRF_COOKIE_SECURE is not set; set it to True (rule secure-flags)',
      'SECURE_SSL_REDIRECT is not set; set it to True (rule secure-flags)',
      'DATABASE_URL is not set (rule database-url)',
    ]);
    expect(violations.every((v) => v.line === undefined)).toBe(true);
  });

  test('the secret key needs 5 distinct characters, as Django checks', () => {
    const v = evaluatePolicy(production, entries({ ...GOOD, SECRET_KEY: 'ab'.repeat(30) }));
    expect(v.map((x) => x.message)).toEqual([
      'SECRET_KEY has fewer than 5 distinct characters (rule secret-key)',
    ]);
  });

  test('empty ALLOWED_HOSTS and a DATABASE_URL without a scheme are violations', () => {
    const v = evaluatePolicy(production, entries({ ...GOOD, ALLOWED_HOSTS: ' , ', DATABASE_URL: '/var/db' }));
    expect(v.map((x) => x.rule)).toEqual(['allowed-hosts', 'database-url']);
    expect(v[1]?.message).toBe('DATABASE_URL is not a URL with a scheme (rule database-url)');
  });

  test('django-staging drops secure-flags and accepts 32-character tokens', () => {
    const staging = profilePolicy('django-staging');
    const { SESSION_COOKIE_SECURE: _a, CSRF_COOKIE_SECURE: _b, SECURE_SSL_REDIRECT: _c, ...rest } = GOOD;
    expect(evaluatePolicy(staging, entries({ ...rest, METRICS_TOKEN: 'x'.repeat(32) }))).toEqual([]);
    expect(evaluatePolicy(staging, entries({ ...rest, METRICS_TOKEN: 'x'.repeat(31) }))).toHaveLength(1);
  });
});

describe('boolean and list forms', () => {
  test.each(['False', 'false', 'FALSE', '0', 'no', 'off', ' Off '])('%j is false', (v) =>
    expect(isFalsy(v)).toBe(true),
  );
  test.each(['True', 'true', '1', 'yes', 'on'])('%j is true', (v) => expect(isTruthy(v)).toBe(true));
  test.each(['', 'n', 'disabled'])('%j is neither', (v) => {
    expect(isFalsy(v)).toBe(false);
    expect(isTruthy(v)).toBe(false);
  });
  test('lists split on commas and whitespace', () => {
    expect(splitList('a.test, b.test c.test,,')).toEqual(['a.test', 'b.test', 'c.test']);
  });
});

describe('policy file', () => {
  test('disables a rule, changes a threshold, and adds required keys', () => {
    const policy = applyPolicyFile(
      production,
      {
        rules: { 'secure-flags': false, 'token-length': { 'min-length': 16 } },
        'required-keys': ['SENTRY_DSN'],
      },
      'deploy/policy.yml',
    );
    expect(policy.name).toBe('django-production + deploy/policy.yml');
    const { SESSION_COOKIE_SECURE: _a, ...rest } = GOOD;
    const v = evaluatePolicy(policy, entries({ ...rest, METRICS_TOKEN: 'x'.repeat(16) }));
    expect(v.map((x) => x.message)).toEqual([
      'SENTRY_DSN is required by the policy but not set (rule required-keys)',
    ]);
  });

  test('options on a rule enable it, even from profile none', () => {
    const policy = applyPolicyFile(
      profilePolicy('none'),
      { rules: { 'debug-off': { keys: ['APP_DEBUG'] } } },
      'p.yml',
    );
    expect(evaluatePolicy(policy, entries({ APP_DEBUG: 'on' })).map((v) => v.message)).toEqual([
      'APP_DEBUG must be False (False, false, 0, no or off) (rule debug-off)',
    ]);
    expect(evaluatePolicy(policy, entries({ APP_DEBUG: 'off', DATABASE_URL: 'sqlite://' }))).toEqual([]);
  });

  test('a custom token pattern and forbidden schemes apply', () => {
    const policy = applyPolicyFile(
      production,
      {
        rules: {
          'token-length': { pattern: '^API_|_TOKEN$' },
          'database-url': { 'forbidden-schemes': ['sqlite', 'mysql'] },
        },
      },
      'p.yml',
    );
    const v = evaluatePolicy(policy, entries({ ...GOOD, API_KEY: 'short', DATABASE_URL: 'mysql://db/app' }));
    expect(v.map((x) => x.key)).toEqual(['DATABASE_URL', 'API_KEY']);
  });

  test.each([
    [
      { rules: { 'no-such-rule': false } },
      "policy file p.yml at 'rules': unknown name 'no-such-rule' (known: debug-off, secret-key, allowed-hosts, csrf-trusted-origins, secure-flags, database-url, token-length).",
    ],
    [{ rule: {} }, "policy file p.yml unknown name 'rule' (known: rules, required-keys)."],
    [
      { rules: { 'secret-key': { 'min-length': 'long' } } },
      "policy file p.yml at 'rules.secret-key.min-length': Expected number, received string.",
    ],
    [
      { rules: { 'secret-key': { 'min-lenght': 60 } } },
      "policy file p.yml at 'rules.secret-key': unknown name 'min-lenght'.",
    ],
    [
      { rules: { 'token-length': { pattern: '(' } } },
      "policy file p.yml at 'rules.token-length.pattern': not a valid regular expression.",
    ],
    [
      { 'required-keys': 'SENTRY_DSN' },
      "policy file p.yml at 'required-keys': Expected array, received string.",
    ],
  ])('bad policy file %j is one sentence naming the file and place', (data, message) => {
    expect(() => applyPolicyFile(production, data, 'p.yml')).toThrow(new InputError(message));
  });
});
