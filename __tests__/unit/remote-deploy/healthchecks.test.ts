import * as core from '@actions/core';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InputError } from '@deploy-kit/shared';
import { healthchecks, lock, probe, release, rollout } from '../../../actions/remote-deploy/src/commands';
import { HEADER } from '../../../actions/remote-deploy/src/commands/rollout';
import { joinScript } from '../../../actions/remote-deploy/src/commands/script';
import { remoteDeploy } from '../../../actions/remote-deploy/src/deploy';
import { plannedSteps } from '../../../actions/remote-deploy/src/fleet/plan';
import { problem } from '../../../actions/remote-deploy/src/host/phases/healthchecks';
import { context, FACTS, fakeHosts, HEALTHY, inputs, type Call } from './fake-shell';

/**
 * zero-downtime checks, before migrations and any container change, that every serving service
 * that will overlap on a host (one of its containers runs there) has a healthcheck: in the
 * compose files (as `compose config` resolves them) or in its pulled image.
 */

const where = { dir: '/srv/app/releases/2.0', host: 'app1', version: '2.0' };
const zd = {
  strategy: 'zero-downtime' as const,
  serveServices: ['web', 'nginx'],
  stopGraceSeconds: 10,
  healthTimeoutMs: 30_000,
  settleSeconds: 0,
};

/** `compose config` of one file (web: no healthcheck; nginx: one; celery: disabled), as v1 and v2 print it. */
const CONFIG_V1 = [
  'services:',
  '  celery:',
  '    healthcheck:',
  '      test:',
  '      - NONE',
  '    image: reg/app:2.0',
  '  nginx:',
  '    healthcheck:',
  '      test:',
  '      - CMD',
  '      - "true"',
  '    image: reg/nginx:2.0',
  '    network_mode: host',
  '  web:',
  '    environment:',
  '      SECRET: hunter2',
  '    image: reg/app:2.0',
  '    network_mode: host',
  "version: '2.4'",
  'volumes:',
  '  web: {}',
].join('\n');
const CONFIG_V2 = [
  'name: x',
  'services:',
  '  celery:',
  '    healthcheck:',
  '      disable: true',
  '    image: reg/app:2.0',
  '    networks:',
  '      default: null',
  '  nginx:',
  '    healthcheck:',
  '      test:',
  '        - CMD',
  '        - "true"',
  '    image: reg/nginx:2.0',
  '    network_mode: host',
  '  web:',
  '    environment:',
  '      SECRET: hunter2',
  '    image: reg/app:2.0',
  '    network_mode: host',
  'networks:',
  '  default:',
  '    name: x_default',
].join('\n');

test('the command: release dir, host, version, then project, the services, the compose argv', () => {
  const argv = ['docker', 'compose', '--project-name', 'shop', '--file', 'compose.yml'];
  expect(healthchecks.healthchecks(where, 'shop', argv, ['web', 'nginx'])).toEqual({
    script: joinScript(HEADER, healthchecks.HEALTHCHECKS),
    args: ['/srv/app/releases/2.0', 'app1', '2.0', 'shop', 'web nginx', ...argv],
  });
  // The awk program sits in single quotes: one there would end it.
  const awk = healthchecks.HEALTHCHECKS.slice(healthchecks.HEALTHCHECKS.indexOf('awk -v want="$s" \'') + 18);
  expect(awk.slice(0, awk.indexOf("\n  ')")).includes("'")).toBe(false);
  expect(healthchecks.HEALTHCHECKS).toContain(
    '\'{{with .Config.Healthcheck}}{{range $i, $t := .Test}}{{if eq $i 0}}{{$t}}{{end}}{{end}}{{end}}\' -- "$image"',
  );
});

