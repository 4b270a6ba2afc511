import { mdEscape, mdHeading, mdTable, oneSentence, redactSecrets, redactDeep } from '@deploy-kit/shared';
import { snippet } from './assertions';
import type { CheckResult } from './runner';

/** The job summary, the `results` output and the failure sentence: pure, from the results. */

export function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** What the table shows in its last column: the first failure, or the values that passed. */
export function seenVsExpected(result: CheckResult): string {
  const failing = result.assertions.find((a) => !a.passed);
  if (failing) return `${failing.name}: saw ${failing.seen}; expected ${failing.expected}`;
  // A long journey would make the row unreadable: the first few, then a count.
  const shown = result.assertions.slice(0, 4).map((a) => `${a.name}: ${snippet(a.seen, 100)}`);
  const more = result.assertions.length - shown.length;
  return [...shown, ...(more > 0 ? [`… ${more} more passed`] : [])].join('; ');
}

export function summaryMarkdown(results: readonly CheckResult[], target: string, elapsedMs: number): string {
  const passed = results.filter((r) => r.passed).length;
  const failed = results.length - passed;
  const title = `Smoke test ${failed === 0 ? 'passed' : 'failed'}: ${passed} passed, ${failed} failed${target ? ` — ${target}` : ''} (${formatDuration(elapsedMs)})`;
  const rows = results.map((r) => [
    r.name,
    r.passed ? '✅ pass' : '❌ fail',
    String(r.attempts),
    formatDuration(r.durationMs),
    seenVsExpected(r),
  ]);
  const failure = firstFailure(results);
  return [
    mdHeading(title, 2),
    ...(failure ? [`**First failure:** ${mdEscape(failure)}`] : []),
    mdTable(['Check', 'Result', 'Attempts', 'Time', 'Seen vs expected'], rows),
  ].join('\n\n');
}

/**
 * One sentence for the failing check that explains the most, e.g. for
 * setFailed and the rollback log: a suite's or spec's check before the
 * implicit GET of `url` (which fails too when, say, the certificate is for
 * another name, but says less), then the others by name.
 */
export function firstFailure(results: readonly CheckResult[]): string | undefined {
  const failed = results.filter((x) => !x.passed);
  const r = failed.find((x) => !x.implicit) ?? failed[0];
  if (!r) return undefined;
  const others = failed.filter((x) => x !== r).map((x) => `'${x.name}'`);
  const shown = others.slice(0, 3);
  const more =
    others.length === 0
      ? ''
      : ` (${others.length} more check${others.length === 1 ? '' : 's'} failed too: ${shown.join(', ')}${others.length > shown.length ? `, … ${others.length - shown.length} more` : ''})`;
  const notRetried = r.afterWarmUp
    ? ' (a 5xx after the warm-up: not retried; raise warm-up to keep retrying)'
    : r.definitive
      ? ' (not retried: no retry can change this answer; set retry: all to keep retrying)'
      : '';
  return oneSentence(
    redactSecrets(
      `check '${r.name}' failed after ${r.attempts} attempt${r.attempts === 1 ? '' : 's'} in ${formatDuration(r.durationMs)}${notRetried}: ${r.failure ?? 'no assertion ran'}${more}`,
    ),
  );
}

/** One check in the `results` output. */
export interface CheckJson {
  name: string;
  group: string;
  passed: boolean;
  attempts: number;
  durationMs: number;
  failure?: string;
  assertions: { name: string; passed: boolean; expected: string; seen: string }[];
}

/** The checks of the `results` output: every string redacted (outputs are never masked by the runner). */
export function checksJson(results: readonly CheckResult[]): CheckJson[] {
  return redactDeep(
    results.map((r) => ({
      name: r.name,
      group: r.group,
      passed: r.passed,
      attempts: r.attempts,
      durationMs: r.durationMs,
      ...(r.failure ? { failure: r.failure } : {}),
      assertions: r.assertions.map(({ name, passed, expected, seen }) => ({ name, passed, expected, seen })),
    })),
  );
}
