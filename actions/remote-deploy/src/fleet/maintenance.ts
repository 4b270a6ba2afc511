import * as core from '@actions/core';
import { settleAll, ToolError } from '@deploy-kit/shared';
import { hostLine, type Host } from '../host/host';
import { backupHost } from '../host/phases/backup';
import { healthGate } from '../host/phases/health';
import { takeLock } from '../host/phases/lock';
import { connect, probeHost } from '../host/phases/prepare';
import { restoreBackup, stopWriters } from '../host/phases/restore';
import { verifyBackup } from '../host/phases/verify';
import type { Inputs } from '../inputs';
import { preparingFailed } from '../messages';
import { recordAll } from './phases';

/**
 * Work on the database without deploying, under the deploy lock of every host:
 *   backup-only     the backup (and backup-verify, retention) of the release serving now, on the
 *                   first host: `<time>-scheduled-<release>.sql.gz`
 *   restore-backup  a named dump of <project-dir>/backups: verified first (backup-verify), then
 *                   the app's writers are stopped on every host, the dump restored on the first,
 *                   and the serving release started again (and health-checked) everywhere.
 * Nothing is uploaded, pulled or switched.
 */
export async function maintenance(
  inputs: Inputs,
  hosts: readonly Host[],
  notes: string[],
): Promise<Error | undefined> {
  const ready = await core.group('Connect and lock every host', () =>
    settleAll(hosts, inputs.parallel, async (h) => {
      try {
        await connect(h);
        await takeLock(h, inputs.version, inputs);
        await probeHost(h, inputs.version, 'probe');
        if (!h.state.previous)
          throw new ToolError(`nothing is deployed on ${h.name}: no release to back up or restore`);
      } catch (error) {
        h.fail(error);
        throw error;
      }
    }),
  );
  const bad = hosts.filter((_, i) => ready[i]?.status === 'rejected');
  if (bad.length > 0) return new ToolError(preparingFailed(bad.map(hostLine)));
  const first = hosts[0] as Host;
  const current = first.state.previous;
  try {
    if (inputs.restoreBackup) await restoreNamed(inputs, hosts, inputs.restoreBackup, notes);
    else {
      await core.group(`Backup of ${current} on ${first.name}`, () =>
        backupHost(first, current, inputs, 'scheduled'),
      );
      notes.push(`Backup of the database of ${current}: ${first.state.backup ?? 'none'}.`);
    }
    for (const h of hosts) h.state.markDeployed();
  } catch (error) {
    first.fail(error);
    return first.state.failure;
  } finally {
    await recordAll({ ...inputs, version: current }, hosts, (h) =>
      h.state.status === 'failed' ? 'failed' : inputs.restoreBackup ? 'restored' : 'backup',
    );
  }
  return undefined;
}

/** restore-backup: verify, stop the writers everywhere, restore, start the serving release again. */
async function restoreNamed(
  inputs: Inputs,
  hosts: readonly Host[],
  id: string,
  notes: string[],
): Promise<void> {
  const first = hosts[0] as Host;
  const current = first.state.previous;
  const file = `${first.layout.backupsDir}/${id}`;
  await core.group(`Restore ${id} on ${first.name}`, async () => {
    await verifyBackup(first, current, file, inputs, false);
    await everyHost(inputs, hosts, (h) => stopWriters(h, h.state.previous, inputs.backupService));
    const started = new Date().toISOString();
    await restoreBackup(first, current, file, inputs);
    notes.push(
      `Database restored from ${id} at ${started}: every write since that dump was taken is gone. The app's writers were stopped on every host during the restore.`,
    );
  });
  await core.group('Start the serving release again', () =>
    everyHost(inputs, hosts, async (h) => {
      // The writers were stopped for the restore: nothing of the serving services runs, so the
      // switch's start gives them a plain up -d (commands/rollout.ts), whatever the strategy.
      await h.session.step('restart', () => h.releases.up(h.state.previous, inputs.services));
      await healthGate(h, h.state.previous, inputs);
    }),
  );
}

/** Run on every host (bounded); the first failure is thrown once all have ended. */
async function everyHost(
  inputs: Inputs,
  hosts: readonly Host[],
  fn: (h: Host) => Promise<void>,
): Promise<void> {
  const settled = await settleAll(hosts, inputs.parallel, fn);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}
