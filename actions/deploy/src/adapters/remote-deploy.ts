import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import * as core from '@actions/core';
import { PolicyFailure, ToolError } from '@deploy-kit/shared';
import { HostRun, runContext } from '../../../remote-deploy/src/host';
import { type Inputs } from '../../../remote-deploy/src/inputs';
import { computeBatches, plannedSteps } from '../../../remote-deploy/src/plan';
import { settleAll } from '../../../remote-deploy/src/pool';
import { summaryMarkdown, type HostReport } from '../../../remote-deploy/src/summary';

/**
 * TEMPORARY ADAPTER (until branch `internals` delivers remoteDeploy() in
 * actions/remote-deploy/src/deploy.ts): remote-deploy's main.ts as a function with the shared
 * contract's signature — the same steps, returning the outputs and the summary instead of writing
 * them. Delete this file when deploy.ts is merged.
 */
export interface RemoteDeployResult {
  version: string;
  previousVersion: string;
  outcome: string;
  results: unknown[];
  summary: string;
  failure?: Error;
}

/** The adapter's cancel handler exits the process itself (as main.ts does); it never returns a cancelled run. */
export function isCancelled(failure: Error | undefined): boolean {
  void failure;
  return false;
}

/**
 * remote-deploy, in the order the README describes:
 *   1. parse inputs (secrets masked first);
 *   2. on every host (bounded pool): connect with a verified host key, take the
 *      lock, check the host, upload the release, log in, pull (or load);
 *      any failure here stops the deploy before any host changes;
 *   3. on the first host: pre-deploy backup, pre hook, migrations (one-off container of the new image);
 *   4. batch by batch: switch (`up -d`), health gate, reloads (nginx -t, SIGHUP, nginx reload) and
 *      the health gate again, post hook; a failure stops the next batch and every host that
 *      switched goes back to its previous release (itself health-checked, reloaded again if needed);
 *   5. record the outcome in each host's release log, release the locks (also on SIGINT/SIGTERM);
 *   6. outputs (version, previous-version, results) and the job summary.
 */
export async function remoteDeploy(inputs: Inputs): Promise<RemoteDeployResult> {
  const ctx = runContext();
  const runs = inputs.hosts.map((h) => new HostRun(h, inputs, ctx));
  const cancellation = cancelOnSignal(runs);
  const notes: string[] = [];
  let outcome = '';
  let failure: Error | undefined;
  try {
    if (inputs.dryRun) {
      await dryRun(inputs, runs);
      outcome = runs.every((r) => r.status === 'planned')
        ? 'dry run: every host is ready'
        : 'dry run: problems found';
      const bad = runs.filter((r) => r.status === 'failed');
      if (bad.length > 0)
        failure = new ToolError(
          `dry run found problems on ${bad.map((r) => `${r.name} (${r.error})`).join('; ')}`,
        );
    } else {
      failure = await deploy(inputs, runs, notes);
      outcome = failure
        ? `failed: ${failure.message}`
        : `${inputs.version} deployed to ${runs.length} host(s)`;
    }
  } finally {
    // Cancelled: the signal handler rolls back, unlocks and exits; nothing here may race it.
    const cancelled = cancellation.pending();
    if (cancelled) await cancelled;
    await core.group('Release locks', async () => {
      await settleAll(runs, inputs.parallel, (r) => r.unlock());
    });
    cancellation.stop();
    for (const r of runs) r.close();
  }

  const reports: HostReport[] = runs.map((r) => ({
    host: r.name,
    status: r.status,
    previous: r.previous,
    version: inputs.version,
    migrated: r.migrated,
    backup: r.backup,
    error: r.error,
    rollbackError: r.rollbackError,
    steps: r.steps,
  }));
  const outputs = {
    version: failure ? (runs.find((r) => r.previous)?.previous ?? '') : inputs.version,
    'previous-version': runs.find((r) => r.previous)?.previous ?? '',
    results: reports.map(({ steps, ...rest }) => {
      const t0 = steps.length > 0 ? Math.min(...steps.map((s) => s.start)) : 0;
      return {
        ...rest,
        durationMs: steps.length > 0 ? Math.max(...steps.map((s) => s.end)) - t0 : 0,
        // Offsets from the host's first step, so a slow host or step can be found from the output alone.
        steps: steps.map((s) => ({ name: s.name, atMs: s.start - t0, ms: s.end - s.start, ok: s.ok })),
      };
    }),
  };
  const plan = inputs.dryRun
    ? plannedSteps({
        rollbackTo: !!inputs.rollbackTo,
        login: !!inputs.registry,
        transfer: inputs.transfer,
        backup: inputs.backup !== 'none',
        migrate: inputs.migrateCommand.length > 0,
        static: inputs.staticCommand.length > 0,
        preHook: inputs.preCommand.trim() !== '',
        postHook: inputs.postCommand.trim() !== '',
        health: inputs.healthcheck === 'compose' || inputs.healthUrl !== '',
        hup: inputs.hupServices.length > 0,
        nginx: inputs.nginxReload !== 'none',
      })
    : undefined;
  const summary = summaryMarkdown({
    version: inputs.version,
    dryRun: inputs.dryRun,
    rollbackTo: !!inputs.rollbackTo,
    outcome,
    reports,
    plan,
    notes,
  });
  return {
    version: outputs.version,
    previousVersion: outputs['previous-version'],
    outcome,
    results: outputs.results,
    summary,
    failure,
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function dryRun(inputs: Inputs, runs: HostRun[]): Promise<void> {
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
        r.status = 'planned';
      } catch (error) {
        r.status = 'failed';
        r.error = describe(error);
        r.log(`problem: ${r.error}`);
      }
    });
  });
}

