import { PolicyFailure, ToolError } from '@deploy-kit/shared';
import { authEnv, basicCredentials } from '../../../actions/tag-release/src/git';
import {
  alreadyExists,
  apiFailed,
  rateLimitOf,
  transient,
} from '../../../actions/tag-release/src/api-errors';
import { explainRefusal, pushFailed, tagConflict } from '../../../actions/tag-release/src/tag';

test('a tag at another commit names both', () => {
  const e = tagConflict('v1.2.0', 'a'.repeat(40), 'b'.repeat(40));
  expect(e).toBeInstanceOf(PolicyFailure);
  expect(e.message).toContain(`v1.2.0 already exists at commit ${'a'.repeat(40)}, not at ${'b'.repeat(40)}`);
});

test.each([
  [
    '! [remote rejected] v1 -> v1 (refusing to allow a GitHub App to create or update workflow `.github/workflows/x.yml` without `workflows` permission)',
    /workflows` permission/,
  ],
  ['remote: error: GH013: Repository rule violations found for refs/tags/v1.', /ruleset refused/],
  ['! [remote rejected] v1 -> v1 (protected tag hook declined)', /is protected/],
])('refusal %#', (stderr, sentence) => {
  expect(explainRefusal('refs/tags/v1', stderr)).toMatch(sentence);
  expect(pushFailed('refs/tags/v1', stderr)).toBeInstanceOf(PolicyFailure);
});

test('an unknown push failure is a tool error with git last lines', () => {
  const e = pushFailed('refs/tags/v1', 'fatal: unable to access: Could not resolve host');
  expect(e).toBeInstanceOf(ToolError);
  expect(e.message).toContain('Could not resolve host');
});

test('auth goes in GIT_CONFIG_* for the server only, clearing a persisted header first, after existing entries', () => {
  const env = authEnv('https://github.com', 'tok', { GIT_CONFIG_COUNT: '1' });
  expect(env).toEqual({
    GIT_CONFIG_COUNT: '3',
    GIT_CONFIG_KEY_1: 'http.https://github.com/.extraheader',
    GIT_CONFIG_VALUE_1: '',
    GIT_CONFIG_KEY_2: 'http.https://github.com/.extraheader',
    GIT_CONFIG_VALUE_2: `AUTHORIZATION: basic ${Buffer.from('x-access-token:tok').toString('base64')}`,
  });
  expect(basicCredentials('tok')).toBe('eC1hY2Nlc3MtdG9rZW46dG9r');
});

test('transient GitHub answers are retried, answers are not', () => {
  expect(transient({ status: 502, message: 'x' })).toBe(true);
  expect(transient({ status: 429, message: 'x' })).toBe(true);
  expect(transient(new Error('socket hang up'))).toBe(true);
  expect(transient({ status: 422, message: 'x' })).toBe(false);
  expect(transient({ status: 404, message: 'x' })).toBe(false);
  expect(
    alreadyExists({
      status: 422,
      message: 'x',
      response: { data: { errors: [{ code: 'already_exists' }] } },
    }),
  ).toBe(true);
  expect(
    alreadyExists({ status: 422, message: 'x', response: { data: { errors: [{ code: 'invalid' }] } } }),
  ).toBe(false);
});

describe('rate limits (issue 18 C3)', () => {
  const now = Date.UTC(2026, 11, 7, 10, 0, 0);
  const limited = (status: number, headers: Record<string, string>, message = 'API rate limit exceeded') => ({
    status,
    message,
    response: { headers },
  });

  test('primary: x-ratelimit-remaining 0 waits until the reset, a second more', () => {
    const e = limited(403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(now / 1000 + 30) });
    expect(rateLimitOf(e, now)).toEqual({ kind: 'primary', waitMs: 31_000, resetAt: new Date(now + 30_000) });
    expect(transient(e)).toBe(false);
  });

  test('secondary: retry-after, or the message alone', () => {
    expect(rateLimitOf(limited(429, { 'retry-after': '7' }), now)).toEqual({
      kind: 'secondary',
      waitMs: 7000,
    });
    expect(rateLimitOf(limited(403, {}, 'You have exceeded a secondary rate limit'), now)).toMatchObject({
      kind: 'secondary',
      waitMs: 60_000,
    });
  });

  test('a 403 that is not a limit is the permission sentence; a limit says "rate limit", not permissions', () => {
    expect(
      rateLimitOf(limited(403, { 'x-ratelimit-remaining': '12' }, 'Resource not accessible'), now),
    ).toBeUndefined();
    expect(
      apiFailed('creating the release v1.0.0', limited(403, {}, 'Resource not accessible')).message,
    ).toMatch(/contents: write/);
    const e = limited(403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1891000000' });
    const sentence = apiFailed('creating the release v1.0.0', e).message;
    expect(sentence).toMatch(/primary API rate limit for this token is used up until 2029-\d\d-\d\dT[\d:]+Z/);
    expect(sentence).not.toMatch(/contents: write/);
  });
});
