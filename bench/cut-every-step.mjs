#!/usr/bin/env node
// Exhaustive cut-at-every-step on the sandbox (issue 19, R4) with the FULL example Django app —
// too slow for CI, which walks every k on the real sandbox with a fast stand-in app
// (__tests__/integration/remote-deploy/cut-every-step.test.ts) and over fake hosts (unit).
// The example app on one sandbox host (Compose v2) and on a host without the v2 plugin (Compose
// v1), both at once. For deploy 1.0.0 -> 1.1.0 and for rollback-to 1.0.0, it first lists the remote
// commands (DEPLOY_KIT_TEST_CUT=list), then for k = 1..N drops the connection after command k
// (DEPLOY_KIT_TEST_CUT=k:after; then k:before) and checks: every service runs ONE container of ONE
// release, nginx answers /version with it, `current` names it, the lock is gone, and a rerun
// without the cut succeeds. Writes
// bench/results/cut-every-step.{json,md} after every cut.
// Usage: node bench/cut-every-step.mjs   (needs `bash scripts/sandbox up --with-debian`; as root)
//   CUT_MODES=after,before   CUT_COMPOSE=v2,v1   CUT_FROM=1   to narrow a run.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  benchDir,
  buildExampleImages,
  docker,
  exampleWorkspace,
  imagesInput,
  root,
  runAction,
  sandbox,
  sh,
} from './lib/example-app.mjs';

const MODES = (process.env.CUT_MODES ?? 'after,before').split(',');
const KINDS = (process.env.CUT_COMPOSE ?? 'v2,v1').split(',');
const FROM = Number(process.env.CUT_FROM ?? 1);
const dir = benchDir('zd-cut-');
const pids = [];
const projects = [];