/** Returns the failure (if any) after doing all the reporting; the caller releases locks. */
async function deploy(inputs: Inputs, runs: HostRun[], notes: string[]): Promise<Error | undefined> {
  const archive = inputs.transfer === 'ssh' && !inputs.rollbackTo ? await saveImages(inputs) : undefined;

  // Phase 1: nothing changes on any host until every host is ready.
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
        r.status = 'prepared';
      } catch (error) {
        r.status = 'failed';
        r.error = describe(error);
        r.log(`failed: ${r.error}`);
        throw error;
      }
    }),
  );
  const unprepared = runs.filter((_, i) => prepared[i]?.status === 'rejected');
  if (unprepared.length > 0) {
    for (const r of runs) if (r.status === 'prepared') r.status = 'pending';
    notes.push('No host was changed: the deploy stopped before switching any host.');
    await settleAll(
      runs.filter((r) => r.holdsLock),
      inputs.parallel,
      (r) => r.record('failed', unprepared[0]?.error),
    );
    return firstError(unprepared, 'preparing');
  }

  // Phase 2: backup and migrations once, on the first host, before any switch.
  const first = runs[0] as HostRun;
  try {
    await core.group(`Backup and migrations on ${first.name}`, async () => {
      await first.runBackup();
      await first.hook('pre-hook', inputs.preCommand, inputs.version);
      await first.migrate();
    });
  } catch (error) {
    first.status = 'failed';
    first.error = describe(error);
    for (const r of runs) if (r !== first) r.status = 'pending';
    notes.push('No host was switched: the deploy stopped before the switch.');
    if (first.migrated) notes.push(`Migrations ran on ${first.name} and are not reversed automatically.`);
    await settleAll(runs, inputs.parallel, (r) => r.record('failed', first.error));
    return error as Error;
  }
  if (first.migrated)
    notes.push(
      `Migrations ran on ${first.name} (${inputs.migrateCommand.join(' ')}); they are not reversed automatically.`,
    );

  // Phase 3: rolling batches; a failure stops the next batch.
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
            r.status = 'deployed';
          } catch (error) {
            r.status = 'failed';
            r.error = describe(error);
            r.log(`failed: ${r.error}`);
            failed = true;
          }
        });
      },
    );
    if (failed) break;
  }

  if (!failed) {
    await settleAll(runs, inputs.parallel, (r) => r.record(inputs.rollbackTo ? 'rollback-to' : 'deployed'));
    return undefined;
  }

  // Phase 4: every host that switched goes back.
  const switched = runs.filter((r) => r.switched);
  await core.group(`Roll back ${switched.length} host(s)`, async () => {
    await settleAll(switched, inputs.parallel, (r) => r.rollback());
  });
  for (const r of runs) if (!r.switched && r.status === 'prepared') r.status = 'pending';
  const bad = runs.filter((r) => r.error);
  await settleAll(runs, inputs.parallel, (r) =>
    r.record(r.status === 'rolled-back' ? 'rolled-back' : 'failed', r.error ?? bad[0]?.error),
  );
  const rolledBack = switched.filter((r) => r.status === 'rolled-back');
  const notRolled = switched.filter((r) => r.status !== 'rolled-back');
  const rollbackText =
    switched.length === 0
      ? 'no host had switched'
      : notRolled.length === 0
        ? `rolled back ${rolledBack.map((r) => `${r.name} to ${r.previous}`).join(', ')} (healthy)`
        : `ROLLBACK FAILED on ${notRolled.map((r) => `${r.name} (${r.rollbackError})`).join('; ')}${rolledBack.length ? `; rolled back ${rolledBack.map((r) => r.name).join(', ')}` : ''}`;
  notes.push(`Rollback: ${rollbackText}.`);
  const cause = bad[0]?.error ?? 'unknown error';
  const message = `deploy of ${inputs.version} failed on ${bad.map((r) => r.name).join(', ')}: ${cause}; ${rollbackText}`;
  return bad.some((r) => /health check red/.test(r.error ?? ''))
    ? new PolicyFailure(message)
    : new ToolError(message);
}

