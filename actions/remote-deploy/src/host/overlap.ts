import { rollout } from '../commands';
import { base } from '../commands/compose';
import type { SwitchSettings } from '../model/strategy';
import type { HostReleases } from './releases';
import type { HostSession } from './session';

/** The serving services this `up` starts (all of them when `services` is empty). */
export function overlapped(settings: SwitchSettings, services: readonly string[]): string[] {
  if (settings.strategy !== 'zero-downtime') return [];
  return settings.serveServices.filter((s) => services.length === 0 || services.includes(s));
}

/**
 * Zero-downtime, per host: the new containers of the serving services start beside the old ones
 * and must turn healthy (a failure here leaves the old ones serving, untouched), then the old ones
 * are stopped with their grace period. The caller's plain `up -d` then replaces the rest. A
 * serving service with nothing running on the host gets a plain `up -d` from the start script
 * itself (nothing to overlap: a first deploy, an app that is down, a restore's stopped writers).
 */
export async function overlapServices(
  session: HostSession,
  releases: HostReleases,
  version: string,
  services: readonly string[],
  settings: SwitchSettings,
): Promise<void> {
  const serve = overlapped(settings, services);
  if (serve.length === 0) return;
  const where = { dir: releases.dir(version), host: session.spec.host, version };
  const project = releases.project(version);
  const started = await session.run(
    `starting the new ${serve.join(', ')} of ${version} beside the old`,
    rollout.start(
      where,
      project.project,
      base(project),
      serve,
      Math.max(1, Math.ceil(settings.healthTimeoutMs / 1000)),
      settings.settleSeconds,
      settings.stopGraceSeconds,
    ),
  );
  const plain = rollout.plainUp(started.stdout);
  if (plain.length > 0)
    session.log(`nothing of ${plain.join(', ')} was running to overlap: started with a plain up -d`);
  const overlappedNow = serve.filter((s) => !plain.includes(s));
  const old = rollout.oldContainers(started.stdout);
  if (overlappedNow.length === 0) return;
  session.log(`new ${overlappedNow.join(', ')} healthy; stopping ${old.length} old container(s) gracefully`);
  await session.run(
    `stopping the old ${serve.join(', ')}`,
    rollout.finish(where, settings.stopGraceSeconds, old),
    true,
  );
}
