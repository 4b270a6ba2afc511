import { sleep } from '@deploy-kit/shared';
import { execSucceeded, describeExit } from '@deploy-kit/shared/ssh';
import { probe } from '../commands';
import { HealthRed } from '../model/errors';
import type { HostCore } from './core';

/**
 * The health gate: every container running and healthy (if it has a healthcheck) and the URL
 * answering (with the expected text), or HealthRed after health-timeout. A stopped container
 * fails at once; `unhealthy` may still turn healthy (a slow probe on a busy host).
 */

/** One poll of the containers: problems (empty = all fine), or a HealthRed that will not get better. */
export function containerProblems(
  stdout: string,
  services: readonly string[],
  project: string,
  host: string,
): string[] {
  const lines = stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .filter((l) => l === 'NO-CONTAINERS' || services.length === 0 || services.includes(l.split(' ')[3] ?? ''))
    .map((l) => l.split(' ').slice(0, 3).join(' '));
  if (lines[0] === 'NO-CONTAINERS')
    throw new HealthRed(`no containers are running for ${project} on ${host}`);
  // A stopped container will not come back by itself: fail at once.
  const dead = lines.filter((l) => / (exited|dead) /.test(l));
  if (dead.length > 0) throw new HealthRed(`health check red on ${host}: ${dead.join(', ')}`);
  return lines.filter((l) => !/ running (healthy|none)$/.test(l));
}

/** The text health-expect asks for when checking `version` in step `stepName` ('' = any answer). */
export function expectedText(raw: string, version: string, stepName: string): string {
  // {version} names the release being checked; a fixed expectation belongs to the new
  // release, so when checking a rollback only a {version} expectation still applies.
  return stepName.startsWith('rollback-') && !raw.includes('{version}')
    ? ''
    : raw.replace(/\{version\}/g, version);
}

/**
 * Wait until `version` is healthy on the host, or throw HealthRed. `expect: false` skips
 * health-expect: before a reload the running processes still serve what they loaded, so only
 * the check after the reload can ask for the new release's text.
 */
export async function healthGate(
  host: HostCore,
  version: string,
  stepName = 'health',
  expect = true,
): Promise<void> {
  const { healthUrl, healthTimeoutMs, healthcheck, services } = host.inputs;
  const healthExpect = expectedText(expect ? host.inputs.healthExpect : '', version, stepName);
  if (healthcheck === 'none' && healthUrl === '') return;
  await host.step(stepName, async () => {
    const deadline = Date.now() + healthTimeoutMs;
    const url = healthUrl.replace(/\{host\}/g, host.spec.host).replace(/\{version\}/g, version);
    let last = '';
    for (;;) {
      let containersOk = true;
      if (healthcheck === 'compose') {
        const r = await host.run(
          'reading container health',
          probe.containerStates(host.spec.projectName),
          true,
        );
        const bad = containerProblems(r.stdout, services, host.spec.projectName, host.name);
        containersOk = bad.length === 0;
        last = bad.join(', ');
      }
      let httpOk = true;
      if (containersOk && url !== '') {
        const get = probe.httpGet(url);
        const r = await (
          await host.shell()
        ).script(get.script, get.args, {
          timeoutMs: 15_000,
          maxOutputBytes: 64 * 1024,
        });
        httpOk = execSucceeded(r) && (healthExpect === '' || r.stdout.includes(healthExpect));
        last = execSucceeded(r)
          ? `${url} answered without '${healthExpect}'`
          : `${url}: ${host.tail(r, 2) || describeExit(r)}`;
      }
      if (containersOk && httpOk) {
        host.log(`healthy (${version})`);
        return;
      }
      if (Date.now() >= deadline)
        throw new HealthRed(
          `health check red on ${host.name} after ${Math.round(healthTimeoutMs / 1000)}s (health-timeout): ${last || 'not ready'}`,
        );
      await sleep(Math.min(1000, Math.max(0, deadline - Date.now())));
      host.checkCancelled('the health gate');
    }
  });
}
