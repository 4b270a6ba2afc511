import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { rollout } from '../../../actions/remote-deploy/src/commands';

/**
 * The zero-downtime start script (commands/rollout.ts START) run by sh against a fake `docker`
 * and a fake compose that record what they were asked: a serving service with nothing RUNNING
 * gets a plain `up -d` (nothing to overlap), a running one a new copy beside the old.
 */

const FAKE_DOCKER = String.raw`#!/bin/sh
# ps: the ids of a service from $STATE/<service>.<state> files; rm drops ids from them; all recorded.
cmd=$1
shift
echo "docker $cmd $*" >>"$STATE/log"
case $cmd in
  ps)
    svc='' states=''
    for a in "$@"; do
      case $a in
        label=com.docker.compose.service=*) svc=$(printf %s "$a" | cut -d= -f3) ;;
        status=*) states="$states $(printf %s "$a" | cut -d= -f2)" ;;
      esac
    done
    [ -n "$states" ] || states='running created exited dead'
    for st in $states; do [ ! -f "$STATE/$svc.$st" ] || cat "$STATE/$svc.$st"; done
    ;;
  rm)
    for id in "$@"; do
      for f in "$STATE"/*.*; do grep -vx -- "$id" "$f" >"$STATE/tmp" || true; mv "$STATE/tmp" "$f"; done
    done
    ;;
  inspect)
    case $2 in
      *State.Status*) echo running/healthy ;;
      *StartedAt*) echo 2026-01-01T00:00:00Z/0 ;;
      *) echo /app-x ;;
    esac
    ;;
esac
`;

const FAKE_COMPOSE = String.raw`#!/bin/sh
# config --services: web, nginx, celery; up: recorded, and --scale s=N adds a new running copy of s.
echo "compose $*" >>"$STATE/log"
case " $* " in
  *" config --services "*) printf 'web\nnginx\ncelery\n' ;;
  *" --no-recreate "*)
    for a in "$@"; do
      case $a in
        *=[0-9]*) s=$(printf %s "$a" | cut -d= -f1); echo "new$s" >>"$STATE/$s.running" ;;
      esac
    done
    ;;
esac
`;

interface Run {
  stdout: string;
  status: number | null;
  log: string[];
}

function runStart(state: Record<string, string[]>, services = ['web', 'nginx']): Run {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rollout-start-'));
  try {
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, 'docker'), FAKE_DOCKER, { mode: 0o755 });
    fs.writeFileSync(path.join(bin, 'fake-compose'), FAKE_COMPOSE, { mode: 0o755 });
    for (const [file, ids] of Object.entries(state))
      fs.writeFileSync(path.join(dir, file), ids.map((id) => `${id}\n`).join(''));
    fs.writeFileSync(path.join(dir, 'log'), '');
    const { script, args } = rollout.start(
      { dir, host: 'app1', version: '2.0' },
      'app',
      ['fake-compose', '--project-name', 'app'],
      services,
      5,
      0,
    );
    const r = spawnSync('sh', ['-c', script, 'sh', ...args], {
      encoding: 'utf8',
      env: { PATH: `${bin}:/usr/bin:/bin`, STATE: dir },
    });
    const log = fs
      .readFileSync(path.join(dir, 'log'), 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('compose') || /^docker (rm|stop)/.test(l));
    return { stdout: r.stdout, status: r.status, log };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('rollout start: a plain up -d when nothing of a serving service runs', () => {
  test('a first deploy (no container at all): one plain up -d of the serving services, nothing to stop', () => {
    const r = runStart({});
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('plain-up: web nginx\nold-containers:\n');
    expect(r.log).toEqual([
      'compose --project-name app config --services',
      'compose --project-name app up -d web nginx',
    ]);
  });

  test("a restore's stopped writers (exited containers only): the plain up -d starts them, none is removed", () => {
    const r = runStart({ 'web.exited': ['aaaaaaaaaaaa'], 'nginx.exited': ['bbbbbbbbbbbb'] });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('plain-up: web nginx\nold-containers:\n');
    expect(r.log).toEqual([
      'compose --project-name app config --services',
      'compose --project-name app up -d web nginx',
    ]);
  });

  test('web running, nginx down: nginx gets a plain up -d --no-deps, web a new copy beside the old', () => {
    const r = runStart({ 'web.running': ['aaaaaaaaaaaa'], 'nginx.exited': ['bbbbbbbbbbbb'] });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('plain-up: nginx\nold-containers: aaaaaaaaaaaa \n');
    expect(r.log).toEqual([
      'compose --project-name app config --services',
      'compose --project-name app up -d --no-deps nginx',
      'compose --project-name app up -d --no-deps --no-recreate --scale web=2 web',
    ]);
    expect(rollout.plainUp(r.stdout)).toEqual(['nginx']);
    expect(rollout.oldContainers(r.stdout)).toEqual(['aaaaaaaaaaaa']);
  });

  test('both running, with a stopped leftover beside web: the leftover is removed, both overlap', () => {
    const r = runStart({
      'web.running': ['aaaaaaaaaaaa'],
      'web.exited': ['cccccccccccc'],
      'nginx.running': ['bbbbbbbbbbbb'],
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('old-containers: aaaaaaaaaaaa  bbbbbbbbbbbb \n');
    expect(r.log).toEqual([
      'compose --project-name app config --services',
      'docker rm cccccccccccc',
      'compose --project-name app up -d --no-deps --no-recreate --scale web=2 --scale nginx=2 web nginx',
    ]);
    expect(rollout.plainUp(r.stdout)).toEqual([]);
  });
});
