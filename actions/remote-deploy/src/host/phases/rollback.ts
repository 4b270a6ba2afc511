import { errorMessage, sleep } from '@deploy-kit/shared';
import type { Host } from '../host';
import { healthGate, type HealthSettings } from './health';
import { reloadHost, type ReloadSettings } from './reload';

const TIMED_OUT: unique symbol = Symbol('timed out');

/** What going back needs: the version that failed, the services to start, the gate and the reloads. */
export interface RollbackSettings extends HealthSettings, ReloadSettings {
  /** The version the host was switched to (it stays there when it was the host's first release). */
  failedVersion: string;
}

/** Go back to the previous release: its files and images, then health-check it (and reload again what was reloaded). */
export async function rollbackHost(host: Host, settings: RollbackSettings): Promise<void> {
  const { session, state } = host;
  // A cancelled run rolls back from the signal handler (rollbackOnCancel), within the runner's grace time.
  if (session.isCancelled) return;
  await host.credentials.drop();
  const previous = state.previous;
  if (!previous) {
    // Its first release: nothing to go back to, and not a failed rollback (messages.firstRelease).
    session.log(`${settings.failedVersion} is the first release here: nothing to roll back to`);
    return;
  }
  try {
    await session.step('rollback', async () => {
      await host.releases.load(previous);
      await host.releases.up(previous, settings.services);
      session.log(`rolled back to ${previous}`);
    });
    // Processes reloaded with the failed release keep it until they are reloaded again; an
    // nginx whose reload did not take still runs the previous configuration.
    const redo = state.reloaded;
    await healthGate(host, previous, settings, 'rollback-health', !redo.hup && !redo.nginx);
    if (redo.hup || redo.nginx) {
      await reloadHost(host, previous, settings, 'rollback-', redo);
      await healthGate(host, previous, settings, 'rollback-reload-health');
    }
    state.markRolledBack();
  } catch (error) {
    state.markRollbackFailed(errorMessage(error));
  }
}

/**
 * Cancellation: the runner kills a cancelled job 10 s after SIGINT, too soon for a
 * health-checked rollback. Wait for the step in flight (two `up`s must not race on one
 * project), then put the previous release back with one `up -d`, all before `deadline`.
 * Returns what happened, as a phrase for the one-sentence failure.
 */
export async function rollbackOnCancel(
  host: Host,
  settings: { failedVersion: string; services: readonly string[] },
  deadline: number,
): Promise<string> {
  const { session, state } = host;
  const previous = state.previous;
  const fail = (why: string): string => {
    state.markRollbackFailed(why);
    return `${host.name} could NOT be rolled back (${why}): it may still run ${settings.failedVersion}`;
  };
  if (!previous)
    return `${host.name} ran ${settings.failedVersion} as its first release, so there was nothing to put back: it runs ${settings.failedVersion} as the cancelled run left it`;
  const inTime = <T>(p: Promise<T>): Promise<T | typeof TIMED_OUT> =>
    Promise.race([p, sleep(Math.max(0, deadline - Date.now())).then((): typeof TIMED_OUT => TIMED_OUT)]);
  if ((await inTime(session.inFlight)) === TIMED_OUT)
    return fail('the step in progress did not end within the cancellation grace time');
  try {
    const done = await inTime(
      session.step('cancel-rollback', async () => {
        await host.releases.load(previous);
        // A plain up -d: the runner's grace time is too short to wait for a new container's health.
        await host.releases.up(previous, settings.services, 'recreate');
      }),
    );
    if (done === TIMED_OUT) return fail('compose up of the previous release did not finish in time');
    state.markRolledBack();
    session.log(`put back on ${previous} (cancelled run)`);
    return `${host.name} was put back on ${previous}`;
  } catch (error) {
    return fail(errorMessage(error));
  }
}
