import { spawn, spawnSync } from 'node:child_process';
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

/** What the scripts and the fakes run, for a host whose PATH has them and nothing else (no setsid). */
const HOST_TOOLS = ['sh', 'cat', 'cut', 'date', 'grep', 'mkdir', 'mv', 'rm', 'sed', 'sleep', 'tr'];

function toolsWithoutSetsid(dir: string): string {
  const tools = path.join(dir, 'tools');
  fs.mkdirSync(tools);
  for (const tool of HOST_TOOLS) {
    const found = ['/usr/bin', '/bin'].map((d) => path.join(d, tool)).find((f) => fs.existsSync(f));
    if (!found) throw new Error(`${tool} is not in /usr/bin or /bin`);
    fs.symlinkSync(found, path.join(tools, tool));
  }
  return tools;
}

/** A host's project dir in a temp dir: the fakes, their state, and the release dir 2.0. */
function fakeHostOf(state: Record<string, string[]>, options: { setsid?: boolean } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rollout-start-'));
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  const system = options.setsid === false ? toolsWithoutSetsid(dir) : '/usr/bin:/bin';
  fs.writeFileSync(path.join(bin, 'docker'), FAKE_DOCKER, { mode: 0o755 });
  fs.writeFileSync(path.join(bin, 'fake-compose'), FAKE_COMPOSE, { mode: 0o755 });
  for (const [file, ids] of Object.entries(state))
    fs.writeFileSync(path.join(dir, file), ids.map((id) => `${id}\n`).join(''));
  fs.writeFileSync(path.join(dir, 'log'), '');
  // <project>/releases/<version>, as on a host: the guard lives in <project>/.deploy-kit.
  const release = path.join(dir, 'project', 'releases', '2.0');
  fs.mkdirSync(release, { recursive: true });
  fs.mkdirSync(path.join(dir, 'project', '.deploy-kit'));
  const guard = path.join(dir, 'project', '.deploy-kit', 'switch-guard');
  const where = { dir: release, host: 'app1', version: '2.0' };
  const sh = ({ script, args }: { script: string; args: string[] }) =>
    spawnSync('sh', ['-c', script, 'sh', ...args], {
      encoding: 'utf8',
      env: { PATH: `${bin}:${system}`, STATE: dir },
    });
  const log = () =>
    fs
      .readFileSync(path.join(dir, 'log'), 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('compose') || /^docker (rm|stop)/.test(l));
  /** The guard process group, if one is waiting (its pid file). */
  const guardPid = () => {
    try {
      return Number(fs.readFileSync(path.join(guard, 'pid'), 'utf8'));
    } catch {
      return undefined;
    }
  };
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const cleanup = () => {
    const pid = guardPid();
    if (pid && alive(pid)) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        process.kill(pid, 'SIGKILL');
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  return { dir, guard, where, sh, log, guardPid, alive, cleanup };
}

function runStart(state: Record<string, string[]>, services = ['web', 'nginx']): Run {
  const host = fakeHostOf(state);
  try {
    const r = host.sh(
      rollout.start(host.where, 'app', ['fake-compose', '--project-name', 'app'], services, 5, 0),
    );
    return { stdout: r.stdout, status: r.status, log: host.log() };
  } finally {
    host.cleanup();
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

describe.each([
  ['started with setsid', true],
  ['on a host without setsid (claimed by its pid)', false],
])("rollout start: the dead-man's guard (the runner dies between start and finish), %s", (_, setsid) => {
  const running = { 'web.running': ['aaaaaaaaaaaa'], 'nginx.running': ['bbbbbbbbbbbb'] };
  const argv = ['fake-compose', '--project-name', 'app'];
  const fakeHost = (state: Record<string, string[]>) => fakeHostOf(state, { setsid });
  /** A process's session id (/proc/PID/stat, field 6). */
  const sessionOf = (pid: number): number => {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[3]);
  };
  /** The processes a process started (its sleep, for the guard). */
  const childrenOf = (pid: number): number[] =>
    spawnSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
      .stdout.split('\n')
      .filter((l) => l.trim() !== '')
      .map(Number);

  /** Poll (no fixed sleep) until `done` holds, for at most `ms`. */
  async function until(done: () => boolean, ms: number): Promise<void> {
    const end = Date.now() + ms;
    while (!done()) {
      if (Date.now() > end) throw new Error('timed out waiting');
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  test('nobody finishes: after wait + settle + margin the guard stops and removes the new copies; a late finish then stops nothing and says why', async () => {
    const host = fakeHost(running);
    try {
      // wait 1 s, settle 0, grace 7, margin 0: the guard fires about 1 s after start.
      const started = host.sh(rollout.start(host.where, 'app', argv, ['web', 'nginx'], 1, 0, 7, 0));
      expect(started.status).toBe(0);
      const pid = host.guardPid();
      expect(pid).toBeGreaterThan(0);
      await until(() => !host.alive(pid as number), 10_000);
      expect(host.log().slice(-2)).toEqual(['docker stop -t 7 newweb newnginx', 'docker rm newweb newnginx']);
      // ...and the old copies serve alone: a late finish must not stop them too.
      const finish = host.sh(rollout.finish(host.where, 10, ['aaaaaaaaaaaa', 'bbbbbbbbbbbb']));
      expect(finish.status).toBe(4);
      expect(finish.stderr).toMatch(/^the host put its old release back by itself/);
      expect(host.log().filter((l) => l.includes('aaaaaaaaaaaa'))).toEqual([]);
      // The next start clears the fired guard and switches as usual.
      expect(host.sh(rollout.start(host.where, 'app', argv, ['web'], 1, 0, 7, 60)).status).toBe(0);
      expect(fs.existsSync(path.join(host.guard, 'decided'))).toBe(false);
    } finally {
      host.cleanup();
    }
  });

  test('finish in time claims the guard: it never fires, only the old copies are stopped', async () => {
    const host = fakeHost(running);
    try {
      host.sh(rollout.start(host.where, 'app', argv, ['web', 'nginx'], 1, 0, 7, 0));
      const pid = host.guardPid() as number;
      // A session of its own with setsid; without it, the session of the command that started it.
      expect(sessionOf(pid) === pid).toBe(setsid);
      // Its sleep, once the guard has started it.
      await until(() => childrenOf(pid).length > 0, 5_000);
      const nap = childrenOf(pid);
      expect(nap).toHaveLength(1);
      const finish = host.sh(rollout.finish(host.where, 10, ['aaaaaaaaaaaa', 'bbbbbbbbbbbb']));
      expect(finish.status).toBe(0);
      // Nothing of the guard outlives the claim: its sleep goes with it.
      await until(() => !host.alive(pid) && !host.alive(nap[0] as number), 5_000);
      expect(host.log().filter((l) => l.startsWith('docker'))).toEqual([
        'docker stop -t 10 aaaaaaaaaaaa bbbbbbbbbbbb',
        'docker rm aaaaaaaaaaaa bbbbbbbbbbbb',
      ]);
      expect(fs.existsSync(host.guard)).toBe(false);
    } finally {
      host.cleanup();
    }
  });

  test('a guard that fired while finish was on its way: finish fails with the sentence and stops nothing', () => {
    const host = fakeHost(running);
    try {
      fs.mkdirSync(path.join(host.guard, 'decided'), { recursive: true }); // as a fired guard leaves it
      const finish = host.sh(rollout.finish(host.where, 10, ['aaaaaaaaaaaa']));
      expect(finish.status).toBe(4);
      expect(finish.stderr).toMatch(/^the host put its old release back by itself/);
      expect(host.log()).toEqual([]);
    } finally {
      host.cleanup();
    }
  });

  test("a later start takes over a waiting guard (the dead runner's rerun): it never fires under the new switch", async () => {
    const host = fakeHost(running);
    try {
      host.sh(rollout.start(host.where, 'app', argv, ['web'], 60, 0, 7, 60));
      const first = host.guardPid() as number;
      host.sh(rollout.start(host.where, 'app', argv, ['web'], 60, 0, 7, 60));
      await until(() => !host.alive(first), 5_000);
      const second = host.guardPid() as number;
      expect(second).not.toBe(first);
      expect(host.alive(second)).toBe(true);
      expect(host.log().filter((l) => l.startsWith('docker stop'))).toEqual([]);
    } finally {
      host.cleanup();
    }
  });

  test('a guard pid file left from before a reboot: the process that has that pid now is left alone', async () => {
    const host = fakeHost(running);
    const other = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    try {
      fs.mkdirSync(host.guard, { recursive: true });
      fs.writeFileSync(path.join(host.guard, 'pid'), String(other.pid));
      expect(host.sh(rollout.start(host.where, 'app', argv, ['web'], 60, 0, 7, 60)).status).toBe(0);
      expect(host.alive(other.pid as number)).toBe(true);
      // The start's own guard stands in its place.
      expect(host.guardPid()).not.toBe(other.pid);
    } finally {
      other.kill('SIGKILL');
      host.cleanup();
    }
  });
});
