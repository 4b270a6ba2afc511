// Imported by path (@deploy-kit/shared/pool), like ssh and http, so bundles that do not use it do not change.
/**
 * Run `worker` over `items` with at most `limit` in flight, starting them in
 * the order given (so callers put the longest job first). Every item runs to
 * completion: one rejection does not stop the others, and the results keep the
 * input order, as settled results, so a caller can report each one.
 */
export async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  worker: (item: T, index: number) => Promise<R>,
): Promise<PromiseSettledResult<R>[]> {
  if (!Number.isInteger(limit) || limit < 1) throw new Error(`mapBounded needs a limit >= 1, got ${limit}`);
  const results: PromiseSettledResult<R>[] = new Array(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      try {
        results[index] = { status: 'fulfilled', value: await worker(items[index] as T, index) };
      } catch (reason) {
        results[index] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}