function firstError(runs: HostRun[], what: string): Error {
  const text = runs.map((r) => `${r.name}: ${r.error}`).join('; ');
  return new ToolError(`${what} failed on ${runs.length} host(s), nothing was changed: ${text}`);
}

/** no-registry mode: one gzip'd `docker save` on the runner, streamed to every host. */
async function saveImages(inputs: Inputs): Promise<string> {
  const images = [...new Set(Object.values(inputs.images))];
  if (images.length === 0) throw new ToolError(`image-transfer: ssh needs 'images' to know what to send`);
  const dir = fs.mkdtempSync(path.join(process.env.RUNNER_TEMP || os.tmpdir(), 'remote-deploy-'));
  const file = path.join(dir, 'images.tar.gz');
  await core.group(`Save ${images.join(', ')} on the runner`, async () => {
    const child = spawn('docker', ['save', ...images], { stdio: ['ignore', 'pipe', 'pipe'] });
    const stderr: Buffer[] = [];
    child.stderr.on('data', (c: Buffer) => stderr.push(c));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    child.on('error', () => undefined);
    await pipeline(child.stdout, createGzip({ level: 1 }), fs.createWriteStream(file, { mode: 0o600 }));
    const code = await exited;
    if (code !== 0)
      throw new ToolError(
        `docker save ${images.join(' ')} failed on the runner (exit ${code}): ${Buffer.concat(stderr).toString().trim()}`,
      );
    core.info(`${Math.round(fs.statSync(file).size / 1024)} KiB to send to each host`);
  });
  return file;
}

/**
 * The runner cancels a job with SIGINT, then SIGTERM 7.5 s later, then kills the process tree
 * 2.5 s after that. In that time: stop starting steps, put every host that switched back on its
 * previous release (without the health gate: no time), release our locks, and exit with one
 * sentence saying where each host stands.
 */
const CANCEL_ROLLBACK_MS = 7_000;
const CANCEL_UNLOCK_MS = 9_000;

interface Cancellation {
  stop(): void;
  /** Resolves never once a signal arrived (the handler exits the process); undefined before. */
  pending(): Promise<never> | undefined;
}

function cancelOnSignal(runs: HostRun[]): Cancellation {
  let handling: Promise<never> | undefined;
  const handler = (signal: NodeJS.Signals): void => {
    if (handling) return; // the runner's SIGTERM after its SIGINT: already on it
    const started = Date.now();
    core.warning(
      `Received ${signal}: stopping, putting switched hosts back on their previous release, releasing deploy locks.`,
    );
    for (const r of runs) r.cancel();
    const switched = runs.filter((r) => r.switched);
    const within = (ms: number, p: Promise<unknown>): Promise<unknown> =>
      Promise.race([
        p,
        new Promise((resolve) => setTimeout(resolve, Math.max(0, started + ms - Date.now())).unref()),
      ]);
    handling = (async (): Promise<never> => {
      const rolled = await Promise.all(switched.map((r) => r.rollbackOnCancel(started + CANCEL_ROLLBACK_MS)));
      const held = runs.filter((r) => r.holdsLock);
      await within(CANCEL_UNLOCK_MS, Promise.all(held.map((r) => r.unlock())));
      const stillHeld = held.filter((r) => r.holdsLock);
      const hosts =
        switched.length === 0
          ? 'no host had switched'
          : `${rolled.join(', ')} (compose up -d, not health-checked: a cancelled job has 10 s)`;
      const released = held.filter((r) => !r.holdsLock);
      const locks =
        `released the deploy lock on ${released.map((r) => r.name).join(', ') || 'no host'}` +
        (stillHeld.length > 0 ? `; could not release it on ${stillHeld.map((r) => r.name).join(', ')}` : '');
      const undone = switched.some((r) => r.status !== 'rolled-back');
      core.setFailed(
        `Cancelled by ${signal}; ${hosts}; ${locks}${undone ? '. Deploy again, or use rollback-to' : ''}.`,
      );
      process.exit(1);
    })();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    stop: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
    pending: () => handling,
  };
}
