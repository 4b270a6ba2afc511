import * as core from '@actions/core';
import { lock, nginx, probe, release } from '../../../actions/remote-deploy/src/commands';
import { Cancelled, HealthRed, StepFailed } from '../../../actions/remote-deploy/src/model/errors';
import { Host } from '../../../actions/remote-deploy/src/host/host';
import { healthGate } from '../../../actions/remote-deploy/src/host/phases/health';
import { takeLock, unlock } from '../../../actions/remote-deploy/src/host/phases/lock';
import { probeHost } from '../../../actions/remote-deploy/src/host/phases/prepare';
import { reloadHost } from '../../../actions/remote-deploy/src/host/phases/reload';
import { rollbackHost, rollbackOnCancel } from '../../../actions/remote-deploy/src/host/phases/rollback';
import { containerProblems, expectedText } from '../../../actions/remote-deploy/src/model/health';
import { parseFacts } from '../../../actions/remote-deploy/src/model/host-state';
import type { Inputs } from '../../../actions/remote-deploy/src/inputs';
import { ownerJson, type LockOwner } from '../../../actions/remote-deploy/src/model/lock-owner';
import { context, FACTS, fakeHosts, HEALTHY, hostSpec, inputs, type Answer, type Call } from './fake-shell';

/**
 * The host phases through a fake RemoteShell: what each sends, and how it ends when the host
 * answers badly — paths that otherwise need a real sshd to reach.
 */

let warnings: string[];
beforeEach(() => {
  warnings = [];
  jest.spyOn(core, 'info').mockImplementation(() => undefined);
  jest.spyOn(core, 'warning').mockImplementation((m) => void warnings.push(String(m)));
});
afterEach(() => jest.restoreAllMocks());

type Respond = (call: Call) => Answer | undefined;

/** A host over a fake shell, and its phases called as the phase table calls them (version 2.0). */
async function hostWith(respond: Respond, overrides: Partial<Inputs> = {}) {
  const fake = fakeHosts(respond);
  const settings = inputs(overrides);
  const host = new Host(hostSpec('h1'), settings, context, fake.open);
  const back = { ...settings, failedVersion: settings.version };
  const run = {
    lock: () => takeLock(host, settings.version, settings),
    unlock: () => unlock(host),
    health: (version: string) => healthGate(host, version, settings),
    probe: (mode: 'deploy' | 'probe') => probeHost(host, settings.version, mode),
    reload: () => reloadHost(host, settings.version, settings),
    rollback: () => rollbackHost(host, back),
    rollbackOnCancel: (deadline: number) => rollbackOnCancel(host, back, deadline),
  };
  return { host, run, calls: fake.calls };
}

const scripts = (calls: Call[], script: string) =>
  calls.filter((c): c is Extract<Call, { kind: 'script' }> => c.kind === 'script' && c.script === script);

const owner = (token: string): LockOwner => ({
  tool: 'deploy-kit',
  token,
  actor: 'someone',
  repository: 'o/r',
  run: '9.1',
  version: '1.9',
  runner: 'r2',
  pid: 1,
  time: '2026-01-01T00:00:00Z',
});

