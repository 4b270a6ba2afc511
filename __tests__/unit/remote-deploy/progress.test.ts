import * as core from '@actions/core';
import { noSignals } from '@deploy-kit/shared';
import { lock, probe, release } from '../../../actions/remote-deploy/src/commands';
import { remoteDeploy } from '../../../actions/remote-deploy/src/deploy';
import { fleetActivity } from '../../../actions/remote-deploy/src/fleet/progress';
import { Host } from '../../../actions/remote-deploy/src/host/host';
import { context, FACTS, fakeHosts, HEALTHY, hostSpec, inputs, type Call } from './fake-shell';

/**
 * Long work says it is alive: while hosts pull, migrate or wait for health, a fleet line with
 * the elapsed time comes every interval (30 s on a runner; 20 ms here). The fake hosts hold each
 * slow step until its progress line has been printed, so the line is proven, not timed.
 */

let lines: string[];
let waiters: { pattern: RegExp; resolve: () => void }[];
beforeEach(() => {
  lines = [];
  waiters = [];
  jest.spyOn(core, 'info').mockImplementation((line) => {
    lines.push(String(line));
    for (const w of waiters.filter((x) => x.pattern.test(String(line)))) w.resolve();
  });
  jest.spyOn(core, 'warning').mockImplementation(() => undefined);
  jest.spyOn(core, 'startGroup').mockImplementation(() => undefined);
  jest.spyOn(core, 'endGroup').mockImplementation(() => undefined);
});
afterEach(() => jest.restoreAllMocks());

/** Resolves once a progress line matching `pattern` was printed. */
function printed(pattern: RegExp): Promise<void> {
  if (lines.some((l) => pattern.test(l))) return Promise.resolve();
  return new Promise((resolve) => waiters.push({ pattern, resolve }));
}

test('pull, migrations and the health wait each print a fleet line with elapsed time', async () => {
  let healthy = false;
  const hosts = fakeHosts(async (c: Call) => {
    if (c.kind === 'exec' && c.argv.includes('pull')) {
      await printed(/^still working: pulling images on h1, h2 \(\d+s\) \(\d+s elapsed\)$/);
      return '';
    }
    if (c.kind !== 'script') return '';
    if (c.script === probe.PREPARE) return FACTS;
    if (c.script === lock.LOCK) return 'ACQUIRED\n';
    if (c.script === lock.UNLOCK) return 'RELEASED\n';
    if (c.script === release.IN_DIR && c.args.includes('run')) {
      await printed(/^still working: running migrations on h1 /);
      return '';
    }
    if (c.script === probe.CONTAINER_STATES) {
      // Unhealthy until the wait has been reported: the gate polls again a second later.
      if (!healthy) void printed(/waiting for health on h\d/).then(() => (healthy = true));
      return healthy ? HEALTHY : '/app-web-1 running starting web\n';
    }
    return '';
  });
  const result = await remoteDeploy(
    inputs({ images: { web: 'reg/app:2.0' }, migrateCommand: ['migrate'], healthTimeoutMs: 60_000 }, [
      'h1',
      'h2',
    ]),
    { openShell: hosts.open, context, signals: noSignals, progressEveryMs: 20 },
  );
  expect(result.failure).toBeUndefined();
  const progress = lines.filter((l) => l.startsWith('still working: '));
  expect(progress.some((l) => /pulling images on h1, h2/.test(l))).toBe(true);
  expect(progress.some((l) => /running migrations on h1 \(\d+s\)/.test(l))).toBe(true);
  expect(progress.some((l) => /waiting for health on h[12]/.test(l))).toBe(true);
  expect(progress.every((l) => / \(\d+(m\d+)?s elapsed\)$/.test(l))).toBe(true);
});

test('nothing is printed when no host is busy, and the line stops with the deploy', async () => {
  const hosts = fakeHosts((c: Call) => {
    if (c.kind !== 'script') return '';
    if (c.script === probe.PREPARE) return FACTS;
    if (c.script === lock.LOCK) return 'ACQUIRED\n';
    if (c.script === lock.UNLOCK) return 'RELEASED\n';
    if (c.script === probe.CONTAINER_STATES) return HEALTHY;
    return '';
  });
  await remoteDeploy(inputs({}, ['h1']), {
    openShell: hosts.open,
    context,
    signals: noSignals,
    progressEveryMs: 60_000,
  });
  expect(lines.filter((l) => l.startsWith('still working: '))).toEqual([]);
});

test('a large fleet: hosts grouped by what they do, five named, the longest time shown', () => {
  const open = fakeHosts(() => '').open;
  const fleet = Array.from({ length: 8 }, (_, i) => new Host(hostSpec(`h${i + 1}`), inputs(), context, open));
  fleet.forEach((h, i) => {
    if (i < 7) h.session.current = { name: 'pull', start: 1_000 * i };
  });
  fleet[7]!.session.current = { name: 'health', start: 50_000 };
  expect(fleetActivity(fleet, 95_000)).toBe(
    'still working: pulling images on h1, h2, h3, h4, h5 and 2 more (1m35s); waiting for health on h8 (45s)',
  );
  for (const h of fleet) h.session.current = undefined;
  expect(fleetActivity(fleet, 95_000)).toBe('');
});
