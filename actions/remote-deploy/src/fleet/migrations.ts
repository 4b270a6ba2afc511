import { errorMessage, settleAll, ToolError } from '@deploy-kit/shared';
import { HealthRed } from '../model/errors';
import type { Host } from '../host/host';
import { planMigrations, recordedState, reverseMigrations } from '../host/phases/migrations';
import { backupTime, restoreBackup, stopWriters } from '../host/phases/restore';
import type { Inputs } from '../inputs';
import {
  describeChanges,
  irreversibleMigrations,
  reverseTargets,
  rollbackSchema,
  type MigrationRecord,
} from '../model/migrations';

/**
 * The schema side of a deploy: the plan before the switch, and what a rollback does about the
 * migrations the failed release applied (reverse them, restore the backup, stop, or keep the
 * schema), always on the first host, where the migrations ran, before the previous release starts.
 */

/** The first-host row before the backup: the plan, kept on the host for the release log. */
export async function planRow(host: Host, inputs: Inputs): Promise<void> {
  if (!inputs.migratePlan) return;
  host.state.migrations = await planMigrations(host, inputs.version, settings(inputs));
}

function settings(inputs: Inputs) {
  return {
    manage: inputs.migratePlan?.manage ?? [],
    migrateService: inputs.migrateService,
    hostNetworkServices: inputs.hostNetworkServices,
  };
}

/**
 * rollback-to: migrate back to the state the target release ran with (recorded in the release
 * log when it was deployed), with the image of the release serving now, before the switch.
 */
export async function migrateBackRow(host: Host, inputs: Inputs): Promise<void> {
  if (!inputs.migratePlan) return;
  const current = host.state.previous;
  const target = await recordedState(host, inputs.version);
  if (!current || !target) {
    host.session.log(`no recorded migration state for ${inputs.version}: the schema is left as it is`);
    return;
  }
  await host.releases.load(current);
  const now = await planMigrations(host, current, settings(inputs));
  const back = { before: target, after: now.before, plan: [] };
  const reversed = await reverseMigrations(host, current, settings(inputs), back);
  host.state.migrations = {
    before: now.before,
    after: target,
    plan: [],
    rollback: `reversed with ${current}'s image: ${reversed.join(', ') || 'nothing to reverse'}`,
  };
}

/** What the rollback should do once the schema is handled: go back, or stop with this failure. */
export type SchemaOutcome = { rollback: true } | { rollback: false; why: string };

/**
 * Before the `switched` hosts go back (or after a failed migrate, with none switched): do what
 * on-irreversible says about the migrations the failed release applied. Says what it did in `notes`.
 */
export async function schemaBeforeRollback(
  inputs: Inputs,
  hosts: readonly Host[],
  switched: readonly Host[],
  notes: string[],
): Promise<SchemaOutcome> {
  const first = hosts[0] as Host;
  const plan = first.state.migrations;
  const ran = first.session.steps.some((s) => s.name === 'migrate');
  if (!plan || !ran || inputs.rollbackTo) return { rollback: true };
  // A first deploy has no previous code to protect: its schema stays (reversing would drop it).
  if (!hosts.some((h) => h.state.previous)) {
    plan.rollback = 'kept (the first release: nothing to roll back to)';
    return { rollback: true };
  }
  const version = inputs.version;
  const choice = rollbackSchema(plan, inputs.onIrreversible);
  const irreversible = irreversibleMigrations(plan).join(', ');
  const changes = describeChanges(plan).join('; ');
  const say = (rollback: string, note: string): void => {
    plan.rollback = rollback;
    notes.push(note);
  };
  try {
    if (choice === 'nothing') return { rollback: true };
    if (choice === 'reverse') {
      const reversed = await reverseMigrations(first, version, settings(inputs), plan);
      say(
        `reversed: ${reversed.join(', ')}`,
        `Migrations reversed before the rollback, with ${version}'s image: ${reversed.join(', ')} (${changes}).`,
      );
    } else if (choice === 'keep-schema') {
      say(
        'kept (on-irreversible: keep-schema)',
        `on-irreversible: keep-schema: only the code is rolled back; the schema stays at ${version}'s (${changes}; irreversible: ${irreversible}).`,
      );
    } else if (choice === 'stop') {
      const why = `${version} applied irreversible migration(s) ${irreversible}, and on-irreversible is stop: nothing was rolled back, ${version} stays live on ${switched.map((h) => h.name).join(', ') || 'no host'}`;
      say('stopped (on-irreversible: stop)', `Not rolled back: ${why}.`);
      return { rollback: false, why };
    } else await restore(inputs, first, switched, plan, say);
  } catch (error) {
    plan.rollback = `failed: ${errorMessage(error)}`;
    notes.push(
      `The schema could NOT be put back (${errorMessage(error)}): the previous release runs on ${version}'s schema.`,
    );
  }
  return { rollback: true };
}

/** on-irreversible: restore: stop the writers, restore the pre-deploy dump, say which writes are lost. */
async function restore(
  inputs: Inputs,
  first: Host,
  switched: readonly Host[],
  plan: MigrationRecord,
  say: (rollback: string, note: string) => void,
): Promise<void> {
  const file = first.state.backup;
  if (!file) throw new Error('on-irreversible: restore, but this deploy made no backup to restore');
  await settleAll(switched, inputs.parallel, (h) => stopWriters(h, inputs.version, inputs.backupService));
  await restoreBackup(first, inputs.version, file, inputs);
  const from = backupTime(file) ?? 'the backup';
  const window = `writes between ${from} (the pre-deploy backup) and ${new Date().toISOString()} (the restore) are lost`;
  say(
    `restored ${file}; ${window}`,
    `Database restored from ${file} (irreversible: ${irreversibleMigrations(plan).join(', ')}): ${window}.`,
  );
}

/** on-irreversible: stop: no host goes back; the failure names the irreversible migrations. */
export function notRolledBack(inputs: Inputs, hosts: readonly Host[], why: string): Error {
  for (const h of hosts) h.state.markUntouched();
  const bad = hosts.find((h) => h.state.error);
  const message = `${inputs.version} failed on ${bad?.name ?? 'a host'} (${bad?.state.error ?? 'unknown'}); ${why}.`;
  return bad?.state.failure instanceof HealthRed
    ? new HealthRed(message, [], { cause: bad.state.failure })
    : new ToolError(message, { cause: bad?.state.failure });
}

/**
 * A cancel leaves no time to migrate back (the runner kills the job 10 s after its SIGINT): say
 * so, and how to put the schema back, when this run applied migrations.
 */
export function migrationsOnCancel(hosts: readonly Host[], version: string): string {
  const first = hosts[0];
  const plan = first?.state.migrations;
  if (!first?.state.migrated || !plan || Object.keys(reverseTargets(plan)).length === 0) return '';
  plan.rollback = 'not reversed (cancelled)';
  const previous = first.state.previous;
  return ` The migrations of ${version} (${describeChanges(plan).join('; ')}) were NOT reversed (no time within the cancellation grace)${previous ? `: run rollback-to: ${previous}, which migrates back` : ''}.`;
}
