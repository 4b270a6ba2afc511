import { sleep } from '@deploy-kit/shared';
import { describeExit, execSucceeded } from '@deploy-kit/shared/ssh';
import { probe } from '../../commands';
import { HealthRed } from '../../model/errors';
import { containerProblems, expectedText } from '../../model/health';
import type { Host } from '../host';

/**
 * The health gate: every container running and healthy (if it has a healthcheck) and the URL
 * answering (with the expected text), or HealthRed after health-timeout. A stopped container
 * fails at once; `unhealthy` may still turn healthy (a slow probe on a busy host).
 */

export interface HealthSettings {
  healthcheck: 'compose' | 'none';
  healthUrl: string;
  healthExpect: string;
  healthTimeoutMs: number;
  services: readonly string[];
}

/** Whether there is a health gate at all. */
export function hasHealthGate(settings: Pick<HealthSettings, 'healthcheck' | 'healthUrl'>): boolean {
  return settings.healthcheck === 'compose' || settings.healthUrl !== '';
}

/** One look at the host: '' when healthy, else what is not (HealthRed when it will not get better). */
async function pollOnce(host: Host, settings: HealthSettings, url: string, expect: string): Promise<string> {
  const { session } = host;
  if (settings.healthcheck === 'compose') {
    const r = await session.run(
      'reading container health',
      probe.containerStates(host.spec.projectName),
      true,
    );
    const bad = containerProblems(r.stdout, settings.services, host.spec.projectName, host.name);
    if (bad.length > 0) return bad.join(', ');
  }
  if (url === '') return '';
  const get = probe.httpGet(url);
  const r = await (
    await session.shell()
  ).script(get.script, get.args, { timeoutMs: 15_000, maxOutputBytes: 64 * 1024 });
  if (execSucceeded(r) && (expect === '' || r.stdout.includes(expect))) return '';
  return execSucceeded(r)
    ? `${url} answered without '${expect}'`
    : `${url}: ${session.tail(r, 2) || describeExit(r)}`;
}

/**
 * Wait until `version` is healthy on the host, or throw HealthRed. `expect: false` skips
 * health-expect: before a reload the running processes still serve what they loaded, so only
 * the check after the reload can ask for the new release's text.
 */
export async function healthGate(
  host: Host,
  version: string,
  settings: HealthSettings,
  stepName = 'health',
  expect = true,
): Promise<void> {
  if (!hasHealthGate(settings)) return;
  const { healthUrl, healthTimeoutMs } = settings;
  const expected = expectedText(expect ? settings.healthExpect : '', version, stepName);
  await host.session.step(stepName, async () => {
    const deadline = Date.now() + healthTimeoutMs;
    const url = healthUrl.replace(/\{host\}/g, host.spec.host).replace(/\{version\}/g, version);
    for (;;) {
      const problem = await pollOnce(host, settings, url, expected);
      if (problem === '') {
        host.session.log(`healthy (${version})`);
        return;
      }
      if (Date.now() >= deadline)
        throw new HealthRed(
          `health check red on ${host.name} after ${Math.round(healthTimeoutMs / 1000)}s (health-timeout): ${problem || 'not ready'}`,
        );
      await sleep(Math.min(1000, Math.max(0, deadline - Date.now())));
      host.session.checkCancelled('the health gate');
    }
  });
}
