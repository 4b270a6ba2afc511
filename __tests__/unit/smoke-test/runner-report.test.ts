import type { HttpClient } from '@deploy-kit/shared/http';
import { assertion } from '../../../actions/smoke-test/src/assertions';
import { firstFailure, resultsJson, summaryMarkdown } from '../../../actions/smoke-test/src/report';
import { runCheck, runChecks, type CheckDef, type CheckResult } from '../../../actions/smoke-test/src/runner';

// The runner with checks that need no network: pass on the n-th attempt, never, or throw.
const client = {} as HttpClient;

function passOn(n: number, name = `pass-on-${n}`): CheckDef {
  return {
    name,
    group: 'check',
    async attempt({ attempt }) {
      return [assertion('status', attempt >= n, '200', attempt >= n ? '200' : '503')];
    },
  };
}

describe('runner', () => {
  test('retries until the check passes and counts attempts', async () => {
    const r = await runCheck(passOn(3), {
      client,
      deadline: Date.now() + 5000,
      concurrency: 1,
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
      concurrency: 1,
      initialDelayMs: 20,
      maxDelayMs: 40,
    });
    expect(r.passed).toBe(false);
    expect(r.attempts).toBeGreaterThan(2);
    expect(r.failure).toBe('status: expected 200, saw 503');
    expect(Date.now() - started).toBeLessThan(1_000);
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
      concurrency: 1,
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
    const h = await runCheck(hanging, { client, deadline: Date.now() + 100, concurrency: 1 });
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
      concurrency: 2,
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
    expect(md).toContain('### Smoke test failed: 1 passed, 2 failed — https://app.test/ (10.0 s)');
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

  test('first failure in one sentence, counting the others', () => {
    expect(firstFailure(results)).toBe(
      "check 'headers: HSTS' failed after 7 attempts in 9.5 s: Strict-Transport-Security: expected max-age >= 15552000, saw (absent) (1 more check failed too).",
    );
    expect(firstFailure(results.slice(0, 1))).toBeUndefined();
  });

  test('results JSON keeps every assertion', () => {
    const json = resultsJson(results) as { failure?: string; assertions: unknown[] }[];
    expect(json[0]).not.toHaveProperty('failure');
    expect(json[1]?.assertions).toHaveLength(2);
  });
});