describe('lock holder', () => {
  test('free lock: one LOCK with our owner file, then the host holds it', async () => {
    const { host, run, calls } = await hostWith(() => 'ACQUIRED\n');
    await run.lock();
    expect(host.state.holdsLock).toBe(true);
    const [sent] = scripts(calls, lock.LOCK);
    expect(sent?.args[0]).toBe('/srv/app/.deploy-kit/lock');
    expect(JSON.parse(sent?.args[1] ?? '')).toMatchObject({
      tool: 'deploy-kit',
      token: context.token,
      version: '2.0',
    });
  });

  test('held by a live deploy past lock-timeout: StepFailed naming the holder and the lock dir', async () => {
    const { host, run } = await hostWith(() => `HELD 5\n${ownerJson(owner('other-token-0123456789'))}\n`);
    const error = await run.lock().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StepFailed);
    expect((error as Error).message).toMatch(
      /^h1 is locked by someone \(run o\/r#9\.1, version 1\.9, runner r2, 5s ago\); waited 0s \(lock-timeout\)\. .*remove \/srv\/app\/\.deploy-kit\/lock/,
    );
    expect(host.state.holdsLock).toBe(false);
    expect(host.session.steps.map((s) => [s.name, s.ok])).toEqual([['lock', false]]);
  });

  test('held, then free: waits and takes it', async () => {
    let n = 0;
    const { host, run, calls } = await hostWith(
      () => (n++ === 0 ? `HELD 1\n${ownerJson(owner('other-token-0123456789'))}\n` : 'ACQUIRED\n'),
      { lockTimeoutMs: 5000 },
    );
    await run.lock();
    expect(scripts(calls, lock.LOCK)).toHaveLength(2);
    expect(host.state.holdsLock).toBe(true);
  });

  test('expired deploy-kit lock: taken over with the old token, with a warning', async () => {
    const { host, run, calls } = await hostWith((c) =>
      c.kind === 'script' && c.script === lock.TAKE_OVER
        ? 'ACQUIRED\n'
        : `HELD 7200\n${ownerJson(owner('expired-token-0123456789'))}\n`,
    );
    await run.lock();
    expect(host.state.holdsLock).toBe(true);
    expect(scripts(calls, lock.TAKE_OVER)[0]?.args[2]).toBe('expired-token-0123456789');
    expect(warnings[0]).toMatch(/^h1: taking over an expired deploy lock held by someone/);
  });

  test('a hand-made lock is never taken over, however old', async () => {
    const { run, calls } = await hostWith(() => 'HELD-NO-OWNER 99999\n');
    await expect(run.lock()).rejects.toThrow(/locked by a lock placed by hand or another tool/);
    expect(scripts(calls, lock.TAKE_OVER)).toHaveLength(0);
  });

  test('an answer that is not the lock protocol, and a failing script, are StepFailed', async () => {
    const garbled = await hostWith(() => 'what?\n');
    await expect(garbled.run.lock()).rejects.toThrow(
      /^taking the deploy lock on h1: unexpected answer from the lock script: "what\?\\n"$/,
    );
    const failing = await hostWith(() => ({ exitCode: 1, stderr: 'mkdir: Permission denied s3cret' }));
    const error = await failing.run.lock().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StepFailed);
    // Remote output is redacted before it reaches a sentence.
    expect((error as Error).message).toBe(
      'taking the deploy lock on h1 exited with 1; last output:\nmkdir: Permission denied ***',
    );
  });

  test('unlock: releases ours; a lost connection is a warning, never a throw', async () => {
    const { host, run, calls } = await hostWith((c) =>
      c.kind === 'script' && c.script === lock.UNLOCK ? 'RELEASED\n' : 'ACQUIRED\n',
    );
    await run.lock();
    await run.unlock();
    expect(host.state.holdsLock).toBe(false);
    expect(scripts(calls, lock.UNLOCK)[0]?.args).toEqual(['/srv/app/.deploy-kit/lock', context.token]);

    const lost = await hostWith((c) => {
      if (c.kind === 'script' && c.script === lock.UNLOCK) throw new Error('connection reset');
      return 'ACQUIRED\n';
    });
    await lost.run.lock();
    await expect(lost.run.unlock()).resolves.toBeUndefined();
    expect(lost.host.state.holdsLock).toBe(true);
    expect(warnings).toEqual(['h1: could not release the deploy lock: connection reset']);
  });
});

describe('health gate', () => {
  const answer =
    (containers: string, http?: Answer): Respond =>
    (c) =>
      c.kind === 'script' && c.script === probe.CONTAINER_STATES ? containers : http;

  test('healthy containers and the URL answering the expected text', async () => {
    const { host, run, calls } = await hostWith(answer(HEALTHY, 'version 2.0\n'), {
      healthUrl: 'http://{host}:8000/version',
      healthExpect: 'version {version}',
    });
    await run.health('2.0');
    expect(scripts(calls, probe.HTTP_GET)[0]?.args).toEqual(['http://h1:8000/version']);
    expect(host.session.steps.map((s) => [s.name, s.ok])).toEqual([['health', true]]);
  });

  test('a stopped container is HealthRed at once, without waiting for health-timeout', async () => {
    const { run, calls } = await hostWith(answer('/app-web-1 exited none web\n'), {
      healthTimeoutMs: 60_000,
    });
    const error = await run.health('2.0').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HealthRed);
    expect((error as Error).message).toBe('health check red on h1: /app-web-1 exited none');
    expect(calls).toHaveLength(1);
  });

  test('no containers, unhealthy past the timeout, a URL without the text: each HealthRed with its reason', async () => {
    await expect((await hostWith(answer('NO-CONTAINERS\n'))).run.health('2.0')).rejects.toThrow(
      new HealthRed('no containers are running for app on h1'),
    );
    await expect(
      (await hostWith(answer('/app-web-1 running unhealthy web\n'))).run.health('2.0'),
    ).rejects.toThrow('health check red on h1 after 0s (health-timeout): /app-web-1 running unhealthy');
    const wrongText = await hostWith(answer(HEALTHY, 'version 1.0\n'), {
      healthUrl: 'http://h/v',
      healthExpect: '{version}',
    });
    await expect(wrongText.run.health('2.0')).rejects.toThrow(
      "health check red on h1 after 0s (health-timeout): http://h/v answered without '2.0'",
    );
  });

  test('a cancelled run starts no health gate', async () => {
    const { host, run, calls } = await hostWith(answer(HEALTHY));
    host.session.cancel();
    await expect(run.health('2.0')).rejects.toThrow(
      new Cancelled('health on h1 stopped: the run was cancelled'),
    );
    expect(calls).toHaveLength(0);
  });

  test('pure parts: only the named services count; a rollback keeps only {version} expectations', () => {
    const out = '/app-web-1 running healthy web\n/app-job-1 running unhealthy job\n';
    expect(containerProblems(out, ['web'], 'app', 'h1')).toEqual([]);
    expect(containerProblems(out, [], 'app', 'h1')).toEqual(['/app-job-1 running unhealthy']);
    expect(expectedText('ok', '1.0', 'rollback-health')).toBe('');
    expect(expectedText('v{version}', '1.0', 'rollback-health')).toBe('v1.0');
    expect(expectedText('ok', '2.0', 'health')).toBe('ok');
  });
});

