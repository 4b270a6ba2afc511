import { errorMessage, sleep } from '@deploy-kit/shared';
import { healthGate } from './health';
import type { HostCore } from './core';
import { reloadHost } from './reload';

const TIMED_OUT: unique symbol = Symbol('timed out');

/** Go back to the previous release: its files and images, then health-check it (and reload again what was reloaded). */
export async function rollbackHost(host: HostCore): Promise<void> {
  // A cancelled run rolls back from the signal handler (rollbackOnCancel), within the runner's grace time.
  if (host.isCancelled) return;
  await host.dropCredentials();
  const previous = host.previous;
  if (!previous) {
    host.markRollbackFailed(
      `no previous release on ${host.name}: it stays on ${host.inputs.version}, which failed`,
    );
    return;
  }
  try {
    await host.step('rollback', async () => {
      await host.loadReleaseFiles(previous);
      await host.up(previous);
      host.log(`rolled back to ${previous}`);
    });
    // Processes reloaded with the failed release keep it until they are reloaded again; an
    // nginx whose reload did not take still runs the previous configuration.
    const redo = host.reloaded;
    await healthGate(host, previous, 'rollback-health', !redo.hup && !redo.nginx);
    if (redo.hup || redo.nginx) {
      await reloadHost(host, previous, 'rollback-', redo);
      await healthGate(host, previous, 'rollback-reload-health');
    }
    host.markRolledBack();
  } catch (error) {
    host.markRollbackFailed(errorMessage(error));
  }
}

/**
 * Cancellation: the runner kills a cancelled job 10 s after SIGINT, too soon for a
 * health-checked rollback. Wait for the step in flight (two `up`s must not race on one
 * project), then put the previous release back with one `up -d`, all before `deadline`.
 * Returns what happened, as a phrase for the one-sentence failure.
 */
export async function rollbackOnCancel(host: HostCore, deadline: number): Promise<string> {
  const previous = host.previous;
  const fail = (why: string): string => {
    host.markRollbackFailed(why);
    return `${host.name} could NOT be rolled back (${why}): it may still run ${host.inputs.version}`;
  };
  if (!previous) return fail('no previous release');
  const inTime = <T>(p: Promise<T>): Promise<T | typeof TIMED_OUT> =>
    Promise.race([p, sleep(Math.max(0, deadline - Date.now())).then((): typeof TIMED_OUT => TIMED_OUT)]);
  if ((await inTime(host.inFlight)) === TIMED_OUT)
    return fail('the step in progress did not end within the cancellation grace time');
  try {
    const done = await inTime(
      host.step('cancel-rollback', async () => {
        await host.loadReleaseFiles(previous);
        await host.up(previous);
      }),
    );
    if (done === TIMED_OUT) return fail('compose up of the previous release did not finish in time');
    host.markRolledBack();
    host.log(`put back on ${previous} (cancelled run)`);
    return `${host.name} was put back on ${previous}`;
  } catch (error) {
    return fail(errorMessage(error));
  }
}
