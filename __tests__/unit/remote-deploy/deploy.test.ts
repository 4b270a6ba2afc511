import * as core from '@actions/core';
import { ToolError } from '@deploy-kit/shared';
import { lock, probe, release } from '../../../actions/remote-deploy/src/commands';
import { Cancelled, HealthRed, remoteDeploy } from '../../../actions/remote-deploy/src/deploy';
import type { Inputs } from '../../../actions/remote-deploy/src/inputs';
import { context, FACTS, fakeHosts, HEALTHY, inputs, type Call } from './fake-shell';

/** remoteDeploy() end to end over fake hosts: the result object the entry and the root action rely on. */

beforeEach(() => {
  jest.spyOn(core, 'info').mockImplementation(() => undefined);
  jest.spyOn(core, 'warning').mockImplementation(() => undefined);
  jest.spyOn(core, 'startGroup').mockImplementation(() => undefined);
  jest.spyOn(core, 'endGroup').mockImplementation(() => undefined);
});
afterEach(() => jest.restoreAllMocks());

/** Fake hosts on 1.0; `health(host, version)` gives the container states a health poll sees. */
function fleet(health: (host: string, version: string) => string) {
  const current = new Map<string, string>();
  return fakeHosts((c: Call) => {
    if (c.kind !== 'script') return '';
    if (c.script === probe.PREPARE) return FACTS;
    if (c.script === lock.LOCK) return 'ACQUIRED\n';
    if (c.script === lock.UNLOCK) return 'RELEASED\n';
    if (c.script === release.READ_FILES) return 'compose.yml\n';
    if (c.script === release.SWITCH_LINK) current.set(c.host, c.args[1] ?? '');
    if (c.script === probe.CONTAINER_STATES) return health(c.host, current.get(c.host) ?? '1.0');
    return '';
  });
}

const noSignals = () => () => undefined;

async function deploy(overrides: Partial<Inputs>, health: (host: string, version: string) => string) {
  const hosts = fleet(health);
  const result = await remoteDeploy(inputs(overrides, ['h1', 'h2']), {
    openShell: hosts.open,
    context,
    signals: noSignals,
  });
  return { result, calls: hosts.calls };
}

test('success on two hosts: versions, one result per host, locks released, a summary', async () => {
  const { result, calls } = await deploy({}, () => HEALTHY);
  expect(result.failure).toBeUndefined();
  expect(result).toMatchObject({
    version: '2.0',
    previousVersion: '1.0',
    outcome: '2.0 deployed to 2 host(s)',
  });
  expect(result.results).toMatchObject({ status: 'passed', version: '2.0', previousVersion: '1.0' });
  expect(result.results.failure).toBeUndefined();
  expect(result.results.hosts).toEqual([
    expect.objectContaining({ host: 'h1', status: 'deployed', previous: '1.0', version: '2.0' }),
    expect.objectContaining({ host: 'h2', status: 'deployed' }),
  ]);
  expect(result.outputs).toEqual({ version: '2.0', 'previous-version': '1.0', results: result.results });
  expect(calls.filter((c) => c.kind === 'script' && c.script === lock.UNLOCK)).toHaveLength(2);
  expect(result.summary).toMatch(/^## remote-deploy 2\.0\n/);
});

test('health red on one host: a HealthRed failure, every switched host back on 1.0', async () => {
  const { result } = await deploy({}, (host, version) =>
    host === 'h2' && version === '2.0' ? '/app-web-1 exited none web\n' : HEALTHY,
  );
  expect(result.failure).toBeInstanceOf(HealthRed);
  expect(result.failure?.message).toBe(
    'deploy of 2.0 failed on h2: health check red on h2: /app-web-1 exited none; rolled back h1 to 1.0, h2 to 1.0 (healthy)',
  );
  expect(result.version).toBe('1.0');
  expect(result.results).toMatchObject({
    status: 'failed',
    failure: `Policy failed: ${result.failure?.message}.`,
    version: '1.0',
  });
  expect(result.results.hosts).toEqual([
    expect.objectContaining({ host: 'h1', status: 'rolled-back' }),
    expect.objectContaining({ host: 'h2', status: 'rolled-back' }),
  ]);
});

test('a host that cannot be prepared: a ToolError (not HealthRed), nothing switched', async () => {
  const hosts = fakeHosts((c) => {
    if (c.kind === 'upload' && c.host === 'h2')
      throw new ToolError('SFTP open failed on h2: Permission denied');
    if (c.kind === 'script' && c.script === probe.PREPARE) return FACTS;
    if (c.kind === 'script' && c.script === lock.LOCK) return 'ACQUIRED\n';
    return '';
  });
  const result = await remoteDeploy(inputs({}, ['h1', 'h2']), {
    openShell: hosts.open,
    context,
    signals: noSignals,
  });
  expect(result.failure).toBeInstanceOf(ToolError);
  expect(result.failure).not.toBeInstanceOf(HealthRed);
  expect(result.results.status).toBe('could-not-run');
  expect(result.failure?.message).toBe(
    'preparing failed on 1 host(s), nothing was changed: h2: SFTP open failed on h2: Permission denied',
  );
  expect(hosts.calls.some((c) => c.kind === 'script' && c.script === release.SWITCH_LINK)).toBe(false);
});

test('a runner cancel after the switch: resolves with Cancelled, hosts put back, locks released', async () => {
  let fire: (signal: NodeJS.Signals) => void = () => undefined;
  let unsubscribed = false;
  const signals = (handler: (signal: NodeJS.Signals) => void) => {
    fire = handler;
    return () => void (unsubscribed = true);
  };
  const current = new Map<string, string>();
  const hosts = fakeHosts((c: Call) => {
    if (c.kind !== 'script') return '';
    if (c.script === probe.PREPARE) return FACTS;
    if (c.script === lock.LOCK) return 'ACQUIRED\n';
    if (c.script === lock.UNLOCK) return 'RELEASED\n';
    if (c.script === release.READ_FILES) return 'compose.yml\n';
    if (c.script === release.SWITCH_LINK) {
      current.set(c.host, c.args[1] ?? '');
      // The runner cancels once the first host has switched to 2.0.
      if (c.args[1] === '2.0') fire('SIGINT');
    }
    if (c.script === probe.CONTAINER_STATES) return HEALTHY;
    return '';
  });
  const result = await remoteDeploy(inputs({ maxUnavailable: { count: 1 } }, ['h1', 'h2']), {
    openShell: hosts.open,
    context,
    signals,
  });
  expect(result.failure).toBeInstanceOf(Cancelled);
  expect(result.failure?.message).toBe(
    'Cancelled by SIGINT; h1 was put back on 1.0 (compose up -d, not health-checked: a cancelled job has 10 s); released the deploy lock on h1, h2.',
  );
  expect(current.get('h1')).toBe('1.0');
  expect(current.get('h2')).toBeUndefined();
  expect(result.results.status).toBe('cancelled');
  expect(unsubscribed).toBe(true);
});

test('a failure before any host (image-transfer: ssh without images) is the result’s failure, not a throw', async () => {
  const hosts = fleet(() => HEALTHY);
  const result = await remoteDeploy(inputs({ transfer: 'ssh' }, ['h1']), {
    openShell: hosts.open,
    context,
    signals: noSignals,
  });
  expect(result.failure).toBeInstanceOf(ToolError);
  expect(result.failure?.message).toBe("image-transfer: ssh needs 'images' to know what to send");
  expect(result.outcome).toBe("failed: image-transfer: ssh needs 'images' to know what to send");
  expect(hosts.calls).toEqual([]);
});
