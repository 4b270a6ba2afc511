import { InputError } from '@deploy-kit/shared';
import { healthchecks as commands } from '../../commands';
import { base } from '../../commands/compose';
import type { ServiceHealthcheck } from '../../commands/healthchecks';
import type { SwitchSettings } from '../../model/strategy';
import { overlapped } from '../overlap';
import type { Host } from '../host';

/**
 * zero-downtime, before anything changes (after the pull, before migrations and any container
 * change): every serving service that will overlap on this host (a container of it is running)
 * needs a healthcheck, in the compose files or in its image, or the switch could only fail at the
 * end, after migrations. A sentence naming the service and the two fixes otherwise.
 */
export async function checkHealthchecks(
  host: Host,
  version: string,
  settings: { switching: SwitchSettings; services: readonly string[] },
): Promise<void> {
  const serve = overlapped(settings.switching, settings.services);
  if (serve.length === 0) return;
  const { session, releases } = host;
  await session.step('healthchecks', async () => {
    const where = { dir: releases.dir(version), host: session.spec.host, version };
    const project = releases.project(version);
    const r = await session.run(
      'reading the healthchecks of the serving services',
      commands.healthchecks(where, project.project, base(project), serve),
      true,
    );
    const found = commands.parseHealthchecks(r.stdout);
    for (const f of found) session.log(describe(f));
    const missing = found.find((f) => problem(f) !== '');
    if (missing) throw new InputError(problem(missing));
  });
}

/** The sentence that stops the deploy for this service, or '' when it can overlap (or need not). */
export function problem(f: ServiceHealthcheck): string {
  if (!f.running) return '';
  const fixes = `add a healthcheck to ${f.service} (in the compose file or its image), or set 'strategy: recreate'`;
  if (f.compose === 'disabled')
    return `'strategy: zero-downtime' cannot switch ${f.service} without a gap: its healthcheck is disabled in the compose file, so nothing says when its new container is ready; ${fixes}`;
  if (f.compose === 'defined' || f.image === 'defined' || f.image === 'unknown') return '';
  return `'strategy: zero-downtime' cannot switch ${f.service} without a gap: it has no healthcheck, neither in the compose file nor in its image ${f.imageName || '(none named)'}${f.image === 'disabled' ? ' (HEALTHCHECK NONE)' : ''}, so nothing says when its new container is ready; ${fixes}`;
}

function describe(f: ServiceHealthcheck): string {
  if (!f.running) return `${f.service}: nothing running, started with a plain up -d (no overlap)`;
  const from = f.compose === 'defined' ? 'the compose file' : f.image === 'defined' ? `its image` : '';
  return `${f.service}: healthcheck ${from ? `from ${from}` : f.image === 'unknown' ? 'of its image unknown (checked at the switch)' : 'missing'}`;
}
