import { compose } from '../../commands';
import { djangoPlan, djangoReverse, reverseOrder } from '../../commands/migrations';
import { StepFailed } from '../../model/errors';
import { findDeployed } from '../../model/release-log';
import {
  describePlan,
  MARKER,
  parsePlan,
  reverseTargets,
  type MigrationPlan,
  type MigrationState,
} from '../../model/migrations';
import type { Host } from '../host';
import { readLog } from './prepare';

/** Where the framework's commands run: a one-off container of `service`, and manage.py's prefix. */
export interface MigrationSettings {
  /** `python3 manage.py` (from migrate-command). */
  manage: readonly string[];
  migrateService: string;
  hostNetworkServices: readonly string[];
}

/** Run a Django program in a one-off container of `version`'s image; its output. */
async function inOneOff(
  host: Host,
  version: string,
  settings: MigrationSettings,
  what: string,
  command: readonly string[],
): Promise<string> {
  const { migrateService: service, hostNetworkServices } = settings;
  const argv = compose.oneOff(
    host.releases.project(version),
    service,
    command,
    hostNetworkServices.includes(service),
  );
  const r = await host.session.run(what, host.releases.inRelease(version, argv), true);
  return r.stdout;
}

/**
 * Before anything changes: ask the new release's image for the plan (state before, state after,
 * the migrations to apply and which of their operations cannot be reversed); log it.
 */
export async function planMigrations(
  host: Host,
  version: string,
  settings: MigrationSettings,
): Promise<MigrationPlan> {
  return host.session.step('migrate-plan', async () => {
    const out = await inOneOff(host, version, settings, 'the migration plan', djangoPlan(settings.manage));
    let plan: MigrationPlan;
    try {
      plan = parsePlan(out);
    } catch (error) {
      throw new StepFailed(`the migration plan on ${host.name}: ${(error as Error).message}`);
    }
    host.session.log(`migration plan of ${version}:\n  ${describePlan(plan).join('\n  ')}`);
    return plan;
  });
}

/**
 * Migrate back to the state before (`plan.before`) with `version`'s image (it has the files of
 * the migrations to unapply). Returns the migrations unapplied, as app.name.
 */
export async function reverseMigrations(
  host: Host,
  version: string,
  settings: MigrationSettings,
  plan: Pick<MigrationPlan, 'before' | 'after' | 'plan'>,
  step = 'migrate-back',
): Promise<string[]> {
  const targets = reverseOrder(plan.plan, reverseTargets(plan));
  if (targets.length === 0) return [];
  return host.session.step(step, async () => {
    await host.releases.load(version);
    const out = await inOneOff(
      host,
      version,
      settings,
      'reversing migrations',
      djangoReverse(settings.manage, targets),
    );
    const line = out.split('\n').find((l) => l.startsWith(MARKER));
    const reversed = line
      ? ((JSON.parse(line.slice(MARKER.length)) as { reversed: string[] }).reversed ?? [])
      : [];
    host.session.log(`migrations reversed with ${version}'s image: ${reversed.join(', ') || 'none'}`);
    return reversed;
  });
}

/** rollback-to: the migration state the target release ran with, from the release log. */
export async function recordedState(host: Host, version: string): Promise<MigrationState | undefined> {
  const records = await readLog(host);
  return findDeployed(
    records.filter((r) => r.migrations),
    version,
  )?.migrations?.after;
}
