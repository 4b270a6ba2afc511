import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { hosts, sandbox, startPrivateSshd, type Host, type PrivateSshd } from './helpers';
import { cutAt, Lane, listedCommands, type Phase } from './cut-walk';
import { buildCutImages, type CutImages } from './reuseport-app';

/**
 * Cut at EVERY step, on the real sandbox, through the committed bundle (issue 19, R4): for a
 * deploy 1.0.0 -> 1.1.0 and a rollback-to 1.0.0, on Compose v2 (a sandbox host) and Compose v1 (a
 * host whose docker has no v2 plugin), the hook (DEPLOY_KIT_TEST_CUT) first lists every remote
 * command of an uncut run (N is read from that list, never written here), then for k = 1..N the
 * connection drops after command k ran, before its answer is read (`after`; CUT_MODES=after,before
 * adds a pass that drops it instead of sending command k: every k passes, but the two passes cost
 * about 10 minutes on an idle 2-core machine, over CI's budget). After each cut the host must serve ONE whole release (every
 * service one running, healthy container, all of one release; web answers /version with it;
 * `current` names it), the lock must be released (also when the cut hit the unlock itself), and
 * a rerun without the cut must succeed and serve the release it deploys.
 *
 * Why it fits in CI's budget (a few minutes on 2 cores, where the example app would take an hour):
 *   - the app is a stand-in (reuseport-app.ts): a Perl HTTP server listening with SO_REUSEPORT on
 *     the host network (so the zero-downtime overlap runs exactly as for gunicorn + nginx) and a
 *     worker replaced by `up -d` like celery, from the sandbox's Debian base: images build in about
 *     a second, healthchecks every second, stop at once on SIGTERM;
 *   - the starting state is restored for free: deploy k's rerun leaves the host on 1.1.0, where
 *     rollback k starts, and rollback k's rerun leaves it on 1.0.0, where deploy k+1 starts;
 *   - the k's run in parallel lanes, each its own project, port and lock (cut-walk.ts); a lane
 *     takes the next k from its Compose generation's queue.
 * Measured (cpuacct over the sandbox's sshd, dockerd and containers and this jest): the `after`
 * pass, 56 cuts, 342 s wall on a nearly idle 2-core machine for 606 CPU-s (a floor of 303 s: it is
 * CPU-bound); both passes, 112 cuts, cost 1,056 CPU-s.
 * The same walk with the full Django example app is bench/cut-every-step.mjs (not in CI).
 */

jest.setTimeout(1_500_000);

const MODES = (process.env.CUT_MODES ?? 'after').split(',') as ('after' | 'before')[];
const KINDS = (process.env.CUT_COMPOSE ?? 'v2,v1').split(',') as ('v1' | 'v2')[];
/** Lanes per Compose generation: the walk is CPU-bound on 2 cores past about 4. */
const LANES = Number(process.env.CUT_LANES ?? 4);
/** To narrow a local run only: k = 1..min(N, CUT_K_MAX). CI walks every k. */
const K_MAX = Number(process.env.CUT_K_MAX ?? Infinity);
const VERSIONS: Record<Phase, { from: string; to: string }> = {
  deploy: { from: '1.0.0', to: '1.1.0' },
  rollback: { from: '1.1.0', to: '1.0.0' },
};

interface Row {
  kind: string;
  phase: Phase;
  mode: string;
  k: number;
  n: number;
  command: string;
  exitCode: number;
  /** '' when the cut left one whole release and the lock as documented. */
  problem: string;
  lockLeft: boolean;
  /** '' when the rerun succeeded and serves the release it deploys. */
  rerun: string;
  ms: number;
}

let images: CutImages;
const sshds: PrivateSshd[] = [];
const lanes: Lane[] = [];
const used = new Set<number>();

