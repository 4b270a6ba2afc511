import { formatElapsed, startProgress } from '@deploy-kit/shared';
import type { Host } from '../host/host';

/**
 * Progress on long work (README "Conventions"): while hosts pull images (up to command-timeout),
 * run migrations or wait for health (up to health-timeout), one line for the fleet at least every
 * 30 s, naming what each busy host is doing and for how long.
 */

/** What a host is doing during a step, in words. */
const ACTIVITY: Record<string, string> = {
  connect: 'connecting',
  lock: 'waiting for the deploy lock',
  prepare: 'checking the host',
  upload: 'uploading the release',
  login: 'logging in to the registry',
  pull: 'pulling images',
  load: 'loading images',
  static: 'running the static-command',
  backup: 'backing up the database',
  'pre-hook': 'running the pre-deploy command',
  migrate: 'running migrations',
  switch: 'starting the new release',
  health: 'waiting for health',
  'reload-health': 'waiting for health after the reloads',
  'post-hook': 'running the post-deploy command',
  rollback: 'rolling back',
  'rollback-health': 'waiting for health of the previous release',
};

/** Hosts named per activity before the rest are counted. */
const NAMED = 5;

/** One line: each activity with its hosts and the longest time one has spent in it; '' when idle. */
export function fleetActivity(hosts: readonly Host[], now: number = Date.now()): string {
  const byActivity = new Map<string, { names: string[]; longest: number }>();
  for (const host of hosts) {
    const current = host.session.current;
    if (!current) continue;
    const activity = ACTIVITY[current.name] ?? current.name;
    const entry = byActivity.get(activity) ?? { names: [], longest: 0 };
    entry.names.push(host.name);
    entry.longest = Math.max(entry.longest, now - current.start);
    byActivity.set(activity, entry);
  }
  const parts = [...byActivity].map(([activity, { names, longest }]) => {
    const more = names.length > NAMED ? ` and ${names.length - NAMED} more` : '';
    return `${activity} on ${names.slice(0, NAMED).join(', ')}${more} (${formatElapsed(longest)})`;
  });
  return parts.length === 0 ? '' : `still working: ${parts.join('; ')}`;
}

/** Print the fleet's activity every `everyMs` (default 30 s) until the returned stop is called. */
export function fleetProgress(hosts: readonly Host[], everyMs?: number): () => void {
  return startProgress(() => fleetActivity(hosts), { everyMs });
}
