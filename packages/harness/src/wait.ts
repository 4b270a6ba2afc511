/**
 * Polling with a deadline: how tests wait for a real condition (a port answering, a file
 * appearing) instead of sleeping for a guessed time.
 */

/** Polls `check` until it returns a value (not undefined) or the deadline passes; errors count as "not yet". */
export async function pollUntil<T>(
  what: string,
  deadlineMs: number,
  check: () => Promise<T | undefined>,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const detail = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}${detail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Polls a yes/no condition every 50 ms until it holds or `timeoutMs` passes. */
export async function waitFor(
  what: string,
  test: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  await pollUntil(what, timeoutMs, async () => ((await test()) ? true : undefined), 50);
}
