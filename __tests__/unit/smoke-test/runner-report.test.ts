import { maskSecret, resetMasksForTests } from '@deploy-kit/shared';
import { HttpError, type HttpClient } from '@deploy-kit/shared/http';
import { assertion, statusAssertion } from '../../../actions/smoke-test/src/assertions';
import { firstFailure, checksJson, summaryMarkdown } from '../../../actions/smoke-test/src/report';
import {
  errorAssertion,
  isRetryable,
  runCheck,
  runChecks,
  type CheckDef,
  type CheckResult,
} from '../../../actions/smoke-test/src/runner';
import { statusMatcher } from '../../../actions/smoke-test/src/status';

// The runner with checks that need no network: pass on the n-th attempt, never, or throw.
const client = {} as HttpClient;

function passOn(n: number, name = `pass-on-${n}`): CheckDef {
  return {
    name,
    group: 'check',
    async attempt({ attempt }) {
      return [statusAssertion('status', statusMatcher(200), attempt >= n ? 200 : 503)];
    },
  };
}

/** Fails with a 404: the site's settled answer, which no retry changes. */
const notFound: CheckDef = {
  name: 'not-found',
  group: 'check',
  async attempt() {
    return [statusAssertion('status', statusMatcher(200), 404)];
  },
};

describe('runner', () => {
  test('retries until the check passes and counts attempts', async () => {
    const r = await runCheck(passOn(3), {
      client,
      deadline: Date.now() + 5000,
      parallel: 1,
      initialDelayMs: 5,
      maxDelayMs: 10,
    });
    expect(r).toMatchObject({ passed: true, attempts: 3, failure: undefined });
  });

  test('gives up at the deadline with the last failure', async () => {
    const started = Date.now();
    const r = await runCheck(passOn(1000), {
      client,
      deadline: started + 300,
      parallel: 1,
      initialDelayMs: 20,
      maxDelayMs: 40,
    });
    expect(r.passed).toBe(false);
    expect(r.attempts).toBeGreaterThan(2);
    expect(r.failure).toBe('status: expected 200, saw 503');
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  test('a failure no retry can change is not retried, unless retry is all', async () => {
    const options = { client, deadline: Date.now() + 300, parallel: 1, initialDelayMs: 5, maxDelayMs: 10 };
    const once = await runCheck(notFound, options);
    expect(once).toMatchObject({ passed: false, attempts: 1, definitive: true });
    const all = await runCheck(notFound, { ...options, retry: 'all' });
    expect(all.attempts).toBeGreaterThan(1);
    expect(all.definitive).toBeUndefined();
  });

  test('what is transient: 5xx/408/429, network errors other than certificates, what the check marks', () => {
    const s = (status: number) => [statusAssertion('status', statusMatcher(200), status)];
    expect([502, 503, 504, 500, 408, 429].map((c) => isRetryable(s(c)))).toEqual(Array(6).fill(true));
    expect([404, 403, 301, 400].map((c) => isRetryable(s(c)))).toEqual(Array(4).fill(false));
    expect(isRetryable([errorAssertion(new HttpError('connection refused', 'ECONNREFUSED'))])).toBe(true);
    expect(isRetryable([errorAssertion(new HttpError('TLS failed', 'ERR_TLS_CERT_ALTNAME_INVALID'))])).toBe(
      false,
    );
    expect(isRetryable([errorAssertion(new HttpError('TLS failed', 'CERT_HAS_EXPIRED'))])).toBe(false);
    // The first failing assertion decides: a 503 page without HSTS is retried.
    expect(isRetryable([...s(503), assertion('Strict-Transport-Security', false, 'x', '(absent)')])).toBe(
      true,
    );
    expect(isRetryable([assertion('no debug page', false, 'x', 'debug page'), ...s(503)])).toBe(false);
  });

  test('a 5xx is retried during the warm-up only; after it the check fails at once, definitively', async () => {
    const s = (status: number) => [statusAssertion('status', statusMatcher(200), status)];
    expect([500, 502, 503, 504].map((c) => isRetryable(s(c), false))).toEqual(Array(4).fill(false));
    // 408/429 and network errors stay transient after the warm-up.
    expect([408, 429].map((c) => isRetryable(s(c), false))).toEqual([true, true]);
    expect(isRetryable([errorAssertion(new HttpError('connection refused', 'ECONNREFUSED'))], false)).toBe(
      true,
    );

    const started = Date.now();
    const always500: CheckDef = { name: '500', group: 'check', attempt: () => Promise.resolve(s(500)) };
    const options = { client, deadline: started + 5_000, parallel: 1, initialDelayMs: 5, maxDelayMs: 20 };
    const r = await runCheck(always500, { ...options, warmUpUntil: started + 150 });
    expect(r).toMatchObject({
      passed: false,
      definitive: true,
      afterWarmUp: true,
      failure: 'status: expected 200, saw 500',
    });
    expect(firstFailure([r])).toMatch(
      / \(a 5xx after the warm-up: not retried; raise warm-up to keep retrying\): /,
    );
    expect(r.attempts).toBeGreaterThan(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(Date.now() - started).toBeLessThan(1_000);

    // 503 for the first 100 ms, then 200: passes inside a 300 ms warm-up.
    const t0 = Date.now();
    const warming: CheckDef = {
      name: 'warming',
      group: 'check',
      attempt: () => Promise.resolve(s(Date.now() - t0 < 100 ? 503 : 200)),
    };
    const w = await runCheck(warming, { ...options, deadline: t0 + 5_000, warmUpUntil: t0 + 300 });
    expect(w).toMatchObject({ passed: true });
    expect(w.attempts).toBeGreaterThan(1);

    // Refused connections are retried until the timeout, whatever the warm-up.
    const refused: CheckDef = {
      name: 'refused',
      group: 'check',
      attempt: () => Promise.reject(new HttpError('connection refused', 'ECONNREFUSED')),
    };
    const t1 = Date.now();
    const c = await runCheck(refused, { ...options, deadline: t1 + 300, warmUpUntil: t1 });
    expect(c.passed).toBe(false);
    expect(c.definitive).toBeUndefined();
    expect(Date.now() - t1).toBeGreaterThanOrEqual(250);

    // retry: all keeps retrying a 5xx after the warm-up.
    const t2 = Date.now();
    const all = await runCheck(always500, { ...options, deadline: t2 + 200, warmUpUntil: t2, retry: 'all' });
    expect(all.definitive).toBeUndefined();
    expect(Date.now() - t2).toBeGreaterThanOrEqual(150);
  });

  test('an attempt cut off by the deadline does not hide what the previous attempt saw', async () => {
    const slowSecond: CheckDef = {
      name: 'slow-second',
      group: 'check',
      attempt: ({ attempt, signal }) =>
        attempt === 1
          ? Promise.resolve([statusAssertion('status', statusMatcher(200), 503)])
          : new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')))),
    };
    const r = await runCheck(slowSecond, {
      client,
      deadline: Date.now() + 150,
      parallel: 1,
      initialDelayMs: 5,
    });
    expect(r.attempts).toBe(2);
    expect(r.failure).toBe('status: expected 200, saw 503');
  });

  test('a cancelled run stops retrying and says so', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const r = await runCheck(passOn(1_000_000), {
      client,
      deadline: Date.now() + 60_000,
      parallel: 1,
      initialDelayMs: 5,
      maxDelayMs: 10,
      signal: controller.signal,
    });
    expect(r.passed).toBe(false);
    expect(r.definitive).toBeUndefined();
  });

  test('a thrown error becomes a failing request assertion; an attempt hanging past the deadline is reported', async () => {
    const thrower: CheckDef = {
      name: 't',
      group: 'check',
      attempt: async () => Promise.reject(new Error('connection refused')),
    };
    const r = await runCheck(thrower, {
      client,
      deadline: Date.now() + 50,
      parallel: 1,
      initialDelayMs: 100,
    });
    expect(r).toMatchObject({
      passed: false,
      attempts: 1,
      failure: 'request: expected an HTTP answer, saw connection refused',
    });
    const hanging: CheckDef = {
      name: 'h',
      group: 'check',
      attempt: ({ signal }) =>
        new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')))),
    };
    const h = await runCheck(hanging, { client, deadline: Date.now() + 100, parallel: 1 });
    expect(h.failure).toBe('request: expected an HTTP answer, saw no answer before the timeout');
  });

  test('runs checks concurrently up to the limit, results in input order', async () => {
    let running = 0;
    let peak = 0;
    const slow = (name: string): CheckDef => ({
      name,
      group: 'check',
      async attempt() {
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 30));
        running--;
        return [assertion('ok', true, 'x', 'x')];
      },
    });
    const results = await runChecks(['a', 'b', 'c', 'd', 'e'].map(slow), {
      client,
      deadline: Date.now() + 5000,
      parallel: 2,
    });
    expect(results.map((r) => r.name)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(peak).toBe(2);
  });
});

describe('report', () => {
  const results: CheckResult[] = [
    {
      name: 'home',
      group: 'check',
      passed: true,
      attempts: 1,
      durationMs: 42,
      assertions: [assertion('status', true, '200', '200')],
    },
    {
      name: 'headers: HSTS',
      group: 'headers',
      passed: false,
      attempts: 7,
      durationMs: 9500,
      failure: 'Strict-Transport-Security: expected max-age >= 15552000, saw (absent)',
      assertions: [
        assertion('status', true, '200', '200'),
        assertion('Strict-Transport-Security', false, 'max-age >= 15552000', '(absent)'),
      ],
    },
    {
      name: 'x | y',
      group: 'check',
      passed: false,
      attempts: 1,
      durationMs: 5,
      failure: 'status: expected 200, saw 500',
      assertions: [],
    },
  ];

  test('summary table: check, result, attempts, time, seen vs expected (pipes escaped)', () => {
    const md = summaryMarkdown(results, 'https://app.test/', 10_000);
    expect(md).toContain('## Smoke test failed: 1 passed, 2 failed — https://app.test/ (10.0 s)');
    expect(md).toContain('| home | ✅ pass | 1 | 42 ms | status: 200 |');
    expect(md).toContain(
      '| headers: HSTS | ❌ fail | 7 | 9.5 s | Strict-Transport-Security: saw (absent); expected max-age >= 15552000 |',
    );
    expect(md).toContain('| x \\| y |');
    expect(md).toContain("**First failure:** check 'headers: HSTS' failed after 7 attempts");
    expect(summaryMarkdown(results.slice(0, 1), '', 5)).not.toContain('First failure');
  });

  test('a long passing row shows the first four assertions and a count', () => {
    const many = Array.from({ length: 7 }, (_, i) => assertion(`step ${i}`, true, 'x', `v${i}`));
    const md = summaryMarkdown([{ ...results[0]!, name: 'journey', assertions: many }], '', 5);
    expect(md).toContain('| step 0: v0; step 1: v1; step 2: v2; step 3: v3; … 3 more passed |');
  });

  test('first failure in one sentence, naming the others', () => {
    expect(firstFailure(results)).toBe(
      "check 'headers: HSTS' failed after 7 attempts in 9.5 s: Strict-Transport-Security: expected max-age >= 15552000, saw (absent) (1 more check failed too: 'x | y').",
    );
    expect(firstFailure(results.slice(0, 1))).toBeUndefined();
  });

  test('the implicit GET of url is never named as the cause before a real check; a definitive failure says it was not retried', () => {
    const implicit: CheckResult = {
      name: 'GET https://app.test/',
      group: 'check',
      implicit: true,
      definitive: true,
      passed: false,
      attempts: 1,
      durationMs: 3,
      failure: 'request: expected an HTTP answer, saw TLS to app.test failed',
      assertions: [],
    };
    const cert: CheckResult = { ...implicit, name: 'https: certificate valid for host', implicit: undefined };
    expect(firstFailure([implicit, cert])).toBe(
      "check 'https: certificate valid for host' failed after 1 attempt in 3 ms (not retried: no retry can change this answer; set retry: all to keep retrying): request: expected an HTTP answer, saw TLS to app.test failed (1 more check failed too: 'GET https://app.test/').",
    );
    expect(firstFailure([implicit])).toMatch(/^check 'GET https:\/\/app.test\/' failed/);
  });

  test('results JSON keeps every assertion, without internal fields', () => {
    const json = checksJson([
      ...results,
      { ...results[2]!, assertions: [statusAssertion('status', statusMatcher(200), 503)] },
    ]) as { failure?: string; assertions: Record<string, unknown>[] }[];
    expect(json[0]).not.toHaveProperty('failure');
    expect(json[1]?.assertions).toHaveLength(2);
    expect(json[3]?.assertions[0]).toEqual({ name: 'status', passed: false, expected: '200', seen: '503' });
  });

  test('outputs, the summary and the sentence are redacted before they are cut or escaped', () => {
    resetMasksForTests();
    const token = 'a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2';
    const quoted = 'tok"en\\x9';
    maskSecret(token);
    maskSecret(quoted);
    const body = `{"echo":"${token}","q":${JSON.stringify(quoted)}}`;
    const leaky: CheckResult = {
      name: 'echo',
      group: 'check',
      passed: false,
      attempts: 1,
      durationMs: 1,
      failure: `body contains: expected "x", saw ${body}`,
      assertions: [assertion('body contains', false, '"x"', body)],
    };
    const text = [
      JSON.stringify(checksJson([leaky])),
      summaryMarkdown([leaky], '', 1),
      firstFailure([leaky]) ?? '',
    ].join('\n');
    for (const piece of [token, token.slice(0, 40), quoted, JSON.stringify(quoted).slice(1, -1)])
      expect(text).not.toContain(piece);
    expect(text).toContain('{"echo":"***","q":"***"}'.replace(/"/g, '\\"'));
    resetMasksForTests();
  });
});
