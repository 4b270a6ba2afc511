#!/usr/bin/env node
// Exhaustive cut-at-every-step on the sandbox (issue 19, R4) — too slow for CI, which runs every k
// over fake hosts (unit) and two real cuts inside the switch (integration, Compose v2).
// The example app on one sandbox host (Compose v2) and on a host without the v2 plugin (Compose
// v1). For deploy 1.0.0 -> 1.1.0 and for rollback-to 1.0.0, it first lists the remote commands
// (DEPLOY_KIT_TEST_CUT=list), then for k = 1..N drops the connection after command k
// (DEPLOY_KIT_TEST_CUT=host=k) and checks: every service runs ONE container of ONE release, nginx
// answers /version with it, the lock is gone, and a rerun without the cut succeeds.
// Usage: node bench/cut-every-step.mjs   (needs `bash scripts/sandbox up --with-debian`; as root)
//   CUT_MODES=after,before   CUT_COMPOSE=v2,v1   CUT_FROM=1   to narrow a run.
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { runAction, loadSandbox } = require(path.join(root, 'packages/harness/dist/index.js'));

const sandbox = loadSandbox();
const APP_DIR = path.join(root, 'examples/django-app');
const REPOSITORY = `${sandbox.registry.address}/zd-cut-app`;
const dockerEnv = { ...process.env, DOCKER_HOST: sandbox.docker.host, DOCKER_CONFIG: sandbox.docker.config };
const MODES = (process.env.CUT_MODES ?? 'after,before').split(',');
const KINDS = (process.env.CUT_COMPOSE ?? 'v2,v1').split(',');
const FROM = Number(process.env.CUT_FROM ?? 1);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zd-cut-'));
fs.chmodSync(dir, 0o755);
const pids = [];

function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...opts });
  if (r.status !== 0)
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr || r.stdout}`);
  return r.stdout;
}
const docker = (args) => sh(sandbox.docker.cli ?? 'docker', args, { env: dockerEnv });

function buildImages() {
  const out = {};
  for (const version of ['1.0.0', '1.1.0']) {
    const web = `${REPOSITORY}:${version}`;
    const nginx = `${REPOSITORY}-nginx:${version}`;
    for (const [target, tag] of [
      ['web', web],
      ['nginx', nginx],
    ]) {
      docker([
        'build',
        '-q',
        '--network',
        'host',
        '--target',
        target,
        '--build-arg',
        `BASE_IMAGE=${sandbox.images.debian}`,
        '--build-arg',
        `APP_VERSION=${version}`,
        '-t',
        tag,
        APP_DIR,
      ]);
      docker(['push', '-q', tag]);
    }
    out[version] = { web, celery: web, celery_beat: web, nginx };
  }
  return out;
}

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
  const tag = `zdc${Math.random().toString(16).slice(2, 8)}`;
  const ws = path.join(dir, `ws-${tag}`);
  fs.mkdirSync(path.join(ws, 'deploy'), { recursive: true });
  for (const f of ['docker-compose.yml', 'deploy/compose.sandbox.yml'])
    fs.copyFileSync(path.join(APP_DIR, f), path.join(ws, f));
  const port = 20000 + Math.floor(Math.random() * 6000),
    nginxPort = port + 6000;
  fs.writeFileSync(
    path.join(ws, '.env'),
    [
      'DEBUG=false',
      `DJANGO_SECRET_KEY=${tag}-${'k'.repeat(50)}`,
      'ALLOWED_HOSTS=*',
      'DATABASE_URL=sqlite:////var/lib/django-app/db.sqlite3',
      `PORT=${port}`,
      `NGINX_PORT=${nginxPort}`,
      'GUNICORN_WORKERS=2',
      '',
    ].join('\n'),
  );
  const projectDir = `${target.workDir}/${tag}`;
  const project = `${tag}${target.name}`;
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
    images: Object.entries(images[v])
      .map(([s, i]) => `${s}=${i}`)
      .join('\n'),
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
    if (fs.existsSync(`${projectDir}/.deploy-kit/lock`)) return 'the lock is still there';
    return '';
  };
  const rows = [];
  for (const [phase, setUp, target_] of [
    ['deploy 1.0.0 -> 1.1.0', [release('1.0.0')], release('1.1.0')],
    ['rollback-to 1.0.0', [release('1.0.0'), release('1.1.0')], { 'rollback-to': '1.0.0' }],
  ]) {
    for (const s of setUp)
      if ((await run(s)).exitCode !== 0) throw new Error(`${kind} ${phase}: set-up deploy failed`);
    const listed = await run(target_, { DEPLOY_KIT_TEST_CUT: 'list' });
    const n = (listed.log.match(/test-cut command \d+:/g) ?? []).length;
    for (const mode of MODES)
      for (let k = FROM; k <= n; k++) {
        for (const s of setUp.slice(-1)) await run(s); // back to the starting release
        const t = Date.now();
        const cut = await run(target_, { DEPLOY_KIT_TEST_CUT: `${k}:${mode}` });
        const after = await check();
        const rerun = await run(target_);
        const afterRerun = rerun.exitCode === 0 ? await check() : `rerun failed: ${rerun.error}`;
        const label = (/test-cut: connection dropped .* \((\S+)/.exec(cut.log) ?? [])[1] ?? '?';
        const row = {
          kind,
          phase,
          mode,
          k,
          n,
          command: label,
          exitCode: cut.exitCode,
          problem: after,
          rerun: afterRerun,
          ms: Date.now() - t,
        };
        rows.push(row);
        console.log(
          `${kind} ${phase} ${mode} ${k}/${n} ${label}: ${after || 'one whole release, lock released'}; rerun: ${afterRerun || 'ok'}`,
        );
      }
  }
  return rows;
}

try {
  const images = buildImages();
  const rows = [];
  for (const kind of KINDS)
    rows.push(...(await walk(kind, kind === 'v2' ? sandbox.ssh.hosts[0] : v1Host(), images)));
  const bad = rows.filter((r) => r.problem || r.rerun);
  console.log(
    `\n${rows.length} cuts, ${bad.length} left a host not serving one whole release or a rerun failing.`,
  );
  fs.mkdirSync(path.join(root, 'bench/results'), { recursive: true });
  fs.writeFileSync(
    path.join(root, 'bench/results/cut-every-step.json'),
    JSON.stringify(rows, null, 2) + '\n',
  );
  process.exitCode = bad.length > 0 ? 1 : 0;
} finally {
  for (const pid of pids)
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      /* gone */
    }
}
