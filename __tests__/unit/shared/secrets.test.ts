import { derivedForms } from '@deploy-kit/shared';

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
