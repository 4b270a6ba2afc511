import {
  maskSecret,
  mdCode,
  mdTable,
  redactSecrets,
  redactDeep,
  redactedJson,
  redactedSnippet,
  resetMasksForTests,
} from '@deploy-kit/shared';

// Outputs and summaries are never masked by the runner: redactSecrets() is what protects them.

afterEach(() => resetMasksForTests());

describe('redact', () => {
  test('replaces every derived form, longest first', () => {
    maskSecret('s3cr3t-value');
    maskSecret('s3cr3t');
    expect(redactSecrets('a s3cr3t-value b s3cr3t c')).toBe('a *** b *** c');
    expect(redactSecrets(Buffer.from('s3cr3t-value').toString('base64'))).toBe('***');
    expect(redactSecrets('no secret here')).toBe('no secret here');
  });

  test('a multi-line secret: every line, and the JSON-escaped whole', () => {
    const pem = '-----BEGIN KEY-----\r\nMIIEabc\r\nDEF123==\r\n-----END KEY-----';
    maskSecret(pem);
    expect(redactSecrets('line: DEF123==')).toBe('line: ***');
    expect(redactSecrets(JSON.stringify({ k: pem }))).toBe('{"k":"***"}');
  });

  test('redact before cutting: a cut never leaves a prefix of a secret', () => {
    const token = 'f'.repeat(20) + '0123456789abcdef'.repeat(3);
    maskSecret(token);
    const cut = redactedSnippet(`${'x'.repeat(40)} token=${token} trailing`, 60);
    expect(cut).toBe(`${'x'.repeat(40)} token=*** trailing`);
    expect(cut).not.toContain(token.slice(0, 10));
  });

  test('JSON outputs: strings inside redacted, and the escaped spellings in the text', () => {
    const secret = 'pa"ss\\word';
    maskSecret(secret);
    const value = { seen: `x ${secret} y`, nested: [{ raw: JSON.stringify(secret) }] };
    expect(redactDeep(value)).toEqual({ seen: 'x *** y', nested: [{ raw: '"***"' }] });
    const out = redactedJson(value);
    expect(out).not.toContain('pa\\"ss');
    expect(out).not.toContain('ss\\\\word');
  });

  test('markdown escaping happens after redaction, so a JSON-escaped secret is still found', () => {
    const secret = 'back\\slash"quote';
    maskSecret(secret);
    const escaped = JSON.stringify(secret).slice(1, -1);
    const table = mdTable(['seen'], [[`{"t":"${escaped}"}`]]);
    expect(table).toContain('{"t":"***"}');
    expect(table).not.toContain('back');
    expect(mdCode(`x ${secret}`)).toBe('`x ***`');
  });

  test('nothing registered: text unchanged', () => {
    expect(redactSecrets('a\\b|c')).toBe('a\\b|c');
  });
});
