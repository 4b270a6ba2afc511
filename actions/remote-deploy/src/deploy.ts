import * as core from '@actions/core';
import {
  errorMessage,
  failureMessage,
  isActionError,
  redactDeep,
  redactSecrets,
  registerSecrets,
  settleAll,
  statusOf,
  ToolError,
  type ActionError,
  type SignalSource,
} from '@deploy-kit/shared';
import { cancelOnSignal } from './fleet/cancel';
import { fleetProgress } from './fleet/progress';
import { Cancelled } from './model/errors';
import { Host } from './host/host';
import { unlock } from './host/phases/lock';
import type { OpenShell } from './host/remote-shell';
import { runContext, type RunContext } from './model/run-context';
import type { Inputs } from './inputs';
import { deployOutcome } from './messages';
import {
  dryRun,
  firstHostChanges,
  prepareAll,
  recordAll,
  rollbackFleet,
  switchBatches,
} from './fleet/phases';
import { plannedSteps, usesArchive } from './fleet/plan';
import {
  hostReport,
  hostResults,
  summaryMarkdown,
  type HostReport,
  type Outputs,
  type RemoteDeployResults,
} from './summary';
import { saveImages } from './fleet/transfer';
import { maintenance } from './fleet/maintenance';
import { notRolledBack, schemaBeforeRollback } from './fleet/migrations';
import { migrationLines } from './model/migrations';

export { Cancelled, HealthRed, StepFailed } from './model/errors';
export type { Outputs, RemoteDeployResults, HostResult } from './summary';

export interface RemoteDeployOptions {
  /**
   * The runner's cancel signals (the action's context.signals): on the first, switched hosts go
   * back to their previous release and locks are released within the runner's grace time.
   */
  signals: SignalSource;
  /** The run's identity for lock owner files and release records (default: from GITHUB_* variables). */
  context?: RunContext;
  /** How a host's shell is opened (default: ssh2 with the host-key check); tests pass a fake. */
  openShell?: OpenShell;
  /** How often the fleet's progress line is printed (default 30 s); tests pass a short one. */
  progressEveryMs?: number;
}

export interface RemoteDeployResult {
  /** What the hosts run now: the new version, or the previous one when the deploy failed. */
  version: string;
  previousVersion: string;
  outcome: string;
  /** The `results` output: the envelope ({status, failure?}), the versions and every host. */
  results: RemoteDeployResults;
  /** Every output by its action.yml name (version, previous-version, results). */
  outputs: Outputs;
  /** The job summary, markdown. */
  summary: string;
  /** HealthRed (policy) | StepFailed | Cancelled | ToolError (tool); undefined when the deploy succeeded. */
  failure?: ActionError;
}

/**
 * remote-deploy, in the order the README describes:
 *   1. on every host (bounded pool): connect with a verified host key, take the lock, check the
 *      host, upload the release, log in, pull (or load); any failure here stops the deploy before
 *      any host changes;
 *   2. on the first host: pre-deploy backup, pre hook, migrations (one-off container of the new image);
 *   3. batch by batch: switch (`up -d`), health gate, reloads (nginx -t, SIGHUP, nginx reload) and
 *      the health gate again, post hook; a failure stops the next batch and every host that
 *      switched goes back to its previous release (itself health-checked, reloaded again if needed);
 *   4. record the outcome in each host's release log, release the locks (also on a runner cancel:
 *      switched hosts go back, locks are released, and the result's failure is a Cancelled);
 *   5. the result: versions, per-host results and the job summary. Nothing here fails the step,
 *      reads INPUT_* or exits: the caller decides.
 */
