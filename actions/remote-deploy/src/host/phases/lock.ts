import * as core from '@actions/core';
import { errorMessage, sleep } from '@deploy-kit/shared';
import { lock as lockCmd } from '../../commands';
import { StepFailed } from '../../model/errors';
import type { Host } from '../host';
import { decideHeldLock, ownerJson, parseLockAnswer, type LockOwner } from '../../model/lock-owner';

/** The deploy lock of one host: taken (waiting up to lock-timeout, taking over an expired one), released. */

/** How long to wait for another deploy's lock, and when a deploy-kit lock counts as abandoned. */
export interface LockSettings {
  lockTimeoutMs: number;
  lockExpiryMs: number;
}

function owner(host: Host, version: string): LockOwner {
  return {
    tool: 'deploy-kit',
    token: host.ctx.token,
    actor: host.ctx.actor,
    repository: host.ctx.repository,
    run: host.ctx.run,
    version,
    runner: host.ctx.runner,
    pid: process.pid,
    time: new Date().toISOString(),
  };
}

/** Take the lock, waiting up to lock-timeout; take over an expired deploy-kit lock with a warning. */
export async function takeLock(host: Host, version: string, settings: LockSettings): Promise<void> {
  await host.session.step('lock', () => acquire(host, version, settings));
}

async function acquire(
  host: Host,
  version: string,
  { lockExpiryMs, lockTimeoutMs }: LockSettings,
): Promise<void> {
  const { lockDir } = host.layout;
  const { session, state } = host;
  const me = ownerJson(owner(host, version));
  const started = Date.now();
  let announced = false;
  for (;;) {
    const r = await session
      .run('taking the deploy lock', lockCmd.acquire(lockDir, me), true)
      .catch((error) => {
        // The answer was lost (a dropped connection): the lock may be ours. The unlock removes it
        // only if its owner file carries this run's token.
        state.markLocked(true);
        throw error;
      });
    let answer: ReturnType<typeof parseLockAnswer>;
    try {
      answer = parseLockAnswer(r.stdout);
    } catch (error) {
      throw new StepFailed(`taking the deploy lock on ${host.name}: ${errorMessage(error)}`);
    }
    if (answer.acquired) {
      state.markLocked(true);
      session.log(`lock taken (${lockDir})`);
      return;
    }
    const waited = Date.now() - started;
    const decision = decideHeldLock(
      answer.owner,
      answer.ageSeconds,
      Math.round(lockExpiryMs / 1000),
      waited,
      lockTimeoutMs,
    );
    if (decision.action === 'take-over' && answer.owner) {
      core.warning(`${host.name}: taking over an expired deploy lock held by ${decision.holder}.`);
      const t = await session.run(
        'taking over the expired lock',
        lockCmd.takeOver(lockDir, me, answer.owner.token),
      );
      if (t.stdout.includes('ACQUIRED')) {
        state.markLocked(true);
        return;
      }
      continue;
    }
    if (decision.action === 'refuse')
      throw new StepFailed(
        `${host.name} is locked by ${decision.holder}; waited ${Math.round(waited / 1000)}s (lock-timeout). Wait for that deploy, or remove ${lockDir} on the host if it is stale`,
      );
    if (!announced) {
      session.log(`locked by ${decision.holder}; waiting up to ${Math.round(lockTimeoutMs / 1000)}s`);
      announced = true;
    }
    await sleep(Math.min(1000, Math.max(50, lockTimeoutMs - (Date.now() - started))));
    session.checkCancelled('waiting for the lock');
  }
}

/** Release the lock; the per-deploy docker config goes first (a failure or cancel between login and pull end). */
export async function unlock(host: Host): Promise<void> {
  await host.credentials.drop();
  await releaseLock(host);
}

/**
 * Release our lock; reconnects if the connection was lost, also when it drops during the unlock
 * itself (the command never sent, or its answer lost): one more try on a new connection, where
 * NOT-OURS then means the first try removed it. Never throws: it reports.
 */
export async function releaseLock(host: Host): Promise<void> {
  const { session, state } = host;
  if (!state.holdsLock) return;
  const release = lockCmd.release(host.layout.lockDir, host.ctx.token);
  try {
    await session.step('unlock', async () => {
      let retried = false;
      const r = await session.run('releasing the lock', release, true).catch(async (error: unknown) => {
        if (session.connected) throw error; // the command ran and failed: no second try
        session.log(`connection lost while releasing the lock (${errorMessage(error)}); trying again`);
        retried = true;
        return session.run('releasing the lock', release, true);
      });
      state.markLocked(false);
      if (!r.stdout.includes('RELEASED') && !retried)
        core.warning(`${host.name}: the lock was no longer ours when releasing it.`);
    });
  } catch (error) {
    core.warning(`${host.name}: could not release the deploy lock: ${errorMessage(error)}`);
  }
}
