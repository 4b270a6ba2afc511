import { getSetCookies, Headers } from 'undici';
import {
  debugMarker,
  evaluateCookies,
  evaluateForeignHost,
  evaluateNotFound,
} from '../../../actions/smoke-test/src/suites/django';
import {
  evaluateCsp,
  evaluateFraming,
  evaluateHsts,
  evaluateNosniff,
  evaluateReferrerPolicy,
} from '../../../actions/smoke-test/src/suites/headers';
import {
  evaluateExpiry,
  evaluateHttpsRedirect,
  evaluateTlsProtocol,
  evaluateCertificate,
} from '../../../actions/smoke-test/src/suites/https';
import { evaluateVersionAnswers, versionMatches } from '../../../actions/smoke-test/src/suites/version';

describe('version', () => {
  test.each([
    ['2.0.0', '2.0.0', true],
    ['2.0.0', ' 2.0.0\n', true],
    ['2.0.0', '1.9.0', false],
    ['2.0.0', '2.0.0-rc.1', false],
    ['a1b2c3d', 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678', true],
    ['A1B2C3D4E5F60718293A4B5C6D7E8F9012345678', 'a1b2c3d', true],
    ['a1b2c3', 'a1b2c3d4e5f6', false],
    ['a1b2c3d', 'a1b2c3e999', false],
  ])('%p vs %p: %p', (expected, seen, ok) => expect(versionMatches(expected, seen)).toBe(ok));

  const answer = (seen: string, status = 200) => ({
    status,
    fields: [{ label: 'version at $.version', seen, ok: seen === '2.0.0' }],
  });

  test('every answer must carry the new version; old answers are counted by version', () => {
    const mixed = ['2.0.0', '1.9.0', '2.0.0', '1.8.0', '1.9.0'].map((v) => answer(v));
    const [status, answers, field] = evaluateVersionAnswers('2.0.0', 5, mixed);
    expect(status?.passed).toBe(true);
    expect(answers).toMatchObject({
      name: 'version answers',
      passed: false,
      expected: '2.0.0 on 5 of 5 answers',
      seen: '2 of 5 answers; old: 1.9.0 ×2, 1.8.0 ×1',
      transient: true,
    });
    expect(field).toMatchObject({ passed: false, seen: '1.9.0', transient: true });
    const all = evaluateVersionAnswers('2.0.0', 3, [answer('2.0.0'), answer('2.0.0'), answer('2.0.0')]);
    expect(all.every((a) => a.passed)).toBe(true);
    expect(all[1]?.seen).toBe('3 of 3 answers');
  });

  test('a failing status stops the count and is what the report names', () => {
    const [status, ...rest] = evaluateVersionAnswers('2.0.0', 20, [answer('2.0.0'), answer('', 502)]);
    expect(status).toMatchObject({ passed: false, seen: '502', transient: true });
    expect(rest).toEqual([]);
  });
});

describe('https', () => {
  test('redirect must be permanent and to the same https origin', () => {
    const ok = evaluateHttpsRedirect(301, 'https://app.test/x', 'http://app.test/x', 'https://app.test/');
    expect(ok.every((a) => a.passed)).toBe(true);
    expect(
      evaluateHttpsRedirect(
        308,
        'https://app.test:8443/',
        'http://app.test/',
        'https://app.test:8443/',
      ).every((a) => a.passed),
    ).toBe(true);
    const temp = evaluateHttpsRedirect(302, 'https://app.test/', 'http://app.test/', 'https://app.test/');
    expect(temp.map((a) => a.passed)).toEqual([false, true]);
    const other = evaluateHttpsRedirect(301, 'https://evil.test/', 'http://app.test/', 'https://app.test/');
    expect(other[1]).toMatchObject({ passed: false, seen: 'https://evil.test/' });
    const plain = evaluateHttpsRedirect(301, 'http://app.test/', 'http://app.test/', 'https://app.test/');
    expect(plain[1]?.passed).toBe(false);
    expect(evaluateHttpsRedirect(200, undefined, 'http://app.test/', 'https://app.test/')[1]?.seen).toBe(
      '(no Location header)',
    );
  });

  test.each([
    ['TLSv1.3', true],
    ['TLSv1.2', true],
    ['TLSv1.1', false],
    ['TLSv1', false],
  ])('%s is %s', (protocol, ok) => expect(evaluateTlsProtocol(protocol).passed).toBe(ok));

  test('expiry counts whole days left and reports expired certificates', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(evaluateExpiry(new Date('2026-01-31T12:00:00Z'), 14, now)).toMatchObject({
      passed: true,
      seen: '30 (until 2026-01-31T12:00:00.000Z)',
    });
    expect(evaluateExpiry(new Date('2026-01-03T00:00:00Z'), 14, now)).toMatchObject({
      passed: false,
      expected: '>= 14',
    });
    expect(evaluateExpiry(new Date('2025-12-30T00:00:00Z'), 0, now).seen).toMatch(/^expired 2 day\(s\) ago/);
    expect(evaluateExpiry(undefined, 14, now).passed).toBe(false);
  });

  test('certificate verdict explains the OpenSSL code', () => {
    const a = evaluateCertificate('app.test', {
      protocol: 'TLSv1.3',
      authorized: false,
      authorizationError: 'CERT_HAS_EXPIRED',
      subject: 'app.test',
    });
    expect(a).toMatchObject({ passed: false, seen: 'the certificate has expired (CN=app.test)' });
  });
});

