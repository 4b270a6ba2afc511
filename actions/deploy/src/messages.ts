/*
 * The one-step deploy's sentences, one named builder each (as codeql-action keeps its error
 * messages), so a reader finds every wording in one place and a test can pin it.
 *
 * A failure sentence is the one line a user reads first: it says where the hosts stand and what
 * to do, in at most ~200 characters for ordinary names. What each smoke test found (its checks,
 * their answers) is in the stage table and each stage's summary below it, not in this line.
 */
import type { HostLine } from './stage-results';

function count(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}

/** The one sentence the step fails with, for each way a stage can end. Pure. */
export const messages = {
  deployed: (version: string, hosts: readonly HostLine[]): string =>
    `${version} on ${count(hosts.length, 'host')}`,
  noPrevious: (version: string): string =>
    `The smoke test of ${version} failed and there is no previous release to go back to: every host stays on ${version}; fix it and deploy again.`,
  rolledBackVerified: (version: string, previous: string, smoke: string): string =>
    `The smoke test of ${version} failed (${clip(smoke, 60)}); every host is back on ${previous}, verified by its smoke test.`,
  rollbackNotVerified: (version: string, previous: string, url: string): string =>
    `ROLLBACK NOT VERIFIED: ${version} failed its smoke test and every host is back on ${previous}, but ${previous} failed its smoke test too: check ${clip(url, 60)} now.`,
  rollbackFailed: (version: string, previous: string, bad: string): string =>
    `ROLLBACK FAILED: ${version} failed its smoke test and putting the hosts back on ${previous} failed${bad ? ` (not on ${previous}: ${clip(bad, 60)})` : ''}: check the hosts now.`,
  notRolledBackAgain: (version: string): string =>
    `The smoke test of ${version} failed after rollback-to ${version}; every host is on ${version} (a rollback is not rolled back): deploy a known good release.`,
  renderFailed: (error: string): string => `render-env failed, so no host was touched: ${error}.`,
  putBackByDeploy: (
    reason: string,
    previous: string,
    back: readonly HostLine[],
    failed: readonly HostLine[],
  ): string =>
    `remote-deploy put ${count(back.length, 'host')} back on ${previous || 'the previous release'} (${reason === 'cancel' ? 'cancelled' : 'health gate red'})${failed.length > 0 ? `; not back: ${failed.map((h) => h.host).join(', ')}` : ''}`,
  cancelledBeforeDeploy: (signal: string): string =>
    `Cancelled by ${signal} before remote-deploy started: no host was touched.`,
  cancelledInSmoke: (version: string, hosts: string): string =>
    `Cancelled during the smoke test: every host (${clip(hosts, 60)}) stays on ${version}, which passed the health gate but not a smoke test; run it again or roll back.`,
  cancelledBeforeRollback: (version: string, previous: string, hosts: string): string =>
    `NOT ROLLED BACK: cancelled after ${version} failed its smoke test; every host (${clip(hosts, 60)}) is still on ${version}: run rollback-to: ${previous} now.`,
  cancelledInRollback: (version: string, previous: string): string =>
    `NOT ROLLED BACK: cancelled during the rollback to ${previous}; remote-deploy put any host it had switched back on ${version}, which failed its smoke test: run rollback-to: ${previous} now.`,
  cancelledInRollbackSmoke: (version: string, previous: string, hosts: string): string =>
    `Cancelled while verifying the rollback: every host (${clip(hosts, 60)}) is back on ${previous} (health gate passed) after ${version} failed; its smoke test did not end.`,
};

/** Cut a quoted detail so the sentence around it stays short; the whole text is in the summary. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}