/** A host without the Compose v2 plugin in its DOCKER_CONFIG: the probe finds docker-compose 1.29. */
async function v1Host(): Promise<Host> {
  const dockerConfig = fs.mkdtempSync(path.join(os.tmpdir(), 'zd-cut-dockercfg-'));
  fs.chmodSync(dockerConfig, 0o755);
  const sshd = await startPrivateSshd({
    forcedCommand: false,
    setEnv: { DOCKER_HOST: sandbox.docker.host, DOCKER_CONFIG: dockerConfig },
  });
  sshds.push(sshd);
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zd-cut-v1-'));
  execFileSync('chown', [`${sandbox.ssh.user}:`, workDir]);
  return {
    ...hosts[0]!,
    host: sshd.host,
    port: sshd.port,
    knownHostsLine: sshd.knownHostsLine,
    workDir,
    name: 'v1',
  };
}

beforeAll(async () => {
  images = buildCutImages(['1.0.0', '1.1.0']);
  for (const kind of KINDS) {
    const target = kind === 'v2' ? hosts[0]! : await v1Host();
    for (let i = 0; i < LANES; i++) lanes.push(new Lane(kind, target, images, used));
  }
}, 120_000);

afterAll(() => {
  for (const lane of lanes) lane.remove();
  for (const s of sshds) s.stop();
});

/** Cut `phase` at k, look at the host, rerun without the cut, look again: '' or the problem, each. */
async function cutAndRerun(lane: Lane, phase: Phase, cut: string) {
  const result = await lane.run(phase, cut);
  const at = cutAt(result.log);
  const state = await lane.wholeRelease();
  const { from, to } = VERSIONS[phase];
  let problem =
    state.problem || (state.version === from || state.version === to ? '' : `serves ${state.version}`);
  // Released, also when the cut hit the unlock itself (one more try on a new connection).
  const lockLeft = fs.existsSync(lane.lockDir);
  if (!problem && lockLeft) problem = 'the lock is still held';
  const rerun = await lane.run(phase);
  let rerunProblem = rerun.exitCode === 0 ? '' : `rerun failed: ${rerun.error ?? rerun.exitCode}`;
  if (!rerunProblem) {
    const after = await lane.wholeRelease();
    rerunProblem = after.problem || (after.version === to ? '' : `rerun left ${after.version}`);
    if (!rerunProblem && fs.existsSync(lane.lockDir)) rerunProblem = 'the rerun left the lock held';
  }
  return { at, exitCode: result.exitCode ?? -1, problem, lockLeft, rerunProblem };
}

/**
 * Cut at command k. The health gate polls until the host is healthy, so on a busy machine a run
 * may send a poll more (or less) than the listed run and the k-th command is another one: that
 * cut is checked all the same (a bad state is a bug whichever command it hit), then k is tried
 * again, up to 3 times, until the cut hits the listed command.
 */
async function cutOnce(lane: Lane, phase: Phase, mode: string, k: number, listed: string[]): Promise<Row> {
  const started = Date.now();
  const wanted = listed[k - 1]!.split(' ')[0]!;
  let r: Awaited<ReturnType<typeof cutAndRerun>> | undefined;
  let missed = '';
  for (let attempt = 1; attempt <= 3; attempt++) {
    r = await cutAndRerun(lane, phase, `${k}:${mode}`);
    const hit = r.at && r.at.k === k && r.at.label.split(' ')[0] === wanted;
    if (hit || r.problem || r.rerunProblem) break;
    missed = `the cut hit ${r.at ? `command ${r.at.k} (${r.at.label.split(' ')[0]})` : 'nothing'}, not command ${k} (${wanted}), 3 times`;
    process.stderr.write(`${lane.kind} ${phase} ${mode} ${k}: ${missed.replace(', 3 times', '')}; again\n`);
  }
  const { at, exitCode, lockLeft, rerunProblem } = r!;
  const hit = at && at.k === k && at.label.split(' ')[0] === wanted;
  const cutHere = at ? `command ${at.k} (${at.label.split(' ')[0]})` : 'nothing';
  const problem = r!.problem ? `${r!.problem}${hit ? '' : ` (the cut hit ${cutHere})`}` : hit ? '' : missed;
  const row: Row = {
    ...{ kind: lane.kind, phase, mode, k, n: listed.length, command: wanted, exitCode, problem, lockLeft },
    ...{ rerun: rerunProblem, ms: Date.now() - started },
  };
  const verdict = problem || 'one whole release, lock released';
  // Straight to stderr: a line per cut as it ends (jest holds console output until the test ends).
  process.stderr.write(
    `${lane.kind} ${phase} ${mode} ${k}/${listed.length} ${wanted}: ${verdict}; rerun: ${rerunProblem || 'ok'} (${(row.ms / 1000).toFixed(1)} s)\n`,
  );
  return row;
}

