import * as core from '@actions/core';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError } from '@deploy-kit/shared';
import { lock, probe, release, rollout } from '../../../actions/remote-deploy/src/commands';
import { assign, joinScript } from '../../../actions/remote-deploy/src/commands/script';
import { remoteDeploy } from '../../../actions/remote-deploy/src/deploy';
import { computeBatches, parseBatchSize } from '../../../actions/remote-deploy/src/model/batches';
import {
  composeDurationSeconds,
  overlappedServices,
  serviceFacts,
  switchSettings,
} from '../../../actions/remote-deploy/src/model/strategy';
import { context, FACTS, fakeHosts, HEALTHY, inputs, type Call } from './fake-shell';

/** strategy: zero-downtime — the pure choice (model/strategy.ts) and the exact commands (commands/rollout.ts). */

const EXAMPLE = fs.readFileSync(
  path.join(__dirname, '../../../examples/django-app/docker-compose.yml'),
  'utf8',
);
const where = { dir: '/srv/app/releases/2.0', host: 'app1', version: '2.0' };

describe('rollout commands', () => {
  test('start: release dir, host, version, then project, wait, settle, the services, grace, guard margin, the compose argv', () => {
    const argv = ['docker', 'compose', '--project-name', 'shop', '--file', 'compose.yml'];
    expect(rollout.start(where, 'shop', argv, ['web', 'nginx'], 120, 6, 30)).toEqual({
      script: joinScript(
        rollout.HEADER,
        assign('GUARD_PROCESS', rollout.GUARD_PROCESS),
        rollout.GUARD,
        rollout.START,
      ),
      args: [
        '/srv/app/releases/2.0',
        'app1',
        '2.0',
        'shop',
        '120',
        '6',
        'web nginx',
        '30',
        '30',
        'docker',
        'compose',
        '--project-name',
        'shop',
        '--file',
        'compose.yml',
      ],
    });
    const v1 = ['docker-compose', '--project-name', 'shop', '--file', 'a.yml', '--file', 'b.yml'];
    expect(rollout.start(where, 'shop', v1, ['web'], 30, 0).args.slice(3)).toEqual([
      'shop',
      '30',
      '0',
      'web',
      '10',
      '30',
      ...v1,
    ]);
  });

  test('the start script scales with --no-recreate beside the old copies and never recreates them', () => {
    expect(rollout.START).toContain(`"$@" up -d --no-deps --no-recreate $scale $overlap`);
    expect(rollout.START).toContain(`scale="$scale --scale $s=$((count + 1))"`);
    expect(rollout.START).toContain(`echo "old-containers:$old"`);
  });

  test('finish: the old containers stopped with the grace period, then removed', () => {
    expect(rollout.finish(where, 35, ['abc123abc123', 'def456def456'])).toEqual({
      script: joinScript(rollout.HEADER, rollout.GUARD, rollout.FINISH),
      args: ['/srv/app/releases/2.0', 'app1', '2.0', '35', 'abc123abc123', 'def456def456'],
    });
    expect(rollout.FINISH).toContain('docker stop -t "$grace" "$@" >/dev/null');
    expect(rollout.FINISH).toContain('docker rm "$@" >/dev/null');
  });

  test('the old containers are read from the last old-containers line; anything but hex ids is dropped', () => {
    expect(rollout.oldContainers('Creating shop_web_2\nold-containers: aaaaaaaaaaaa bbbbbbbbbbbb\n')).toEqual(
      ['aaaaaaaaaaaa', 'bbbbbbbbbbbb'],
    );
    expect(rollout.oldContainers('old-containers:\n')).toEqual([]);
    expect(rollout.oldContainers('old-containers: $(rm -rf /) aaaaaaaaaaaa')).toEqual(['aaaaaaaaaaaa']);
  });
});