/** Run HEALTHCHECKS by sh over a fake compose (prints `config`) and a fake docker (ps, image inspect). */
function runScript(config: string, running: string[], imageTest: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'healthchecks-'));
  try {
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(dir, 'config.yml'), config);
    fs.writeFileSync(path.join(bin, 'fake-compose'), `#!/bin/sh\ncat "${dir}/config.yml"\n`, { mode: 0o755 });
    const docker = [
      '#!/bin/sh',
      'case $1 in',
      '  ps) case "$*" in',
      ...running.map((s) => `    *service=${s}\\ *) echo 0123456789ab ;;`),
      '  esac ;;',
      '  image) for last; do :; done; case $last in',
      ...Object.entries(imageTest).map(([image, t]) => `    ${image}) echo '${t}' ;;`),
      '    *) echo "no such image" >&2; exit 1 ;;',
      '  esac ;;',
      'esac',
      '',
    ].join('\n');
    fs.writeFileSync(path.join(bin, 'docker'), docker, { mode: 0o755 });
    const { script, args } = healthchecks.healthchecks(
      { dir, host: 'h', version: '2.0' },
      'x',
      ['fake-compose'],
      ['web', 'nginx', 'celery', 'beat'],
    );
    const r = spawnSync('sh', ['-c', script, 'sh', ...args], {
      encoding: 'utf8',
      env: { PATH: `${bin}:/usr/bin:/bin` },
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    return r.stdout;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test.each([
  ['v1', CONFIG_V1],
  ['v2', CONFIG_V2],
])(
  'the script reads Compose %s: running or not, the compose healthcheck, the image one; no environment',
  (_, config) => {
    const out = runScript(config, ['web', 'celery'], { 'reg/app:2.0': '', 'reg/nginx:2.0': 'CMD-SHELL' });
    expect(out).toBe(
      [
        'web\trunning\tnone\tnone\treg/app:2.0',
        'nginx\tstopped\tdefined\tdefined\treg/nginx:2.0',
        'celery\trunning\tdisabled\tnone\treg/app:2.0',
        '',
      ].join('\n'),
    );
    expect(out).not.toContain('hunter2');
    expect(healthchecks.parseHealthchecks(out)).toEqual([
      { service: 'web', running: true, compose: 'none', image: 'none', imageName: 'reg/app:2.0' },
      { service: 'nginx', running: false, compose: 'defined', image: 'defined', imageName: 'reg/nginx:2.0' },
      { service: 'celery', running: true, compose: 'disabled', image: 'none', imageName: 'reg/app:2.0' },
    ]);
    // HEALTHCHECK NONE in the image; an image the host cannot inspect is unknown (the start checks it).
    expect(runScript(config, ['web'], { 'reg/app:2.0': 'NONE' }).split('\n')[0]).toBe(
      'web\trunning\tnone\tdisabled\treg/app:2.0',
    );
    expect(runScript(config, ['web'], {}).split('\n')[0]).toBe('web\trunning\tnone\tunknown\treg/app:2.0');
  },
);

test('the sentences: a running service with no healthcheck anywhere, or a disabled one; nothing running needs none', () => {
  const web = {
    service: 'web',
    running: true,
    compose: 'none',
    image: 'none',
    imageName: 'reg/app:2.0',
  } as const;
  expect(problem(web)).toBe(
    "'strategy: zero-downtime' cannot switch web without a gap: it has no healthcheck, neither in the compose file nor in its image reg/app:2.0, so nothing says when its new container is ready; add a healthcheck to web (in the compose file or its image), or set 'strategy: recreate'",
  );
  expect(problem({ ...web, image: 'disabled' })).toContain(
    'nor in its image reg/app:2.0 (HEALTHCHECK NONE), so',
  );
  expect(problem({ ...web, compose: 'disabled', image: 'defined' })).toMatch(
    /its healthcheck is disabled in the compose file, .* or set 'strategy: recreate'$/,
  );
  expect(problem({ ...web, running: false })).toBe('');
  expect(problem({ ...web, image: 'defined' })).toBe('');
  expect(problem({ ...web, compose: 'defined' })).toBe('');
  expect(problem({ ...web, image: 'unknown' })).toBe('');
});

test('the plan: after the pull (and load), before the static command and the migrations; not under recreate', () => {
  const zdInputs = inputs({ switching: zd, migrateCommand: ['migrate'], staticCommand: ['collectstatic'] });
  const steps = plannedSteps(zdInputs);
  expect(steps.slice(steps.indexOf('pull'), steps.indexOf('migrate') + 1)).toEqual([
    'pull',
    'healthchecks',
    'static',
    'migrate',
  ]);
  expect(plannedSteps({ ...zdInputs, transfer: 'ssh' })).toEqual(
    expect.arrayContaining(['load', 'healthchecks']),
  );
  expect(plannedSteps(inputs({ migrateCommand: ['migrate'] }))).not.toContain('healthchecks');
});

describe('a zero-downtime deploy over fake hosts', () => {
  beforeEach(() => {
    for (const f of ['info', 'warning', 'startGroup', 'endGroup'] as const)
      jest.spyOn(core, f).mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  async function deploy(answer: string) {
    const hosts = fakeHosts((c: Call) => {
      if (c.kind !== 'script') return '';
      if (c.script === probe.PREPARE) return FACTS;
      if (c.script === lock.LOCK) return 'ACQUIRED\n';
      if (c.script === lock.UNLOCK) return 'RELEASED\n';
      if (c.script === release.READ_FILES) return 'compose.yml\n';
      if (c.script.includes(healthchecks.HEALTHCHECKS)) return answer;
      if (c.script.includes(rollout.START)) return 'old-containers: aaaaaaaaaaaa\n';
      if (c.script === probe.CONTAINER_STATES) return HEALTHY;
      return '';
    });
    const result = await remoteDeploy(inputs({ switching: zd, migrateCommand: ['migrate'] }, ['h1', 'h2']), {
      openShell: hosts.open,
      context,
      signals: () => () => undefined,
    });
    const sent = hosts.calls.map((c) => {
      if (c.kind === 'upload') return '';
      const args = c.kind === 'exec' ? c.argv : c.args;
      if (c.kind === 'script' && c.script.includes(healthchecks.HEALTHCHECKS)) return 'healthchecks';
      if (c.kind === 'script' && c.script.includes(rollout.START)) return 'start';
      return args.includes('migrate') ? 'migrate' : '';
    });
    return { result, sent: sent.filter(Boolean) };
  }

  test('web running without a healthcheck: refused before the migrations and any container change', async () => {
    const { result, sent } = await deploy(
      'web\trunning\tnone\tnone\treg/app:2.0\nnginx\trunning\tdefined\tnone\tn:1\n',
    );
    expect(result.failure).toBeInstanceOf(InputError);
    expect(result.failure?.message).toBe(
      "preparing failed on 2 host(s), nothing was changed: h1: 'strategy: zero-downtime' cannot switch web without a gap: it has no healthcheck, neither in the compose file nor in its image reg/app:2.0, so nothing says when its new container is ready; add a healthcheck to web (in the compose file or its image), or set 'strategy: recreate'; h2: 'strategy: zero-downtime' cannot switch web without a gap: it has no healthcheck, neither in the compose file nor in its image reg/app:2.0, so nothing says when its new container is ready; add a healthcheck to web (in the compose file or its image), or set 'strategy: recreate'",
    );
    expect(result.results.status).toBe('invalid-input');
    expect(sent).toEqual(['healthchecks', 'healthchecks']);
  });

  test('nothing of web running (a first deploy, an app that is down): no healthcheck needed, the deploy goes on', async () => {
    const { result, sent } = await deploy('web\tstopped\tnone\tnone\treg/app:2.0\n');
    expect(result.failure).toBeUndefined();
    expect(sent).toEqual(['healthchecks', 'healthchecks', 'migrate', 'start', 'start']);
  });
});
