import * as core from '@actions/core';
import { lock, probe, release } from '../../../actions/remote-deploy/src/commands';
import { HealthRed, remoteDeploy } from '../../../actions/remote-deploy/src/deploy';
import { schemaBeforeRollback } from '../../../actions/remote-deploy/src/fleet/migrations';
import { rollbackOnCancel } from '../../../actions/remote-deploy/src/host/phases/rollback';
import { Host } from '../../../actions/remote-deploy/src/host/host';
import { firstRelease, rollbackOutcome } from '../../../actions/remote-deploy/src/messages';
import type { MigrationRecord } from '../../../actions/remote-deploy/src/model/migrations';
import { context, fakeHosts, HEALTHY, inputs, type Call } from './fake-shell';

/**
 * A deploy that fails on a host's FIRST release (nothing ran there before it): there is nothing
 * to roll back to, which is said plainly with what the host runs now; it is not a failed rollback
 * (no "ROLLBACK FAILED", status not rollback-failed, so the one-step deploy records no rollback).
 */

beforeEach(() => {
  for (const f of ['info', 'warning', 'startGroup', 'endGroup'] as const)
    jest.spyOn(core, f).mockImplementation(() => undefined);
});
afterEach(() => jest.restoreAllMocks());

const NEW_HOST = 'previous=\nrelease_exists=no\ncompose=v2\nfree_kb=1048576\nlocked=no\n';
const OLD_HOST = 'previous=1.0\nrelease_exists=yes\ncompose=v2\nfree_kb=1048576\nlocked=no\n';
const RED = '/app-web-1 exited none web\n';

/** h1.. answer as new hosts (or on 1.0 when named in `onOld`); `health` gives the container states. */
function fleet(health: (host: string, version: string) => string, onOld: readonly string[] = []) {
  const current = new Map<string, string>();
  return fakeHosts((c: Call) => {
    if (c.kind !== 'script') return '';
    if (c.script === probe.PREPARE) return onOld.includes(c.host) ? OLD_HOST : NEW_HOST;
    if (c.script === lock.LOCK) return 'ACQUIRED\n';
    if (c.script === lock.UNLOCK) return 'RELEASED\n';
    if (c.script === release.READ_FILES) return 'compose.yml\n';
    if (c.script === release.SWITCH_LINK) current.set(c.host, c.args[1] ?? '');
    if (c.script === probe.CONTAINER_STATES) return health(c.host, current.get(c.host) ?? '1.0');
    return '';
  });
}

async function deploy(
  names: string[],
  health: (host: string, version: string) => string,
  onOld: string[] = [],
) {
  const hosts = fleet(health, onOld);
  return remoteDeploy(inputs({}, names), { openShell: hosts.open, context, signals: () => () => undefined });
}

test('a first deploy whose start fails: one plain sentence, no ROLLBACK FAILED, the host stays failed', async () => {
  const result = await deploy(['h1'], () => RED);
  expect(result.failure).toBeInstanceOf(HealthRed);
  expect(result.failure?.message).toBe(
    "deploy of 2.0 failed on h1: health check red on h1: /app-web-1 exited none; 2.0 was h1's first release, so there is nothing to roll back to: h1 still runs 2.0 as its failed start left it; fix the release and deploy again",
  );
  expect(result.failure?.message).not.toMatch(/ROLLBACK FAILED|no previous release/);
  expect(result.results.hosts).toEqual([
    expect.objectContaining({ host: 'h1', status: 'failed', previous: '' }),
  ]);
  expect(result.results.hosts[0]).not.toHaveProperty('rollbackError', expect.anything());
  expect(result.summary).not.toMatch(/ROLLBACK FAILED|rollback-failed/);
});

test('a mixed fleet: h1 rolls back to 1.0, h2 (new) and h3 (new, healthy in an earlier batch) say what they run', async () => {
  const result = await deploy(
    ['h1', 'h3', 'h2'],
    (host, version) => (host === 'h2' && version === '2.0' ? RED : HEALTHY),
    ['h1'],
  );
  expect(result.failure?.message).toBe(
    "deploy of 2.0 failed on h2: health check red on h2: /app-web-1 exited none; rolled back h1 to 1.0 (healthy); 2.0 was h2's first release, so there is nothing to roll back to: h2 still runs 2.0 as its failed start left it; fix the release and deploy again; 2.0 was h3's first release too, so h3 keeps running it (healthy there)",
  );
});

test('the sentences themselves', () => {
  const line = (name: string, status: string, previous = '') => ({ name, status, previous });
  expect(firstRelease('2.0', [line('a', 'failed'), line('b', 'failed')])).toBe(
    '2.0 was the first release of a, b, so there is nothing to roll back to: a, b still run 2.0 as its failed start left it; fix the release and deploy again',
  );
  expect(rollbackOutcome('2.0', [])).toBe('no host had switched');
  expect(
    rollbackOutcome('2.0', [
      { ...line('a', 'rollback-failed', '1.0'), rollbackError: 'health check red on a' },
    ]),
  ).toBe('ROLLBACK FAILED on a (health check red on a)');
});

test('cancelled during a first deploy: the phrase says there was nothing to put back, not "could NOT be rolled back"', async () => {
  const hosts = fleet(() => HEALTHY);
  const host = new Host(inputs().hosts[0]!, inputs(), context, hosts.open);
  const phrase = await rollbackOnCancel(host, { failedVersion: '2.0', services: [] }, Date.now() + 1000);
  expect(phrase).toBe(
    'h1 ran 2.0 as its first release, so there was nothing to put back: it runs 2.0 as the cancelled run left it',
  );
  expect(host.state.status).not.toBe('rollback-failed');
  host.close();
});

test("the migrations of a first release are kept, said as the first release's (results.migrations.rollback)", async () => {
  const plan = { before: {}, after: {}, plan: [] } as unknown as MigrationRecord;
  const first = {
    state: { previous: '', migrations: plan },
    session: { steps: [{ name: 'migrate' }] },
  } as unknown as Host;
  const notes: string[] = [];
  await expect(
    schemaBeforeRollback(inputs({ onIrreversible: 'restore' }), [first], [first], notes),
  ).resolves.toEqual({
    rollback: true,
  });
  expect(plan.rollback).toBe('kept (the first release: nothing to roll back to)');
  expect(notes).toEqual([]);
});
