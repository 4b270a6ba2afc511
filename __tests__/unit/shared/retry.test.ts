import { backoffDelay, retry, RetryGaveUp } from '@deploy-kit/shared';

/** A fake clock: sleeping advances time instantly, so the deadline logic is tested without waiting. */
function fakeClock() {
  let t = 0;
  return { now: () => t, sleep: async (ms: number) => void (t += ms), elapsed: () => t };
}

describe('retry', () => {
  test('returns the first success and reports each retry', async () => {
    const clock = fakeClock();
    const seen: number[] = [];
    const result = await retry(
      async (attempt) => {
        if (attempt < 3) throw new Error(`fail ${attempt}`);
        return 'ok';
      },
      { deadlineMs: 10_000, ...clock, random: () => 1, onRetry: ({ attempt }) => seen.push(attempt) },
    );
    expect(result).toBe('ok');
    expect(seen).toEqual([1, 2]);
    expect(clock.elapsed()).toBe(200 + 400);
  });

  test('gives up when the next attempt would pass the deadline', async () => {
    const clock = fakeClock();
    let calls = 0;
    const promise = retry(
      async () => {
        calls++;
        throw new Error('registry answered 503');
      },
      { deadlineMs: 1000, ...clock, random: () => 1 },
    );
    await expect(promise).rejects.toThrow(RetryGaveUp);
    await expect(promise).rejects.toThrow(/gave up after \d+ attempts: registry answered 503/);
    expect(clock.elapsed()).toBeLessThanOrEqual(1000);
    expect(calls).toBe(3); // 200 + 400 = 600 elapsed; the next 800 ms wait would pass 1000
  });

  test('does not retry errors that are not retryable', async () => {
    let calls = 0;
    await expect(
      retry(
        async () => {
          calls++;
          throw new Error('authentication failed');
        },
        { deadlineMs: 10_000, retryable: () => false, ...fakeClock() },
      ),
    ).rejects.toThrow('authentication failed');
    expect(calls).toBe(1);
  });

  test('backoff grows exponentially with jitter and is capped', () => {
    const opts = { deadlineMs: 0, initialDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffDelay(1, opts, () => 0)).toBe(50);
    expect(backoffDelay(1, opts, () => 1)).toBe(100);
    expect(backoffDelay(3, opts, () => 1)).toBe(400);
    expect(backoffDelay(10, opts, () => 1)).toBe(1000);
  });

  test('an aborted signal stops the wait', async () => {
    const controller = new AbortController();
    const promise = retry(
      async () => {
        controller.abort(new Error('cancelled'));
        throw new Error('transient');
      },
      { deadlineMs: 60_000, signal: controller.signal },
    );
    await expect(promise).rejects.toThrow(/transient|cancelled/);
  });
});