export async function remoteDeploy(
  inputs: Inputs,
  options: RemoteDeployOptions,
): Promise<RemoteDeployResult> {
  // Masked before anything prints (the runner edge masks the secret inputs; the env file's too).
  registerSecrets(inputs.secretValues);
  const ctx = options.context ?? runContext();
  const runs = inputs.hosts.map((h) => new Host(h, inputs, ctx, options.openShell));
  const cancellation = cancelOnSignal(runs, options.signals, {
    failedVersion: inputs.version,
    services: inputs.services,
  });
  const notes: string[] = [];
  const stopProgress = fleetProgress(runs, options.progressEveryMs);
  let failure: ActionError | undefined;
  try {
    // Anything thrown is this deploy's failure too: the locks below are released all the same.
    const work = (
      inputs.dryRun
        ? dryRun(inputs, runs)
        : inputs.backupOnly || inputs.restoreBackup
          ? maintenance(inputs, runs, notes)
          : deploy(inputs, runs, notes)
    ).then((error) => (error === undefined ? undefined : asActionError(error)), asActionError);
    // A cancel resolves first: the steps still running stop at their next check (or when the
    // connections close below), their outcome no longer matters.
    failure = await Promise.race([work, cancellation.cancelled]);
    if (!(failure instanceof Cancelled)) {
      const cancelled = cancellation.pending();
      if (cancelled) failure = await cancelled;
      else {
        await core.group('Release locks', async () => {
          await settleAll(runs, inputs.parallel, (r) => unlock(r));
        });
        // A signal during the unlocks: its handler unlocks too, and says where the hosts stand.
        const late = cancellation.pending();
        if (late) failure = await late;
      }
    }
  } finally {
    stopProgress();
    cancellation.stop();
    for (const r of runs) r.close();
  }

  return report(inputs, runs, notes, failure);
}

function asActionError(error: unknown): ActionError {
  return isActionError(error) ? error : new ToolError(errorMessage(error), { cause: error });
}

/** The result: versions, outputs (redacted) and the job summary. */
function report(
  inputs: Inputs,
  runs: readonly Host[],
  notes: string[],
  failure: ActionError | undefined,
): RemoteDeployResult {
  const reports: HostReport[] = runs.map((r) => hostReport(r, inputs.version));
  const outcome = inputs.dryRun
    ? runs.every((r) => r.state.status === 'planned')
      ? 'dry run: every host is ready'
      : 'dry run: problems found'
    : failure instanceof Cancelled
      ? `cancelled: ${failure.message}`
      : (inputs.backupOnly || inputs.restoreBackup) && !failure
        ? `${inputs.version}: done on ${runs[0]?.name ?? 'no host'}, nothing deployed`
        : deployOutcome(inputs.version, runs.length, failure);
  const previousVersion = runs.find((r) => r.state.previous)?.state.previous ?? '';
  const migrations = runs.find((r) => r.state.migrations)?.state.migrations;
  const version = failure || inputs.backupOnly || inputs.restoreBackup ? previousVersion : inputs.version;
  // Outputs and the summary are never masked by the runner: redacted here, for every caller
  // (the entry and the root action), with the shared mask registry and JSON-escaped forms.
  const results: RemoteDeployResults = redactDeep({
    status: statusOf(failure, failure instanceof Cancelled),
    ...(failure ? { failure: failureMessage(failure) } : {}),
    version,
    previousVersion,
    outcome,
    dryRun: inputs.dryRun,
    ...(migrations ? { migrations } : {}),
    hosts: hostResults(reports),
  });
  return {
    version,
    previousVersion,
    outcome,
    results,
    outputs: { version, 'previous-version': previousVersion, results },
    summary: redactSecrets(
      summaryMarkdown({
        version: inputs.version,
        dryRun: inputs.dryRun,
        rollbackTo: !!inputs.rollbackTo,
        outcome,
        reports,
        plan: inputs.dryRun ? plannedSteps(inputs) : undefined,
        notes,
        migrations: migrations && migrationLines(migrations),
      }),
    ),
    failure,
  };
}

/** Returns the failure (if any) after doing all the reporting; the caller releases locks. */
async function deploy(inputs: Inputs, hosts: Host[], notes: string[]): Promise<Error | undefined> {
  const run = { inputs, archive: usesArchive(inputs) ? await saveImages(inputs) : undefined };
  notes.push(...(inputs.switching.notes ?? []));
  const unprepared = await prepareAll(run, hosts, notes);
  if (unprepared) return unprepared;
  const notSwitched = await firstHostChanges(run, hosts, notes);
  if (notSwitched) return notSwitched;
  if (await switchBatches(run, hosts)) {
    await recordAll(inputs, hosts, () => (inputs.rollbackTo ? 'rollback-to' : 'deployed'));
    return undefined;
  }
  const switched = hosts.filter((h) => h.state.switched);
  const schema = await schemaBeforeRollback(inputs, hosts, switched, notes);
  if (!schema.rollback) {
    await recordAll(
      inputs,
      hosts,
      () => 'failed',
      (h) => h.state.error,
    );
    return notRolledBack(inputs, hosts, schema.why);
  }
  return rollbackFleet(inputs, hosts, notes);
}