describe('which services overlap', () => {
  test('the example app (host network): web and nginx, grace 35 s, a settle time', () => {
    expect(switchSettings('zero-downtime', [EXAMPLE], [], 150_000)).toEqual({
      strategy: 'zero-downtime',
      serveServices: ['web', 'nginx'],
      stopGraceSeconds: 35,
      healthTimeoutMs: 150_000,
      settleSeconds: 6,
      notes: [],
    });
  });

  test('recreate overlaps nothing', () => {
    expect(switchSettings('recreate', [EXAMPLE], ['web'], 60_000)).toMatchObject({
      strategy: 'recreate',
      serveServices: [],
      settleSeconds: 0,
    });
  });

  test('a fixed container_name or a published port on web is a sentence before anything changes', () => {
    const named = 'services:\n  web:\n    image: a\n    container_name: shop-web\n';
    expect(() => switchSettings('zero-downtime', [named], [], 1000)).toThrow(
      new InputError(
        "'strategy: zero-downtime' cannot switch web without a gap: it has a fixed container_name, so a second container of it cannot start beside the first. Remove that from the compose file, leave web out of 'serve-services', or set 'strategy: recreate'.",
      ),
    );
    const published = 'services:\n  web:\n    image: a\n    ports: ["8000:8000"]\n';
    expect(() => switchSettings('zero-downtime', [published], [], 1000)).toThrow(
      /cannot switch web without a gap: it publishes a host port \(ports:\)/,
    );
    const disabled = 'services:\n  web:\n    image: a\n    healthcheck:\n      disable: true\n';
    expect(() => switchSettings('zero-downtime', [disabled], [], 1000)).toThrow(/healthcheck disabled/);
    const scaled = 'services:\n  web:\n    image: a\n    deploy:\n      replicas: 3\n';
    expect(() => switchSettings('zero-downtime', [scaled], [], 1000)).toThrow(/runs 3 replicas/);
  });

  test('a later compose file overrides an earlier one', () => {
    const base = 'services:\n  web:\n    image: a\n    stop_grace_period: 1m30s\n    network_mode: host\n';
    const override = 'services:\n  web:\n    healthcheck:\n      test: ["NONE"]\n';
    expect(serviceFacts([base]).get('web')).toMatchObject({ graceSeconds: 90, hostNetwork: true });
    expect(() => overlappedServices(serviceFacts([base, override]), [])).toThrow(/healthcheck disabled/);
  });

  test('an explicit serve-services name the files do not define is an input error', () => {
    expect(() => switchSettings('zero-downtime', [EXAMPLE], ['api'], 1000)).toThrow(
      "'serve-services' names api, which no file of 'compose-files' defines.",
    );
  });

  test('rollback-to without compose files: the given or default names, checked on the host', () => {
    expect(switchSettings('zero-downtime', [], [], 1000)).toMatchObject({
      serveServices: ['web', 'nginx'],
      settleSeconds: 6,
    });
  });

  test('durations as Compose writes them', () => {
    expect(composeDurationSeconds('10s')).toBe(10);
    expect(composeDurationSeconds('1m30s')).toBe(90);
    expect(composeDurationSeconds('500ms')).toBe(1);
    expect(composeDurationSeconds('2h')).toBe(7200);
    expect(composeDurationSeconds('soon')).toBeUndefined();
  });
});

describe('bridge-network layout (nginx publishes 80/443, web reached by its service name)', () => {
  const BRIDGE = [
    'services:',
    '  web:',
    '    image: shop/web',
    '    healthcheck: { test: ["CMD", "curl", "-f", "http://localhost:8000/healthz"] }',
    '  nginx:',
    '    image: nginx',
    '    ports: ["80:80", "443:443"]',
    '  worker:',
    '    image: shop/web',
    '    command: ["celery", "worker"]',
    '',
  ].join('\n');

  test('web overlaps (own address: no SO_REUSEPORT, no settle time); nginx is replaced in place, said in a note', () => {
    const notes: string[] = [];
    expect(switchSettings('zero-downtime', [BRIDGE], [], 60_000, notes)).toEqual({
      strategy: 'zero-downtime',
      serveServices: ['web'],
      stopGraceSeconds: 10,
      healthTimeoutMs: 60_000,
      settleSeconds: 0,
      notes: ['nginx publishes a host port: it is replaced in place (stop, then start), not overlapped.'],
    });
  });

  test('the generated commands: start web beside the old, no settle, then stop the old with 10 s', () => {
    const argv = ['docker', 'compose', '--project-name', 'shop', '--file', 'docker-compose.yml'];
    expect(rollout.start(where, 'shop', argv, ['web'], 60, 0).args).toEqual([
      ...Object.values(where),
      'shop',
      '60',
      '0',
      'web',
      '10',
      '30',
      ...argv,
    ]);
    expect(rollout.finish(where, 10, ['aaaaaaaaaaaa']).args).toEqual([
      ...Object.values(where),
      '10',
      'aaaaaaaaaaaa',
    ]);
  });

  test('naming nginx explicitly is refused with the sentence', () => {
    expect(() => switchSettings('zero-downtime', [BRIDGE], ['web', 'nginx'], 1000)).toThrow(
      /cannot switch nginx without a gap: it publishes a host port/,
    );
  });
});

