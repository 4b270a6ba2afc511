import * as core from '@actions/core';
import { ToolError } from '@deploy-kit/shared';
import { HealthRed } from '../model/errors';
import type { HostRun } from '../host/host';
import type { Inputs } from '../inputs';
import { deployFailed, dryRunProblems, preparingFailed, rollbackOutcome } from '../messages';
import { computeBatches } from '../model/batches';
import { settleAll } from '@deploy-kit/shared';

/**
 * The fleet phases of a deploy, in order. Each takes every host's run, changes hosts only
 * through HostRun's methods, and says how the phase ended; remoteDeploy strings them together.
 */

/** Dry run: connect, probe and check images on every host; change nothing. */
export async function dryRun(inputs: Inputs, runs: readonly HostRun[]): Promise<Error | undefined> {
  await core.group('Dry run: check every host', async () => {
    await settleAll(runs, inputs.parallel, async (r) => {
      try {
        await r.connect();
        const facts = await r.probe('probe');
        if (facts.locked) r.log('the deploy lock is currently held');
        if (inputs.rollbackTo) await r.checkRollbackTarget();
        await r.checkImages(Object.values(inputs.images));
        const missing = r.imageStates.filter((l) => l.endsWith(' missing'));
        if (missing.length > 0 && inputs.transfer === 'registry')
          throw new ToolError(
            `image(s) not found locally or in their registry: ${missing.map((l) => l.split(' ')[0]).join(', ')}`,
          );
        r.markPlanned();
      } catch (error) {
        r.fail(error, 'problem');
      }
    });
  });
  const bad = runs.filter((r) => r.status === 'failed');
  return bad.length > 0 ? new ToolError(dryRunProblems(bad)) : undefined;
}

/** Phase 1: nothing changes on any host until every host is ready (connect, lock, upload, pull or load). */
export async function prepareAll(
  inputs: Inputs,
  runs: readonly HostRun[],
  archive: string | undefined,
  notes: string[],
): Promise<Error | undefined> {
  const prepared = await core.group('Prepare every host (connect, lock, upload, pull)', async () =>
    settleAll(runs, inputs.parallel, async (r) => {
      try {
        await r.connect();
        await r.lock();
        await r.probe(inputs.rollbackTo ? 'probe' : 'deploy');
        if (inputs.rollbackTo) await r.checkRollbackTarget();
        else await r.upload();
        if (archive) await r.load(archive);
        else {
          await r.login();
          await r.pull();
        }
        await r.collectStatic();
        r.markPrepared();
      } catch (error) {
        r.fail(error);
        throw error;
      }
    }),
  );
  const unprepared = runs.filter((_, i) => prepared[i]?.status === 'rejected');
  if (unprepared.length === 0) return undefined;
  for (const r of runs) r.markUntouched();
  notes.push('No host was changed: the deploy stopped before switching any host.');
  await settleAll(
    runs.filter((r) => r.holdsLock),
    inputs.parallel,
    (r) => r.record('failed', unprepared[0]?.error),
  );
  return new ToolError(preparingFailed(unprepared));
}

/** Phase 2: backup, pre hook and migrations once, on the first host, before any switch. */
export async function firstHostChanges(
  inputs: Inputs,
  runs: readonly HostRun[],
  notes: string[],
): Promise<Error | undefined> {
  const first = runs[0] as HostRun;
  try {
    await core.group(`Backup and migrations on ${first.name}`, async () => {
      await first.runBackup();
      await first.hook('pre-hook', inputs.preCommand, inputs.version);
      await first.migrate();
    });
  } catch (error) {
    first.fail(error, '');
    for (const r of runs) if (r !== first) r.markUntouched();
    notes.push('No host was switched: the deploy stopped before the switch.');
    if (first.migrated) notes.push(`Migrations ran on ${first.name} and are not reversed automatically.`);
    await settleAll(runs, inputs.parallel, (r) => r.record('failed', first.error));
    return first.failure;
  }
  if (first.migrated)
    notes.push(
      `Migrations ran on ${first.name} (${inputs.migrateCommand.join(' ')}); they are not reversed automatically.`,
    );
  return undefined;
}

/** Phase 3: rolling batches (switch, health gate, reloads, post hook); a failure stops the next batch. */
export async function switchBatches(inputs: Inputs, runs: readonly HostRun[]): Promise<boolean> {
  const batches = computeBatches(runs, inputs.batchSize);
  let failed = false;
  for (const [i, batch] of batches.entries()) {
    await core.group(
      `Switch batch ${i + 1}/${batches.length}: ${batch.map((r) => r.name).join(', ')}`,
      async () => {
        await settleAll(batch, inputs.parallel, async (r) => {
          try {
            await r.switchTo();
            const reloads = inputs.hupServices.length > 0 || inputs.nginxReload !== 'none';
            await r.health(inputs.version, 'health', !reloads);
            if (reloads) {
              await r.reload();
              await r.health(inputs.version, 'reload-health');
            }
            await r.hook('post-hook', inputs.postCommand, inputs.version);
            r.markDeployed();
          } catch (error) {
            r.fail(error);
            failed = true;
          }
        });
      },
    );
    if (failed) break;
  }
  return !failed;
}

/** Phase 4: every host that switched goes back; the failure says where each host stands. */
export async function rollbackFleet(
  inputs: Inputs,
  runs: readonly HostRun[],
  notes: string[],
): Promise<Error> {
  const switched = runs.filter((r) => r.switched);
  await core.group(`Roll back ${switched.length} host(s)`, async () => {
    await settleAll(switched, inputs.parallel, (r) => r.rollback());
  });
  for (const r of runs) r.markUntouched();
  const bad = runs.filter((r) => r.error);
  await settleAll(runs, inputs.parallel, (r) =>
    r.record(r.status === 'rolled-back' ? 'rolled-back' : 'failed', r.error ?? bad[0]?.error),
  );
  const rollbackText = rollbackOutcome(switched);
  notes.push(`Rollback: ${rollbackText}.`);
  const message = deployFailed(inputs.version, bad, rollbackText);
  return bad.some((r) => r.failure instanceof HealthRed)
    ? new HealthRed(message, [], { cause: bad.find((r) => r.failure instanceof HealthRed)?.failure })
    : new ToolError(message, { cause: bad[0]?.failure });
}
