import { redactedSnippet } from '@deploy-kit/shared';
import type { CheckDef, CheckResult } from './runner';

/**
 * What the smoke test is still waiting on, for the progress line printed at least every 30 s
 * while checks are retried until the timeout (startProgress adds the elapsed time): how many
 * checks have their answer, and each unfinished one with its last failure, e.g.
 *   "2 of 5 checks still failing: 'GET /' (status: expected 200, saw 503); 'version' (no answer yet)"
 * Redacted (a failure can quote a body), each reason cut short so the line stays one line.
 */

/** At most this many checks are named; the rest are counted. */
const SHOWN = 4;

export interface CheckProgress {
  attemptFailed(check: CheckDef, reason: string): void;
  done(check: CheckDef, result: CheckResult): void;
  /** The line, or '' when every check has its answer. */
  describe(): string;
}

export function checkProgress(checks: readonly CheckDef[]): CheckProgress {
  const lastFailure = new Map<CheckDef, string>();
  const finished = new Set<CheckDef>();
  return {
    attemptFailed: (check, reason) => lastFailure.set(check, reason),
    done: (check) => finished.add(check),
    describe() {
      const waiting = checks.filter((c) => !finished.has(c));
      if (waiting.length === 0) return '';
      const named = waiting
        .slice(0, SHOWN)
        .map((c) => `'${c.name}' (${redactedSnippet(lastFailure.get(c) ?? 'no answer yet', 100)})`);
      const more = waiting.length > SHOWN ? `; … ${waiting.length - SHOWN} more` : '';
      const noun = checks.length === 1 ? 'check' : 'checks';
      return redactedSnippet(
        `${waiting.length} of ${checks.length} ${noun} still failing or running: ${named.join('; ')}${more}`,
        1000,
      );
    },
  };
}
