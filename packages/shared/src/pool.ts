/**
 * One bounded pool for every "do this for each item, at most N at a time": hosts in
 * remote-deploy, checks in smoke-test, tools in lint-gate. Results come back in the order of the items.
 */

/** Run `fn` over items with at most `limit` in flight; the first rejection rejects (the rest keep running). */
export async function mapPool<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

/** Run `fn` over items with at most `limit` in flight; every item settles (no fail-fast), results in order. */
export function settleAll<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<PromiseSettledResult<R>[]> {
  return mapPool(items, limit, async (item, index): Promise<PromiseSettledResult<R>> => {
    try {
      return { status: 'fulfilled', value: await fn(item, index) };
    } catch (reason) {
      return { status: 'rejected', reason };
    }
  });
}

/**
 * A counting semaphore, for work that arrives one piece at a time rather than as a list: at most
 * `size` holders at once (channels on one SSH connection, requests to one service).
 */
export class Semaphore {
  private waiting: (() => void)[] = [];
  private inUse = 0;
  constructor(readonly size: number) {}
  async acquire(): Promise<() => void> {
    // A waiter is handed the slot its releaser held (the count stays), so an acquire that comes
    // between the release and the waiter's turn cannot take it too.
    if (this.inUse < this.size) this.inUse++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.inUse--;
    };
  }
}