describe('headers', () => {
  test('HSTS max-age threshold and includeSubDomains', () => {
    expect(evaluateHsts('max-age=31536000; includeSubDomains; preload', 15552000, true).passed).toBe(true);
    expect(evaluateHsts('max-age="31536000"', 15552000, false).passed).toBe(true);
    expect(evaluateHsts('max-age=31536000', 15552000, true).passed).toBe(false);
    expect(evaluateHsts('max-age=300', 15552000, false)).toMatchObject({
      passed: false,
      seen: 'max-age=300',
    });
    expect(evaluateHsts(undefined, 1, false)).toMatchObject({ passed: false, seen: '(absent)' });
    expect(evaluateHsts('includeSubDomains', 1, false).passed).toBe(false);
  });

  test('duplicate HSTS headers: the first one counts (RFC 6797 §8.1), and the report says so', () => {
    expect(evaluateHsts(['max-age=60', 'max-age=31536000; includeSubDomains'], 15552000, false)).toEqual({
      name: 'Strict-Transport-Security',
      passed: false,
      expected: 'max-age >= 15552000',
      seen: "max-age=60 (2 Strict-Transport-Security headers: browsers apply only the first; the others were 'max-age=31536000; includeSubDomains')",
    });
    expect(evaluateHsts(['max-age=31536000', 'max-age=60'], 15552000, false).passed).toBe(true);
  });

  test('nosniff, framing, referrer policy and CSP', () => {
    expect(evaluateNosniff('nosniff').passed).toBe(true);
    expect(evaluateNosniff('sniff').passed).toBe(false);
    expect(evaluateFraming('DENY', undefined).passed).toBe(true);
    expect(evaluateFraming(undefined, "default-src 'self'; frame-ancestors 'self'").passed).toBe(true);
    expect(evaluateFraming('ALLOW-FROM x', 'frame-ancestors *').passed).toBe(false);
    expect(evaluateFraming(undefined, "default-src 'self'")).toMatchObject({
      passed: false,
      seen: '(neither)',
    });
    expect(evaluateReferrerPolicy('strict-origin-when-cross-origin').passed).toBe(true);
    expect(evaluateReferrerPolicy('unsafe-url').passed).toBe(false);
    expect(evaluateReferrerPolicy(undefined).passed).toBe(false);
    expect(evaluateCsp("default-src 'self'").passed).toBe(true);
    expect(evaluateCsp(undefined).passed).toBe(false);
  });
});

describe('django', () => {
  const DEBUG_PAGE =
    "<p>You're seeing this error because you have <code>DEBUG = True</code> in your Django settings file.</p>";

  test('debug pages are recognised; production 404s pass', () => {
    expect(debugMarker(DEBUG_PAGE)).toContain('DEBUG = True');
    expect(debugMarker('Traceback (most recent call last):\n  File')).toBe(
      'Traceback (most recent call last)',
    );
    expect(evaluateNotFound(404, '<h1>Not Found</h1>').every((a) => a.passed)).toBe(true);
    // The debug page comes first: it is the cause (and is never retried), whatever the status.
    expect(evaluateNotFound(404, DEBUG_PAGE).map((a) => a.passed)).toEqual([false, true]);
    expect(evaluateNotFound(500, 'Server Error (500)').map((a) => a.passed)).toEqual([true, false]);
    expect(evaluateNotFound(502, 'Bad Gateway')[1]?.transient).toBe(true);
  });

  const cookies = (...lines: string[]) => {
    const h = new Headers();
    for (const l of lines) h.append('set-cookie', l);
    return getSetCookies(h);
  };

  test('cookies need every configured flag; only named cookies count; none at all fails', () => {
    const all = ['secure', 'httponly', 'samesite'] as const;
    const good = evaluateCookies(
      cookies('sessionid=a; Secure; HttpOnly; SameSite=Lax', 'other=1'),
      ['sessionid', 'csrftoken'],
      all,
      '/login/',
    );
    expect(good).toEqual([
      expect.objectContaining({
        name: 'cookie sessionid',
        passed: true,
        seen: 'Secure + HttpOnly + SameSite=Lax',
      }),
    ]);
    const weak = evaluateCookies(cookies('csrftoken=a; Secure'), ['csrftoken'], all, '/login/');
    expect(weak[0]).toMatchObject({ passed: false, seen: 'missing HttpOnly, SameSite (has Secure)' });
    expect(
      evaluateCookies(cookies('csrftoken=a; Secure'), ['csrftoken'], ['secure'], '/login/')[0]?.passed,
    ).toBe(true);
    const none = evaluateCookies(cookies('other=1'), ['sessionid', 'csrftoken'], all, '/login/');
    expect(none[0]).toMatchObject({ passed: false, seen: 'only other' });
  });

  test('a foreign Host must be refused or dropped', () => {
    expect(evaluateForeignHost({ status: 400 }).passed).toBe(true);
    expect(evaluateForeignHost({ error: 'closed the connection' }).passed).toBe(true);
    expect(evaluateForeignHost({ status: 200 }).passed).toBe(false);
    expect(evaluateForeignHost({ status: 301 }).passed).toBe(false);
  });
});
