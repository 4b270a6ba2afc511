import type { HttpResponse } from '@deploy-kit/shared/http';
import { evaluateExpect, jsonEquals } from '../../../actions/smoke-test/src/assertions';
import { statusMatcher } from '../../../actions/smoke-test/src/status';
import { capture } from '../../../actions/smoke-test/src/captures';
import { CookieJar } from '../../../actions/smoke-test/src/cookies';

function response(partial: Partial<HttpResponse> & { text?: string }): HttpResponse {
  return {
    url: 'https://app.test/start',
    status: 200,
    headers: {},
    body: Buffer.from(partial.text ?? ''),
    truncated: false,
    durationMs: 12,
    ...partial,
  };
}

describe('status matcher', () => {
  test.each([
    [200, 200, true],
    ['2xx', 204, true],
    ['2xx', 301, false],
    ['200-299', 299, true],
    ['200, 301-302', 302, true],
    [[401, '403'], 403, true],
    [[401, '403'], 404, false],
  ] as const)('%j matches %i: %s', (spec, status, expected) => {
    expect(statusMatcher(spec as never).test(status)).toBe(expected);
  });
});

describe('evaluateExpect', () => {
  test('defaults to any 2xx, or any redirect status when a redirect target is expected', () => {
    expect(evaluateExpect(undefined, response({ status: 204 }))[0]?.passed).toBe(true);
    expect(evaluateExpect(undefined, response({ status: 503 }))[0]).toMatchObject({
      passed: false,
      seen: '503',
      expected: '200-299',
    });
    const r = evaluateExpect(
      { redirect: '/login/' },
      response({ status: 302, headers: { location: 'https://app.test/login/' } }),
    );
    expect(r.map((a) => a.passed)).toEqual([true, true]);
  });

  test('a redirect to another place fails, showing both resolved URLs', () => {
    const [, target] = evaluateExpect(
      { redirect: '/login/' },
      response({ status: 301, headers: { location: '/elsewhere' } }),
    );
    expect(target).toEqual({
      name: 'redirect',
      passed: false,
      expected: 'https://app.test/login/',
      seen: 'https://app.test/elsewhere',
    });
  });

  test('body, JSON path and header assertions', () => {
    const res = response({
      text: JSON.stringify({ version: '1.2', n: 3, tags: ['a'] }),
      headers: { 'content-type': 'application/json', 'x-v': '1.2' },
    });
    const results = evaluateExpect(
      {
        'body-contains': 'version',
        'body-not-contains': 'Traceback',
        'body-matches': '"n":\\s*3',
        json: { '$.version': 1.2, n: 3, tags: ['a'], '$.missing': 1 },
        headers: { 'content-type': { matches: 'json$' }, 'x-v': '1.2', 'x-absent': false, 'x-present': true },
        'max-time': 5,
      },
      res,
    );
    const failed = results.filter((a) => !a.passed).map((a) => `${a.name}: ${a.seen}`);
    expect(failed).toEqual([
      'json $.missing: (missing)',
      'header x-present: (absent)',
      'response time: 12 ms',
    ]);
  });

  test('JSON assertions on a non-JSON body say so; a cut body says it was cut', () => {
    const [, json] = evaluateExpect({ json: { a: 1 } }, response({ text: '<html>', truncated: true }));
    expect(json?.seen).toMatch(/^body is not JSON: <html> \(first 6 bytes; body was cut at the size cap\)$/);
  });

  test('scalars compare as text, structures deeply', () => {
    expect(jsonEquals(1.2, '1.2')).toBe(true);
    expect(jsonEquals({ a: [1] }, { a: [1] })).toBe(true);
    expect(jsonEquals({ a: [1] }, { a: ['1'] })).toBe(false);
    expect(jsonEquals(null, 'null')).toBe(true);
  });
});

describe('captures and the cookie jar', () => {
  const res = response({
    text: '<input name="csrfmiddlewaretoken" value="tok123"> {"x":1}',
    headers: {
      'x-request-id': 'rid',
      'set-cookie': [
        'csrftoken=c1; Path=/; Secure; SameSite=Lax',
        'sessionid=s1; Path=/app; HttpOnly',
        'gone=x; Max-Age=0',
      ],
    },
  });

  test('header, cookie, regex (first group by default) and JSON', () => {
    expect(capture('a', { header: 'X-Request-Id' }, res)).toBe('rid');
    expect(capture('b', { cookie: 'csrftoken' }, res)).toBe('c1');
    expect(capture('c', { regex: 'value="([^"]+)"' }, res)).toBe('tok123');
    expect(capture('d', { regex: 'value="[^"]+"', group: 0 }, res)).toBe('value="tok123"');
    expect(capture('e', { json: '$.a' }, response({ text: '{"a":{"b":2}}' }))).toBe('{"b":2}');
    expect(() => capture('f', { cookie: 'nope' }, res)).toThrow(
      "capture 'f': the response set no cookie named nope",
    );
    expect(() => capture('g', { json: '$.a' }, res)).toThrow("capture 'g': the body is not JSON");
  });

  test('the jar sends cookies by host, path and Secure, and forgets expired ones', () => {
    const jar = new CookieJar();
    jar.store(res, 'https://app.test/start');
    expect(jar.header('https://app.test/app/x')).toBe('csrftoken=c1; sessionid=s1');
    expect(jar.header('https://app.test/')).toBe('csrftoken=c1');
    expect(jar.header('http://app.test/app/')).toBe('sessionid=s1');
    expect(jar.header('https://other.test/app/')).toBeUndefined();
    expect(jar.get('gone')).toBeUndefined();
    jar.store(response({ headers: { 'set-cookie': 'csrftoken=; Max-Age=0; Path=/' } }), 'https://app.test/');
    expect(jar.get('csrftoken')).toBeUndefined();
  });
});
