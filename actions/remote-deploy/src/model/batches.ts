import { InputError } from '@deploy-kit/shared';

/** How many hosts switch at once: a count (`2`) or a share of the hosts (`25%`). */
export type BatchSize = { count: number } | { percent: number };

/** Rolling batches: `max-unavailable` as a count (`2`) or a share of the hosts (`25%`); empty = 1. */
export function parseBatchSize(input: string, value: string): BatchSize {
  const v = value.trim();
  if (v === '') return { count: 1 };
  const pct = /^(\d{1,3})%$/.exec(v);
  if (pct) {
    const percent = Number(pct[1]);
    if (percent < 1 || percent > 100)
      throw new InputError(`'${input}' must be between 1% and 100%, got '${v}'.`);
    return { percent };
  }
  if (/^\d+$/.test(v) && Number(v) >= 1) return { count: Number(v) };
  throw new InputError(
    `'${input}' must be a number of hosts (e.g. 2) or a percentage (e.g. 25%), got '${v}'.`,
  );
}

/** Split items into consecutive batches; a percentage rounds up so every batch has at least one host. */
export function computeBatches<T>(
  items: readonly T[],
  size: { count: number } | { percent: number } | undefined,
): T[][] {
  if (items.length === 0) return [];
  const per =
    size === undefined
      ? items.length
      : 'count' in size
        ? size.count
        : Math.max(1, Math.ceil((items.length * size.percent) / 100));
  const batches: T[][] = [];
  for (let i = 0; i < items.length; i += per) batches.push(items.slice(i, i + per));
  return batches;
}
