/*
 * The one-step deploy's failure sentences, one named builder each (as codeql-action keeps its
 * error messages), so a reader finds every wording in one place and a test can pin it.
 */

/** The one sentence the step fails with, for each way a red smoke test can end. Pure. */
export const messages = {
  noPrevious: (version: string, smoke: string): string =>
    `The smoke test of ${version} failed (${smoke}); there is no previous release to go back to, so every host stays on ${version}: fix it and deploy again.`,
  rolledBackVerified: (
    version: string,
    previous: string,
    smoke: string,
    hosts: string,
    url: string,
  ): string =>
    `The smoke test of ${version} failed (${smoke}); every host (${hosts}) is back on ${previous}, and the rollback was verified: the smoke test of ${previous} passed on ${url}.`,
  rollbackNotVerified: (
    version: string,
    previous: string,
    smoke: string,
    hosts: string,
    url: string,
    again: string,
  ): string =>
    `ROLLBACK NOT VERIFIED: the smoke test of ${version} failed (${smoke}); every host (${hosts}) was put back on ${previous} and passed remote-deploy's health gate, but the smoke test of ${previous} failed too (${again}): check ${url} and the hosts now.`,
  rollbackFailed: (version: string, previous: string, smoke: string, failure: string, bad: string): string =>
    `ROLLBACK FAILED: the smoke test of ${version} failed (${smoke}); putting every host back on ${previous} failed (${failure})${bad ? `; hosts not on ${previous}: ${bad}` : ''}: check the hosts now.`,
  notRolledBackAgain: (version: string, smoke: string): string =>
    `The smoke test of ${version} failed (${smoke}) after rollback-to ${version}; every host is on ${version}, and this run does not roll back a rollback: check the hosts and deploy a known good release.`,
  renderFailed: (error: string): string => `render-env failed, so no host was touched: ${error}.`,
  cancelledBeforeDeploy: (signal: string): string =>
    `Cancelled by ${signal} before remote-deploy started: no host was touched.`,
  cancelledInSmoke: (version: string, hosts: string): string =>
    `Cancelled before the smoke test finished: every host (${hosts}) is on ${version}, which passed remote-deploy's health gate, but its smoke test did not finish; run the smoke test again or deploy a known good release.`,
  cancelledBeforeRollback: (version: string, previous: string, smoke: string, hosts: string): string =>
    `NOT ROLLED BACK: cancelled after the smoke test of ${version} failed (${smoke}), before the rollback; every host (${hosts}) is still on ${version}: put them back now with rollback-to: ${previous}.`,
  cancelledInRollbackSmoke: (version: string, previous: string, hosts: string): string =>
    `Cancelled while verifying the rollback: the smoke test of ${version} had failed, every host (${hosts}) is back on ${previous} (health gate passed), but the smoke test of ${previous} did not finish.`,
};
