import { InputError } from '@deploy-kit/shared';
import { parseResolve, pinnedAddress } from '@deploy-kit/shared/http';
import { evaluateJsonPath, parseJsonPath } from '../../../actions/smoke-test/src/jsonpath';
import { fill, MissingVariable, placeholders } from '../../../actions/smoke-test/src/template';
import { parseSpec } from '../../../actions/smoke-test/src/spec';
import { secretHeaderValues } from '../../../actions/smoke-test/src/secrets';
import { unusedSuiteInputs } from '../../../actions/smoke-test/src/inputs';

describe('JSON path', () => {
  test.each([
    ['$.a.b', ['a', 'b']],
    ['a.b', ['a', 'b']],
    ['$.items[2].id', ['items', 2, 'id']],
    ["$['key.with.dots'][0]", ['key.with.dots', 0]],
    ['$["x y"]', ['x y']],
    ['$', []],
  ])('%s parses', (path, segments) => expect(parseJsonPath(path)).toEqual(segments));

  test.each(['', '$..x', '$.a[*]', '$.a[?(@.b)]'])('%p is refused with a hint', (path) =>
    expect(() => parseJsonPath(path)).toThrow(/JSON path|cannot be empty/),
  );

  test('evaluates, telling missing from null', () => {
    const doc = { a: { b: null, list: [{ id: 7 }] } };
    expect(evaluateJsonPath(doc, '$.a.b')).toEqual({ found: true, value: null });
    expect(evaluateJsonPath(doc, '$.a.list[0].id')).toEqual({ found: true, value: 7 });
    expect(evaluateJsonPath(doc, '$.a.list[1]')).toEqual({ found: false });
    expect(evaluateJsonPath(doc, '$.a.c')).toEqual({ found: false });
    expect(evaluateJsonPath('text', '$.a')).toEqual({ found: false });
  });
});

describe('templates', () => {
  test('fills captured values and lists placeholders', () => {
    expect(placeholders('Bearer {{ token }} {{id}}')).toEqual(['token', 'id']);
    expect(fill('Bearer {{ token }}', { token: 'abc' })).toBe('Bearer abc');
    expect(() => fill('{{ nope }}', {})).toThrow(MissingVariable);
  });
});

describe('resolve pinning', () => {
  test('parses curl --resolve entries, IPv6 included', () => {
    expect(parseResolve('resolve', 'app.example.com:443:127.0.0.1, [::1]:8443:[::1]\n# comment\n')).toEqual([
      { host: 'app.example.com', port: 443, address: '127.0.0.1' },
      { host: '::1', port: 8443, address: '::1' },
    ]);
  });
  test.each(['app:443', 'app:443:not-an-ip', 'app:99999:127.0.0.1', 'app:x:127.0.0.1'])(
    '%p is refused',
    (entry) => expect(() => parseResolve('resolve', entry)).toThrow(InputError),
  );
  test('applies per host and port only', () => {
    const rules = parseResolve('resolve', 'App.Test:443:127.0.0.2');
    expect(pinnedAddress(rules, 'app.test', 443)).toBe('127.0.0.2');
    expect(pinnedAddress(rules, 'app.test', 8443)).toBeUndefined();
    expect(pinnedAddress(rules, 'other.test', 443)).toBeUndefined();
  });
});

describe('spec parsing', () => {
  test('a list is checks; names default to method and URL', () => {
    const spec = parseSpec('checks', [
      { url: '/a' },
      { name: 'b', method: 'post', url: '/b', json: { x: 1 } },
    ]);
    expect(spec.checks.map((c) => c.name)).toEqual(['GET /a', 'b']);
    expect(spec.checks[1]?.method).toBe('POST');
    expect(spec.journeys).toEqual([]);
  });

  test('status accepts numbers, classes, ranges and lists', () => {
    expect(() =>
      parseSpec('checks', [{ expect: { status: [200, '3xx', '400-404', '200,204'] } }]),
    ).not.toThrow();
  });

  test.each([
    [[{ name: 'home', expect: { status: 99 } }], /^'checks' check 'home' field 'expect\.status': /],
    [[{ name: 'home', expect: { status: 'ok' } }], /check 'home' field 'expect\.status'/],
    [
      [{ expect: { 'body-matches': '(' } }],
      /check '#1' field 'expect\.body-matches': is not a valid regular expression/,
    ],
    [[{ name: 'x', method: 'FETCH' }], /check 'x' field 'method'/],
    [[{ name: 'x', body: 'a', form: { a: 'b' } }], /check 'x': use only one of body, json or form/],
    [{ checks: [], extra: 1 }, /^'checks' Unrecognized key\(s\) in object: 'extra'/],
    [
      { journeys: [{ name: 'j', steps: [{ name: 's1', capture: { t: {} } }] }] },
      /journey 'j' step 's1' field 'capture\.t': needs exactly one of json, header, cookie or regex/,
    ],
    [{ journeys: [{ name: 'j', steps: [] }] }, /journey 'j' field 'steps'/],
    [[{ name: 'a' }, { name: 'a' }], /two checks or journeys named 'a'/],
    [[{ name: 'a', url: '/{{ t }}' }], /check 'a' uses \{\{ t \}\}, but captures only exist inside journeys/],
  ])('%j is refused naming the check and field', (raw, message) => {
    expect(() => parseSpec('checks', raw)).toThrow(InputError);
    expect(() => parseSpec('checks', raw)).toThrow(message);
  });

  test('journey captures must come before use', () => {
    const ok = {
      journeys: [
        {
          name: 'j',
          steps: [
            { name: 'a', capture: { t: { header: 'x-t' } } },
            { name: 'b', url: '/{{ t }}' },
          ],
        },
      ],
    };
    expect(parseSpec('checks', ok).journeys[0]?.steps).toHaveLength(2);
    const bad = {
      journeys: [{ name: 'j', steps: [{ name: 'a', url: '/{{ t }}', capture: { t: { header: 'x-t' } } }] }],
    };
    expect(() => parseSpec('checks', bad)).toThrow(
      /step 'a' uses \{\{ t \}\} before any earlier step captures it/,
    );
  });

  test('secret-looking headers and password fields are collected for masking, placeholders are not', () => {
    const spec = parseSpec('checks', {
      checks: [{ headers: { Authorization: 'Bearer abc123', 'X-Api-Key': 'k1', Accept: 'text/html' } }],
      journeys: [
        {
          name: 'j',
          steps: [
            { name: 'a', form: { username: 'alice', password: 'pw1' }, capture: { t: { header: 'x' } } },
            { name: 'b', headers: { Authorization: '{{ t }}' } },
          ],
        },
      ],
    });
    expect(secretHeaderValues(spec).sort()).toEqual(['Bearer abc123', 'abc123', 'k1', 'pw1'].sort());
  });
});

test('a spec of the wrong shape says what shape is expected', () => {
  expect(() => parseSpec('checks', 'hello')).toThrow(
    "'checks' must be a list of checks, or an object with 'checks' and/or 'journeys'",
  );
});

test('suite-specific inputs set without their suite are named in a warning', () => {
  const set = new Set(['metrics-token', 'http-url', 'expect-version']);
  expect(unusedSuiteInputs(['https'], (n) => set.has(n))).toEqual([
    "'expect-version' is set but the 'version' suite is not enabled; add version to 'suites' to use it.",
    "'metrics-token' is set but the 'django' suite is not enabled; add django to 'suites' to use it.",
  ]);
  expect(unusedSuiteInputs(['https', 'version', 'django'], (n) => set.has(n))).toEqual([]);
});