describe('max-unavailable', () => {
  test('default 1: one host at a time; a share rounds up', () => {
    expect(parseBatchSize('max-unavailable', '')).toEqual({ count: 1 });
    expect(computeBatches(['a', 'b', 'c'], { count: 1 })).toEqual([['a'], ['b'], ['c']]);
    expect(computeBatches(['a', 'b', 'c'], { percent: 50 })).toEqual([['a', 'b'], ['c']]);
  });
});

describe('a zero-downtime deploy over fake hosts', () => {
  beforeEach(() => {
    for (const f of ['info', 'warning', 'startGroup', 'endGroup'] as const)
      jest.spyOn(core, f).mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  function fleet(startAnswer: (host: string) => string | { exitCode: number; stderr: string }) {
    return fakeHosts((c: Call) => {
      if (c.kind !== 'script') return '';
      if (c.script === probe.PREPARE) return FACTS;
      if (c.script === lock.LOCK) return 'ACQUIRED\n';
      if (c.script === lock.UNLOCK) return 'RELEASED\n';
      if (c.script === release.READ_FILES) return 'compose.yml\n';
      if (c.script.includes(rollout.START.trim().split('\n')[0] as string)) return startAnswer(c.host);
      if (c.script === probe.CONTAINER_STATES) return HEALTHY;
      return '';
    });
  }
  const zd = {
    strategy: 'zero-downtime' as const,
    serveServices: ['web'],
    stopGraceSeconds: 35,
    healthTimeoutMs: 30_000,
    settleSeconds: 6,
  };
  const names = (calls: Call[], host: string) =>
    calls
      .filter((c): c is Extract<Call, { kind: 'script' }> => c.kind === 'script' && c.host === host)
      .map((c) =>
        c.script.includes('old-containers:')
          ? 'start'
          : c.script.includes('docker stop -t')
            ? `finish ${c.args.slice(3).join(' ')}`
            : c.script === release.SWITCH_LINK
              ? 'link'
              : c.args.includes('up')
                ? `up ${c.args.slice(c.args.indexOf('up')).join(' ')}`
                : '',
      )
      .filter((n) => n !== '');

  test('per host: start beside the old, stop the old gracefully, up -d the rest, then current; one host at a time', async () => {
    const hosts = fleet(() => 'Creating app_web_2 ... done\nold-containers: aaaaaaaaaaaa\n');
    const result = await remoteDeploy(inputs({ switching: zd, maxUnavailable: { count: 1 } }, ['h1', 'h2']), {
      openShell: hosts.open,
      context,
      signals: () => () => undefined,
    });
    expect(result.failure).toBeUndefined();
    for (const h of ['h1', 'h2'])
      expect(names(hosts.calls, h)).toEqual([
        'start',
        'finish 35 aaaaaaaaaaaa',
        'up up -d --remove-orphans',
        'link',
      ]);
    // h2 starts only after h1 passed its health gate
    const firstOfH2 = hosts.calls.findIndex(
      (c) => c.host === 'h2' && c.kind === 'script' && c.script.includes('old-containers:'),
    );
    const lastHealthOfH1 = Math.max(
      ...hosts.calls.map((c, n) =>
        c.host === 'h1' && c.kind === 'script' && c.script === probe.CONTAINER_STATES ? n : -1,
      ),
    );
    expect(lastHealthOfH1).toBeLessThan(firstOfH2);
  });

  test('a new copy that never turns healthy: the old keeps serving, nothing else runs, the host goes back', async () => {
    const hosts = fleet(() => ({
      exitCode: 3,
      stderr: 'new container /app_web_2 did not stay up beside the old one',
    }));
    const result = await remoteDeploy(inputs({ switching: zd }, ['h1']), {
      openShell: hosts.open,
      context,
      signals: () => () => undefined,
    });
    expect(result.failure?.message).toMatch(/did not stay up beside the old one/);
    // no finish and no plain up of 2.0; the rollback to 1.0 overlaps the same way
    expect(names(hosts.calls, 'h1')).toEqual(['start', 'start']);
  });
});
