import * as core from '@actions/core';
import { InputError, settleAll, ToolError } from '@deploy-kit/shared';
import { hostLine, type Host } from '../host/host';
import { checkImages } from '../host/phases/images';
import { checkRollbackTarget, connect, probeHost } from '../host/phases/prepare';
import { record } from '../host/phases/release';
import { rollbackHost } from '../host/phases/rollback';
import type { Inputs } from '../inputs';
import { deployFailed, dryRunProblems, preparingFailed, rollbackOutcome } from '../messages';
import { computeBatches } from '../model/batches';
import { HealthRed } from '../model/errors';
import type { ReleaseRecord } from '../model/release-log';
import { schemaBeforeRollback } from './migrations';
import { runStage, type DeployRun } from './plan';

/**
 * The fleet phases of a deploy, in order. Each runs its stage of the phase table (fleet/plan.ts)
 * on the hosts it concerns and says how the stage ended; remoteDeploy strings them together.
 */

/** Every host records the outcome in its release log. */
export async function recordAll(
  inputs: Inputs,
  hosts: readonly Host[],
  outcome: (host: Host) => ReleaseRecord['outcome'],
  detail?: (host: Host) => string | undefined,
): Promise<void> {
  // The plan ran once, on the first host; every host's log records it.
  const migrations = hosts.find((h) => h.state.migrations)?.state.migrations;
  for (const h of hosts) h.state.migrations ??= migrations;
  await settleAll(hosts, inputs.parallel, (h) =>
    record(h, outcome(h), { version: inputs.version, images: inputs.images, detail: detail?.(h) }),
  );
}

/** Dry run: connect, probe and check images on every host; change nothing. */
export async function dryRun(inputs: Inputs, hosts: readonly Host[]): Promise<Error | undefined> {
  await core.group('Dry run: check every host', async () => {
    await settleAll(hosts, inputs.parallel, async (h) => {
      try {
        await connect(h);
        const facts = await probeHost(h, inputs.version, 'probe');
        if (facts.locked) h.session.log('the deploy lock is currently held');
        if (inputs.rollbackTo) await checkRollbackTarget(h, inputs.version);
        await checkImages(h, Object.values(inputs.images));
        const missing = h.state.imageStates.filter((l) => l.endsWith(' missing'));
        if (missing.length > 0 && inputs.transfer === 'registry')
          throw new ToolError(
            `image(s) not found locally or in their registry: ${missing.map((l) => l.split(' ')[0]).join(', ')}`,
          );
        h.state.markPlanned();
      } catch (error) {
        h.fail(error, 'problem');
      }
    });
  });
  const bad = hosts.filter((h) => h.state.status === 'failed');
  return bad.length > 0 ? new ToolError(dryRunProblems(bad.map(hostLine))) : undefined;
}

/** Phase 1: nothing changes on any host until every host is ready (connect, lock, upload, pull or load). */
export async function prepareAll(
  run: DeployRun,
  hosts: readonly Host[],
  notes: string[],
): Promise<Error | undefined> {
  const { inputs } = run;
  const prepared = await core.group('Prepare every host (connect, lock, upload, pull)', async () =>
    settleAll(hosts, inputs.parallel, async (h) => {
      try {
        await runStage('prepare', h, run);
        h.state.markPrepared();
      } catch (error) {
        h.fail(error);
        throw error;
      }
    }),
  );
  const unprepared = hosts.filter((_, i) => prepared[i]?.status === 'rejected');
  if (unprepared.length === 0) return undefined;
  for (const h of hosts) h.state.markUntouched();
  notes.push('No host was changed: the deploy stopped before switching any host.');
  const locked = hosts.filter((h) => h.state.holdsLock);
  await recordAll(
    inputs,
    locked,
    () => 'failed',
    () => unprepared[0]?.state.error,
  );
  // A compose file the strategy cannot switch (no healthcheck) is the user's input, like the runner's checks.
  const input = unprepared.every((h) => h.state.failure instanceof InputError);
  const sentence = preparingFailed(unprepared.map(hostLine));
  return input ? new InputError(sentence) : new ToolError(sentence);
}

/** Phase 2: backup, pre hook and migrations once, on the first host, before any switch. */
export async function firstHostChanges(
  run: DeployRun,
  hosts: readonly Host[],
  notes: string[],
): Promise<Error | undefined> {
  const { inputs } = run;
  const first = hosts[0] as Host;
  try {
    await core.group(`Backup and migrations on ${first.name}`, () => runStage('first-host', first, run));
  } catch (error) {
    first.fail(error, '');
    for (const h of hosts) if (h !== first) h.state.markUntouched();
    notes.push('No host was switched: the deploy stopped before the switch.');
    // A migrate that failed part-way: the schema goes back like a rollback's (fleet/migrations.ts).
    await schemaBeforeRollback(inputs, hosts, [], notes);
    await recordAll(
      inputs,
      hosts,
      () => 'failed',
      () => first.state.error,
    );
    return first.state.failure;
  }
  if (first.state.migrated)
    notes.push(
      `Migrations ran on ${first.name} (${inputs.migrateCommand.join(' ')})${inputs.migratePlan ? '; a rollback puts the schema back (on-irreversible: ' + inputs.onIrreversible + ')' : '; without migrate-plan they are not reversed automatically'}.`,
    );
  return undefined;
}

/** Phase 3: rolling batches (switch, health gate, reloads, post hook); a failure stops the next batch. */
export async function switchBatches(run: DeployRun, hosts: readonly Host[]): Promise<boolean> {
  const { inputs } = run;
  const batches = computeBatches(hosts, inputs.maxUnavailable);
  let failed = false;
  for (const [i, batch] of batches.entries()) {
    const title = `Switch batch ${i + 1}/${batches.length}: ${batch.map((h) => h.name).join(', ')}`;
    await core.group(title, async () => {
      await settleAll(batch, inputs.parallel, async (h) => {
        try {
          await runStage('switch', h, run);
          h.state.markDeployed();
        } catch (error) {
          h.fail(error);
          failed = true;
        }
      });
    });
    if (failed) break;
  }
  return !failed;
}

/** Phase 4: every host that switched goes back; the failure says where each host stands. */
export async function rollbackFleet(inputs: Inputs, hosts: readonly Host[], notes: string[]): Promise<Error> {
  const switched = hosts.filter((h) => h.state.switched);
  // Rolling too: at most max-unavailable hosts go back at once, each health-checked before the next.
  await core.group(`Roll back ${switched.length} host(s)`, async () => {
    for (const batch of computeBatches(switched, inputs.maxUnavailable))
      await settleAll(batch, inputs.parallel, (h) =>
        rollbackHost(h, { ...inputs, failedVersion: inputs.version }),
      );
  });
  for (const h of hosts) h.state.markUntouched();
  const bad = hosts.filter((h) => h.state.error);
  await recordAll(
    inputs,
    hosts,
    (h) => (h.state.status === 'rolled-back' ? 'rolled-back' : 'failed'),
    (h) => h.state.error ?? bad[0]?.state.error,
  );
  const rollbackText = rollbackOutcome(inputs.version, switched.map(hostLine));
  notes.push(`Rollback: ${rollbackText}.`);
  const message = deployFailed(inputs.version, bad.map(hostLine), rollbackText);
  const red = bad.find((h) => h.state.failure instanceof HealthRed);
  return red
    ? new HealthRed(message, [], { cause: red.state.failure })
    : new ToolError(message, { cause: bad[0]?.state.failure });
}