describe('reload', () => {
  test('nginx -t failing in the service: StepFailed with the nginx sentence, nothing signalled', async () => {
    const { host, run, calls } = await hostWith(
      (c) =>
        c.kind === 'script' && c.script === probe.PREPARE
          ? FACTS
          : { exitCode: 1, stdout: 'nginx: [emerg] unknown directive "oops" in /etc/nginx/nginx.conf:3\n' },
      { nginxReload: 'proxy', hupServices: ['web'] },
    );
    await run.probe('deploy');
    const error = await run.reload().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StepFailed);
    expect((error as Error).message).toBe(
      'nginx -t failed in service proxy on h1 (exit 1): nginx: [emerg] unknown directive "oops" in /etc/nginx/nginx.conf:3; nginx keeps running its previous configuration, fix the configuration and deploy again',
    );
    const sent = scripts(calls, release.IN_DIR);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.args.slice(3)).toEqual([
      'docker',
      'compose',
      '--project-name',
      'app',
      '--file',
      'compose.yml',
      'exec',
      '-T',
      'proxy',
      ...nginx.inContainer('test'),
    ]);
    expect(host.state.reloaded).toEqual({ hup: false, nginx: false });
  });

  test('hup then nginx on the host: both recorded, so a rollback redoes them', async () => {
    const { host, run, calls } = await hostWith(
      (c) => (c.kind === 'script' && c.script === probe.PREPARE ? FACTS : ''),
      {
        nginxReload: 'host',
        hupServices: ['web'],
      },
    );
    await run.probe('deploy');
    await run.reload();
    expect(host.session.steps.map((s) => s.name)).toEqual(['prepare', 'nginx-test', 'hup', 'nginx-reload']);
    expect(scripts(calls, nginx.NGINX_HOST).map((c) => c.args)).toEqual([['test'], ['reload']]);
    expect(host.state.reloaded).toEqual({ hup: true, nginx: true });
  });
});

describe('rollback', () => {
  const fleet =
    (containers: string): Respond =>
    (c) => {
      if (c.kind !== 'script') return undefined;
      if (c.script === probe.PREPARE) return FACTS;
      if (c.script === release.READ_FILES) return 'compose.yml\n.env\n';
      if (c.script === probe.CONTAINER_STATES) return containers;
      return '';
    };

  test('back to the previous release with its own files, health-checked', async () => {
    const { host, run, calls } = await hostWith(fleet(HEALTHY));
    await run.probe('deploy');
    await run.rollback();
    expect(host.state.status).toBe('rolled-back');
    const up = scripts(calls, release.IN_DIR)[0];
    expect(up?.args.slice(0, 3)).toEqual(['/srv/app/releases/1.0', 'h1', '1.0']);
    expect(up?.args).toEqual(
      expect.arrayContaining(['--env-file', '/srv/app/releases/1.0/.env', 'up', '-d', '--remove-orphans']),
    );
    expect(scripts(calls, release.SWITCH_LINK)[0]?.args).toEqual(['/srv/app', '1.0']);
    expect(host.session.steps.map((s) => s.name)).toEqual(['prepare', 'rollback', 'rollback-health']);
  });

  test('the first release (nothing before it): no rollback, and not a failed one; the previous release red: rollback-failed', async () => {
    const none = await hostWith(() => '');
    none.host.state.fail(new Error('health check red on h1'));
    await none.run.rollback();
    expect(none.host.state.status).toBe('failed');
    expect(none.host.state.rollbackError).toBeUndefined();

    const red = await hostWith(fleet('/app-web-1 dead none web\n'));
    await red.run.probe('deploy');
    await red.run.rollback();
    expect(red.host.state.status).toBe('rollback-failed');
    expect(red.host.state.rollbackError).toBe('health check red on h1: /app-web-1 dead none');
  });

  test('on cancel: one up -d of the previous release, said in a phrase', async () => {
    const { host, run } = await hostWith(fleet(HEALTHY));
    await run.probe('deploy');
    host.session.cancel();
    await expect(run.rollbackOnCancel(Date.now() + 5000)).resolves.toBe('h1 was put back on 1.0');
    expect(host.state.status).toBe('rolled-back');
    expect(host.session.steps.map((s) => s.name)).toEqual(['prepare', 'cancel-rollback']);
  });
});

test('parseFacts reads the PREPARE answer', () => {
  expect(parseFacts(FACTS)).toEqual({
    previous: '1.0',
    releaseExists: true,
    compose: 'v2',
    freeKb: 1048576,
    locked: false,
  });
  expect(parseFacts('compose=none\n')).toMatchObject({ previous: '', compose: 'none', freeKb: 0 });
});
