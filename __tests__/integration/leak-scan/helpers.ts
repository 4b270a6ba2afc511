import * as path from 'node:path';
import { filesUnder, scanForLeaks, type RunActionResult } from '@deploy-kit/harness';

/**
 * What every leak-scan test shares: the places a reader (or the next step) sees, and the scan of
 * several runs at once. The log is `runnerLog`: masked exactly as the runner masks it (registered
 * strings only, line by line), so a secret that only our own whole-text masking would hide counts.
 */
export function places(
  result: RunActionResult,
  extraFiles: Record<string, string> = {},
): Record<string, string> {
  return {
    log: result.runnerLog,
    outputs: Object.values(result.outputs).join('\n'),
    summary: result.summary,
    annotations: result.annotations.map((a) => `${a.title ?? ''} ${a.message}`).join('\n'),
    // GITHUB_ENV, GITHUB_STATE, the outputs file and anything else the step left in RUNNER_TEMP.
    ...filesUnder(result.runnerTemp),
    ...extraFiles,
  };
}

/**
 * Hits of the secrets in every place of every run, each hit named by its run's label. A run given
 * its own `secrets` (one token per run) is scanned for those only: a 4-digit shape another run
 * used is no secret here, and a commit hash or timestamp may well contain it.
 */
export function scanRuns(
  runs: Record<
    string,
    { result: RunActionResult; files?: Record<string, string>; secrets?: readonly string[] }
  >,
  secrets: readonly string[] = [],
): string[] {
  return Object.entries(runs).flatMap(([label, run]) =>
    scanForLeaks(places(run.result, run.files), run.secrets ?? secrets).map((hit) => `${label}: ${hit}`),
  );
}

/** The rendered .env is the product (mode 0600, it holds the secrets by design); nothing else may. */
export const notTheEnvFile = (file: string): boolean => path.basename(file) === '.env';

/**
 * A value HTTP can carry in a header (undici refuses the rest before sending): visible ASCII or
 * Latin-1, tab and space inside only, no line break, no leading or trailing whitespace.
 */
export function headerSafe(value: string): boolean {
  return /^[\x21-\x7e\x80-\xff]([\t\x20-\x7e\x80-\xff]*[\x21-\x7e\x80-\xff])?$/.test(value);
}

/** A value that fits in one `id=value` line as it is: no line break, no surrounding blank. */
export function oneLine(value: string): boolean {
  return !/[\r\n]/.test(value) && value === value.trim();
}

/** `fn` over every item, at most `width` at a time (the machine has 2 cores; runs mostly wait on I/O). */
export async function inBatches<T, R>(
  items: readonly T[],
  width: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += width)
    out.push(...(await Promise.all(items.slice(i, i + width).map(fn))));
  return out;
}
