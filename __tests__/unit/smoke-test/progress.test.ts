import { startProgress } from '@deploy-kit/shared';
import type { HttpClient } from '@deploy-kit/shared/http';
import { statusAssertion } from '../../../actions/smoke-test/src/assertions';
import { checkProgress } from '../../../actions/smoke-test/src/progress';
import { runChecks, type CheckDef } from '../../../actions/smoke-test/src/runner';
import { statusMatcher } from '../../../actions/smoke-test/src/status';

/**
 * While checks are retried until the timeout, a progress line at least every 30 s says how long
 * it has been and what is still failing. Here with a short interval and a slow fake: a check that
 * answers 503 until the test lets it pass.
 */

const client = {} as HttpClient;

test('a line per interval names each check still failing with its last failure, and stops when all answered', async () => {
  let healthy = false;
  const slow: CheckDef = {
    name: 'GET /',
    group: 'check',
    async attempt() {
      return [statusAssertion('status', statusMatcher(200), healthy ? 200 : 503)];
    },
  };
  const quick: CheckDef = {
    name: 'static',
    group: 'check',
    async attempt() {
      return [statusAssertion('status', statusMatcher(200), 200)];
    },
  };
  const lines: string[] = [];
  const progress = checkProgress([slow, quick]);
  // A fake clock: 30 s pass between two lines (startProgress reads it once to start, then per line).
  let reads = 0;
  const stop = startProgress(progress.describe, {
    everyMs: 5,
    now: () => 30_000 * reads++,
    log: (line) => {
      lines.push(line);
      // The site comes up after the second line.
      if (lines.length === 2) healthy = true;
    },
  });
  try {
    const results = await runChecks([slow, quick], {
      client,
      deadline: Date.now() + 10_000,
      parallel: 2,
      initialDelayMs: 2,
      maxDelayMs: 4,
      onAttemptFailed: (check, _attempt, reason) => progress.attemptFailed(check, reason),
      onCheckDone: progress.done,
    });
    expect(results.map((r) => r.passed)).toEqual([true, true]);
  } finally {
    stop();
  }
  expect(lines.slice(0, 2)).toEqual([
    "1 of 2 checks still failing or running: 'GET /' (status: expected 200, saw 503) (30s elapsed)",
    "1 of 2 checks still failing or running: 'GET /' (status: expected 200, saw 503) (1m00s elapsed)",
  ]);
  expect(progress.describe()).toBe('');
});

test('a check with no answer yet says so; long lists are counted, not all named', () => {
  const checks: CheckDef[] = Array.from({ length: 6 }, (_, i) => ({
    name: `c${i}`,
    group: 'check',
    attempt: async () => [],
  }));
  const progress = checkProgress(checks);
  progress.attemptFailed(checks[0] as CheckDef, 'request: expected an HTTP answer, saw connection refused');
  expect(progress.describe()).toBe(
    "6 of 6 checks still failing or running: 'c0' (request: expected an HTTP answer, saw connection refused); 'c1' (no answer yet); 'c2' (no answer yet); 'c3' (no answer yet); … 2 more",
  );
});
