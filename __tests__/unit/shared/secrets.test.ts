import { derivedForms, isMaskable, isSecretName, redact, secretEnvValues } from '@deploy-kit/shared';

describe('derivedForms', () => {
  test('includes the value, its lines and every encoding we emit', () => {
    const secret = "p@ss word/'x'\nsecond line";
    const forms = derivedForms(secret);
    expect(forms).toEqual(
      expect.arrayContaining([
        secret,
        "p@ss word/'x'",
        'second line',
        Buffer.from(secret).toString('base64'),
        Buffer.from(secret).toString('base64url'),
        encodeURIComponent(secret),
        encodeURIComponent(secret).replace(/%20/g, '+'),
        JSON.stringify(secret).slice(1, -1),
      ]),
    );
  });

  test('skips whitespace-only forms so the log is not blanked', () => {
    const forms = derivedForms('abc\n   \n');
    expect(forms).not.toContain('');
    expect(forms.some((f) => f.trim() === '')).toBe(false);
    expect(forms).toContain('abc');
  });

  test('a value of punctuation alone registers no encoded form either (base64 of "$" is "JA")', () => {
    expect(derivedForms('$')).toEqual([]);
    expect(derivedForms('#!')).toEqual([]);
    expect(derivedForms('Q#7')).toContain(Buffer.from('Q#7').toString('base64'));
  });

  test('has no duplicates for a plain token', () => {
    const forms = derivedForms('ghp_abcdef123456');
    expect(new Set(forms).size).toBe(forms.length);
    expect(forms).toContain('ghp_abcdef123456');
  });

  test('a CRLF secret registers each line without the carriage return', () => {
    expect(derivedForms('line1\r\nline2')).toEqual(expect.arrayContaining(['line1', 'line2']));
  });

  test('a value with a lone surrogate (no URL-encoded form) still gets its other forms', () => {
    const forms = derivedForms('abc\uD800def');
    expect(forms).toContain('abc\uD800def');
    expect(forms).toContain(Buffer.from('abc\uD800def').toString('base64'));
  });
});

describe('THE MASKING RULE', () => {
  test.each([
    'DB_PASSWORD',
    'EMAIL_HOST_PASSWORD',
    'MYSQL_PWD',
    'DB_PASS',
    'DJANGO_SECRET_KEY',
    'API_TOKEN',
    'apiKey',
    'STRIPEKEY',
    'AWS_ACCESS_KEY_ID',
    'DOOR_PIN',
    'SENTRY_DSN',
    'BASIC_AUTH',
    'SSH_PRIVATE',
    'GOOGLE_CREDENTIALS',
    'X-Metrics-Token',
  ])('%s is a secret name', (name) => {
    expect(isSecretName(name)).toBe(true);
  });

  test.each([
    'PGHOST',
    'DATABASE_HOST',
    'SHIPPING_URL',
    'MAPPING_FILE',
    'KEYBOARD',
    'AUTH_USER_MODEL',
    'DEBUG',
    'PORT',
  ])('%s is a plain name', (name) => {
    expect(isSecretName(name)).toBe(false);
  });

  test('short and numeric secrets have masks; punctuation-only lines and forms never do', () => {
    expect(derivedForms('Q#7')).toContain('Q#7');
    expect(derivedForms('4711')).toContain('4711');
    expect(derivedForms('7')).toContain('7');
    const json = '{\n  "k": "v"\n}\n';
    const forms = derivedForms(json);
    expect(forms).toEqual(expect.arrayContaining([json, '"k": "v"', '\\"k\\": \\"v\\"']));
    for (const punctuation of ['{', '}', "'", '', ' ', '"', "'{"]) expect(forms).not.toContain(punctuation);
    expect(forms.filter((f) => !isMaskable(f))).toEqual([]);
    expect(derivedForms("'\n{\n}")).toEqual(expect.not.arrayContaining(['{', '}', "'"]));
  });

  test('secretEnvValues: secret keys whatever their length, explicit keys, PEM keys, URL passwords; plain values not', () => {
    const env = {
      PGHOST: '127.0.0.1',
      DB_PASSWORD: 'Q#7',
      PIN: '12',
      DEBUG: 'false',
      LISTED: 'plain-looking',
      CERT: '-----BEGIN EC PRIVATE KEY-----\nabc\n-----END EC PRIVATE KEY-----',
      DATABASE_URL: 'postgres://u:pa%2Fss@db:5432/app',
      EMPTY_TOKEN: '',
      USE_SECRET_STORE: 'true',
    };
    expect(secretEnvValues(env, ['LISTED']).sort()).toEqual(
      ['Q#7', '12', 'plain-looking', env.CERT, 'pa%2Fss', 'pa/ss'].sort(),
    );
    expect(secretEnvValues(new Map(Object.entries(env)))).not.toContain('127.0.0.1');
  });

  test('redact: line by line, longest first, for outputs the runner does not mask', () => {
    expect(redact('a=hunter22\nb=hunter2', ['hunter2', 'hunter22'])).toBe('a=***\nb=***');
    expect(redact('x {} y', ['{', '}'])).toBe('x {} y');
    expect(redact('two\nlines', ['two\nlines'])).toBe('two\nlines');
    expect(redact('two\nlines', derivedForms('two\nlines'))).toBe('***\n***');
  });
});