/** A host without the Compose v2 plugin: its own sshd (pid file under dir), DOCKER_CONFIG without cli-plugins. */
function v1Host() {
  const d = fs.mkdtempSync(path.join(dir, 'sshd-'));
  fs.chmodSync(d, 0o755);
  const cfgDir = path.join(d, 'dockercfg');
  fs.mkdirSync(cfgDir, { mode: 0o755 });
  const host = `127.0.${200 + Math.floor(Math.random() * 50)}.${2 + Math.floor(Math.random() * 250)}`;
  const port = 30000 + Math.floor(Math.random() * 20000);
  sh('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(d, 'host_key')]);
  fs.mkdirSync(path.join(d, 'auth'), { mode: 0o755 });
  fs.writeFileSync(path.join(d, 'auth', sandbox.ssh.user), fs.readFileSync(sandbox.ssh.clientKeyPub), {
    mode: 0o644,
  });
  fs.mkdirSync('/run/sshd', { recursive: true });
  const cfg = path.join(d, 'sshd_config');
  fs.writeFileSync(
    cfg,
    [
      `Port ${port}`,
      `ListenAddress ${host}`,
      `HostKey ${d}/host_key`,
      `PidFile ${d}/sshd.pid`,
      `AuthorizedKeysFile ${d}/auth/%u`,
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'StrictModes no',
      'Subsystem sftp /usr/lib/openssh/sftp-server',
      `SetEnv DOCKER_HOST=${sandbox.docker.host} DOCKER_CONFIG=${cfgDir}`,
      '',
    ].join('\n'),
  );
  sh('/usr/sbin/sshd', ['-f', cfg, '-E', path.join(d, 'log')]);
  for (let i = 0; i < 50 && !fs.existsSync(path.join(d, 'sshd.pid')); i++) spawnSync('sleep', ['0.1']);
  pids.push(Number(fs.readFileSync(path.join(d, 'sshd.pid'), 'utf8')));
  const key = fs.readFileSync(path.join(d, 'host_key.pub'), 'utf8').trim().split(' ').slice(0, 2).join(' ');
  const workDir = fs.mkdtempSync(path.join(dir, 'v1-'));
  sh('chown', [`${sandbox.ssh.user}:`, workDir]);
  return { name: 'v1', host, port, knownHostsLine: `[${host}]:${port} ${key}`, workDir };
}

function getVersion(url) {
  return new Promise((resolve) => {
    const req = http.get(
      url,
      { agent: false, timeout: 10000, headers: { 'X-Forwarded-Proto': 'https' } },
      (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () =>
          resolve(
            res.statusCode === 200
              ? (/"version":\s*"([^"]+)"/.exec(body)?.[1] ?? '?')
              : `HTTP ${res.statusCode}`,
          ),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve(e.code ?? e.message));
  });
}

async function walk(kind, target, images) {
  target = await target;
  const tag = `zdc${Math.random().toString(16).slice(2, 8)}`;
  const port = 20000 + Math.floor(Math.random() * 6000),
    nginxPort = port + 6000;
  const ws = exampleWorkspace(dir, tag, { port, nginxPort });
  const projectDir = `${target.workDir}/${tag}`;
  const project = `${tag}${target.name}`;
  projects.push(project);
  const run = (extra, env = {}) =>
    runAction({
      action: 'remote-deploy',
      workspace: ws,
      timeoutMs: 600_000,
      env,
      inputs: {
        hosts: `- host: ${target.host}\n  port: ${target.port}\n  project-dir: ${projectDir}\n  project-name: ${project}`,
        user: sandbox.ssh.user,
        'private-key': fs.readFileSync(sandbox.ssh.clientKey, 'utf8'),
        'known-hosts': target.knownHostsLine,
        'project-dir': projectDir,
        'compose-files': 'docker-compose.yml\ndeploy/compose.sandbox.yml',
        'env-file': '.env',
        'health-timeout': '150s',
        'lock-timeout': '10s',
        ...extra,
      },
    });
  const release = (v) => ({
    version: v,
    images: imagesInput(images[v]),
  });
  const check = async () => {
    const seen = new Set();
    for (const s of ['web', 'nginx', 'celery', 'celery_beat']) {
      const ids = docker([
        'ps',
        '-q',
        '--filter',
        `label=com.docker.compose.project=${project}`,
        '--filter',
        `label=com.docker.compose.service=${s}`,
      ])
        .split('\n')
        .filter(Boolean);
      if (ids.length !== 1) return `${s}: ${ids.length} containers`;
      const image = docker(['inspect', '-f', '{{.Config.Image}}', ids[0]]).trim();
      seen.add(Object.keys(images).find((v) => Object.values(images[v]).includes(image)) ?? image);
    }
    if (seen.size !== 1) return `mixed releases: ${[...seen].join(', ')}`;
    const served = await getVersion(`http://${target.host}:${nginxPort}/version`);
    if (served !== [...seen][0]) return `nginx answers ${served}, containers run ${[...seen][0]}`;
    const current = path.basename(fs.readlinkSync(`${projectDir}/current`));
    if (current !== [...seen][0]) return `current names ${current}, containers run ${[...seen][0]}`;
    return '';
  };
  // Deploy k's rerun leaves 1.1.0, where rollback k starts; rollback k's rerun leaves 1.0.0, where
  // deploy k+1 starts: no extra deploy to restore the starting state.
  const phases = [
    ['deploy 1.0.0 -> 1.1.0', release('1.1.0'), '1.1.0'],
    ['rollback-to 1.0.0', { 'rollback-to': '1.0.0' }, '1.0.0'],
  ];
  if ((await run(release('1.0.0'))).exitCode !== 0) throw new Error(`${kind}: the first deploy failed`);
  const n = [];
  for (const [phase, target_] of phases) {
    const listed = await run(target_, { DEPLOY_KIT_TEST_CUT: 'list' });
    if (listed.exitCode !== 0) throw new Error(`${kind} ${phase}: the uncut run failed: ${listed.error}`);
    n.push((listed.log.match(/test-cut command \d+:/g) ?? []).length);
  }
  console.log(`${kind}: N = ${n[0]} (deploy), ${n[1]} (rollback)`);
  for (const mode of MODES)
    for (let k = FROM; k <= Math.max(...n); k++)
      for (const [i, [phase, target_, version]] of phases.entries()) {
        if (k > n[i]) {
          await run(target_); // to where the next phase starts
          continue;
        }
        const t = Date.now();
        const cut = await run(target_, { DEPLOY_KIT_TEST_CUT: `${k}:${mode}` });
        // '(not reached)': this run sent fewer than k commands (the health gate polled fewer times).
        const label = (/test-cut: connection dropped .* \((\S+)/.exec(cut.log) ?? [])[1] ?? '(not reached)';
        // Released, also when the cut hit the unlock itself (one more try on a new connection).
        const lockLeft = fs.existsSync(`${projectDir}/.deploy-kit/lock`);
        const after = (await check()) || (lockLeft ? 'the lock is still there' : '');
        const rerun = await run(target_);
        const afterRerun =
          rerun.exitCode !== 0
            ? `rerun failed: ${rerun.error}`
            : (await check()) ||
              ((await getVersion(`http://${target.host}:${nginxPort}/version`)) === version
                ? ''
                : `rerun does not serve ${version}`) ||
              (fs.existsSync(`${projectDir}/.deploy-kit/lock`) ? 'the rerun left the lock' : '');
        const row = {
          kind,
          phase,
          mode,
          k,
          n: n[i],
          command: label,
          exitCode: cut.exitCode,
          problem: after,
          lockLeft,
          rerun: afterRerun,
          ms: Date.now() - t,
        };
        rows.push(row);
        save();
        console.log(
          `${kind} ${phase} ${mode} ${k}/${n[i]} ${label}: ${after || 'one whole release, lock released'}; rerun: ${afterRerun || 'ok'} (${((Date.now() - t) / 1000).toFixed(0)} s)`,
        );
      }
  return rows;
}

// CUT_FROM > 1 continues an earlier run: its rows for k < CUT_FROM stay in the results.
const resultsFile = path.join(root, 'bench/results/cut-every-step.json');
const rows =
  FROM > 1 && fs.existsSync(resultsFile)
    ? JSON.parse(fs.readFileSync(resultsFile, 'utf8')).filter((r) => r.k < FROM)
    : [];
const started = new Date();
/** Written after every cut, so an interrupted run keeps what it measured. */
function save() {
  const bad = rows.filter((r) => r.problem || r.rerun);
  const counts = [...new Set(rows.map((r) => `${r.kind} ${r.phase.split(' ')[0]} N=${r.n}`))];
  const lines = [
    '## Cut at every step with the example Django app (issue 19, R4)',
    '',
    `Measured ${started.toISOString()} on ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, load average ${os.loadavg()[0].toFixed(1)} at the last cut (other sessions share the machine): the example app (gunicorn web, nginx, celery, beat; host network) on one host per Compose generation, strategy zero-downtime. For k = 1..N the connection drops at remote command k; then the host must run one container per service, all of one release, nginx answering /version with it, \`current\` naming it, the lock released, and a rerun without the cut must succeed. The health gate polls until healthy, so a run may send more or fewer commands than the listed one: k counts the commands of each run, and a k past the end of a shorter run cuts nothing ("(not reached)").`,
    `Command: \`node bench/cut-every-step.mjs\` (CUT_MODES=${MODES.join(',')}, CUT_COMPOSE=${KINDS.join(',')}${FROM > 1 ? `, CUT_FROM=${FROM}` : ''}). ${counts.join(', ')}.`,
    '',
    `**${rows.length} cuts, ${bad.length} left a host not serving one whole release or a rerun failing.**`,
    '',
    '| compose | phase | mode | k / N | command cut | exit code of the cut run | state after the cut | rerun | seconds (cut + rerun) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${r.kind} | ${r.phase} | ${r.mode} | ${r.k} / ${r.n} | ${r.command} | ${r.exitCode} | ${r.problem || 'one whole release, lock released'} | ${r.rerun || 'ok'} | ${(r.ms / 1000).toFixed(0)} |`,
    ),
  ];
  fs.mkdirSync(path.join(root, 'bench/results'), { recursive: true });
  fs.writeFileSync(
    path.join(root, 'bench/results/cut-every-step.json'),
    JSON.stringify(rows, null, 2) + '\n',
  );
  fs.writeFileSync(path.join(root, 'bench/results/cut-every-step.md'), lines.join('\n') + '\n');
}

try {
  const images = buildExampleImages('zd-cut-app', ['1.0.0', '1.1.0']);
  // One host per Compose generation, both walked at once (separate projects, ports and locks).
  await Promise.all(KINDS.map((kind) => walk(kind, kind === 'v2' ? sandbox.ssh.hosts[0] : v1Host(), images)));
  const bad = rows.filter((r) => r.problem || r.rerun);
  console.log(
    `\n${rows.length} cuts, ${bad.length} left a host not serving one whole release or a rerun failing.`,
  );
  process.exitCode = bad.length > 0 ? 1 : 0;
} finally {
  for (const project of projects) {
    const ids = docker(['ps', '-aq', '--filter', `label=com.docker.compose.project=${project}`]).trim();
    if (ids) docker(['rm', '-f', ...ids.split('\n')]);
  }
  for (const pid of pids)
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      /* gone */
    }
}