test('cut at every remote command, deploy and rollback, Compose v1 and v2: one whole release, lock released, rerun succeeds', async () => {
  const t0 = Date.now();
  const lists: Record<string, Record<Phase, string[]>> = {};
  // Every lane starts on 1.0.0; the first lane of each generation then lists an uncut deploy and rollback.
  await Promise.all(
    lanes.map(async (lane, i) => {
      const first = await lane.run('first');
      expect({
        lane: i,
        error: first.error,
        log: first.exitCode === 0 ? '' : first.log.slice(-3000),
      }).toEqual({ lane: i, error: undefined, log: '' });
      if (lanes.findIndex((l) => l.kind === lane.kind) !== i) return;
      const deploy = await lane.run('deploy', 'list');
      const rollback = await lane.run('rollback', 'list');
      expect([deploy.error, rollback.error]).toEqual([undefined, undefined]);
      expect(deploy.log).toMatch(lane.kind === 'v2' ? /compose v2/ : /compose v1/);
      lists[lane.kind] = { deploy: listedCommands(deploy.log), rollback: listedCommands(rollback.log) };
    }),
  );
  for (const kind of KINDS)
    for (const phase of ['deploy', 'rollback'] as const) {
      const listed = lists[kind]![phase];
      expect(listed.length).toBeGreaterThan(10);
      expect(listed.every(Boolean)).toBe(true);
      console.log(
        `${kind} ${phase}: N = ${listed.length}\n  ${listed.map((l, i) => `${i + 1} ${l}`).join('\n  ')}`,
      );
    }

  // Work: (mode, k) pairs per generation; each is a deploy cut + rerun then a rollback cut + rerun.
  const queues: Record<string, { mode: string; k: number }[]> = {};
  for (const kind of KINDS) {
    const n = Math.min(K_MAX, Math.max(lists[kind]!.deploy.length, lists[kind]!.rollback.length));
    queues[kind] = MODES.flatMap((mode) => Array.from({ length: n }, (_, i) => ({ mode, k: i + 1 })));
  }
  const rows: Row[] = [];
  await Promise.all(
    lanes.map(async (lane) => {
      for (let item = queues[lane.kind]!.shift(); item; item = queues[lane.kind]!.shift())
        for (const phase of ['deploy', 'rollback'] as const) {
          const listed = lists[lane.kind]![phase];
          if (item.k <= listed.length)
            rows.push(
              // A lane that throws would leave the others running past the test: a row says why.
              await cutOnce(lane, phase, item.mode, item.k, listed).catch((error: Error) => ({
                ...{ kind: lane.kind, phase, mode: item.mode, k: item.k, n: listed.length },
                ...{ command: '?', exitCode: -1, problem: error.message, lockLeft: false, rerun: '', ms: 0 },
              })),
            );
          else expect((await lane.run(phase)).error).toBeUndefined(); // to where the next phase starts
        }
    }),
  );
  const bad = rows.filter((r) => r.problem || r.rerun);
  const counts = KINDS.flatMap((kind) =>
    (['deploy', 'rollback'] as const).map((p) => `${kind} ${p} N=${lists[kind]![p].length}`),
  );
  console.log(
    `${rows.length} cuts (${counts.join(', ')}; modes ${MODES.join(', ')}) in ${((Date.now() - t0) / 1000).toFixed(0)} s, ${bad.length} bad`,
  );
  expect(bad).toEqual([]);
  expect(rows).toHaveLength(
    KINDS.reduce(
      (s, kind) =>
        s +
        MODES.length *
          (Math.min(K_MAX, lists[kind]!.deploy.length) + Math.min(K_MAX, lists[kind]!.rollback.length)),
      0,
    ),
  );
});
