#!/usr/bin/env node
// Benchmark (not a test) for issue 22: how far ONE runner goes with remote-deploy.
// The committed bundle works on 1..250 sandbox hosts (real sshd each, on its own loopback
// address; all share this machine's one dockerd): a dry run (connect, host key, lock, Compose,
// disk, image checks: the runner's work with next to no host work) with every host at once, and a
// real deploy of a tiny image (busybox httpd, no Docker healthcheck so 250 containers do not
// exec a probe every second) with `parallel` hosts at once, HTTP-checked from the runner.
// Measured per run: wall time; the action's node process CPU-s (user + sys) and peak RSS (from
// process.resourceUsage() at its exit, via NODE_OPTIONS --require); the whole machine's busy
// CPU-s (/proc/stat, includes the hosts' sshd/docker work and anything else running).
// Usage: DEPLOY_KIT_SANDBOX_SSH_HOSTS=250 bash scripts/sandbox up; node bench/remote-deploy-fleet.mjs
//   env: FLEET_SIZES=1,10,50,100,200,250  FLEET_PARALLEL=50  FLEET_DEPLOY=0 (dry runs only)
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { runAction, loadSandbox, versionAppDockerfile } = require(
  path.join(root, 'packages/harness/dist/index.js'),
);

const sandbox = loadSandbox();
const allHosts = sandbox.ssh.hosts;
const SIZES = (process.env.FLEET_SIZES ?? '1,10,50,100,200,250')
  .split(',')
  .map(Number)
  .filter((n) => n <= allHosts.length);
const PARALLEL = Number(process.env.FLEET_PARALLEL ?? 50);
const DEPLOY = process.env.FLEET_DEPLOY !== '0';
/** remote-deploy's own ceiling on `parallel`. */
const MAX_PARALLEL = 100;
const dockerEnv = { ...process.env, DOCKER_HOST: sandbox.docker.host, DOCKER_CONFIG: sandbox.docker.config };
const REPO = `${sandbox.registry.address}/fleet-app`;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rd-fleet-'));
fs.chmodSync(dir, 0o755);
const PORT = 20000 + Math.floor(Math.random() * 10000);

function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 << 20, ...opts });
  if (r.status !== 0)
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr || r.stdout}`);
  return r.stdout;
}
const docker = (args) => sh(sandbox.docker.cli ?? 'docker', args, { env: dockerEnv });

function buildImage() {
  const ctx = path.join(dir, 'img');
  fs.mkdirSync(ctx);
  fs.writeFileSync(path.join(ctx, 'Dockerfile'), versionAppDockerfile({ base: sandbox.images.busybox }));
  docker(['build', '-q', '--build-arg', 'VERSION=1.0', '-t', `${REPO}:1.0`, ctx]);
  docker(['push', '-q', `${REPO}:1.0`]);
}

const COMPOSE = `services:
  web:
    image: ${REPO}:1.0
    network_mode: host
    init: true
    healthcheck:
      disable: true
    environment:
      BIND: \${DEPLOY_HOST}
      PORT: \${APP_PORT}
`;

// Written into the action's node process: its own CPU and peak RSS when it exits.
const HOOK = path.join(dir, 'rusage.cjs');
fs.writeFileSync(
  HOOK,
  `process.on('exit', () => { const u = process.resourceUsage();
  require('fs').writeFileSync(process.env.FLEET_RUSAGE, JSON.stringify({ cpuUs: u.userCPUTime + u.systemCPUTime, maxRssKb: u.maxRSS })); });\n`,
);

function machineBusyTicks() {
  const cpu = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = cpu[3] + cpu[4];
  return cpu.reduce((a, b) => a + b, 0) - idle;
}

async function run(hosts, tag, extra) {
  const ws = fs.mkdtempSync(path.join(dir, 'ws-'));
  fs.writeFileSync(path.join(ws, 'docker-compose.yml'), COMPOSE);
  fs.writeFileSync(path.join(ws, 'app.env'), `APP_PORT=${PORT}\n`);
  const rusage = path.join(dir, `rusage-${tag}.json`);
  const ticks = machineBusyTicks();
  const started = performance.now();
  const result = await runAction({
    action: 'remote-deploy',
    workspace: ws,
    timeoutMs: 1_800_000,
    removeTemp: 'after-run',
    env: { NODE_OPTIONS: `--require ${HOOK}`, FLEET_RUSAGE: rusage },
    inputs: {
      hosts: hosts
        .map(
          (h) =>
            `- host: ${h.host}\n  port: ${h.port}\n  project-dir: ${h.workDir}/fleet\n  project-name: fleet${h.name}`,
        )
        .join('\n'),
      user: sandbox.ssh.user,
      'private-key': fs.readFileSync(sandbox.ssh.clientKey, 'utf8'),
      'known-hosts': hosts.map((h) => h.knownHostsLine).join('\n'),
      'project-dir': '/unused',
      'compose-files': 'docker-compose.yml',
      'env-file': 'app.env',
      images: `web=${REPO}:1.0`,
      version: '1.0',
      'health-url': `http://{host}:${PORT}/version`,
      'health-expect': '{version}',
      'health-timeout': '300s',
      'lock-timeout': '30s',
      timeout: '30m',
      ...extra,
    },
  });
  const wallMs = performance.now() - started;
  const machineCpuS = (machineBusyTicks() - ticks) / 100;
  const u = JSON.parse(fs.readFileSync(rusage, 'utf8'));
  if (result.exitCode !== 0) {
    console.error(`remote-deploy (${tag}) failed: ${result.error}\n${result.log.slice(-4000)}`);
    return {
      wallMs,
      runnerCpuS: u.cpuUs / 1e6,
      peakRssMb: u.maxRssKb / 1024,
      machineCpuS,
      failed: result.error,
    };
  }
  fs.rmSync(ws, { recursive: true, force: true });
  const resultsKb = Buffer.byteLength(result.outputs.results ?? '') / 1024;
  const summaryKb = Buffer.byteLength(result.summary ?? '') / 1024;
  return {
    wallMs,
    runnerCpuS: u.cpuUs / 1e6,
    peakRssMb: u.maxRssKb / 1024,
    machineCpuS,
    resultsKb,
    summaryKb,
  };
}

/**
 * Remove the fleet's containers, 20 at a time with a time limit (one `docker rm -f` of 100
 * containers once wedged this shared dockerd for minutes).
 */
function cleanup(hosts) {
  const ids = docker(['ps', '-aq', '--filter', 'name=fleethost']).trim().split('\n').filter(Boolean);
  for (let i = 0; i < ids.length; i += 20) {
    const r = spawnSync(sandbox.docker.cli ?? 'docker', ['rm', '-f', ...ids.slice(i, i + 20)], {
      env: dockerEnv,
      encoding: 'utf8',
      timeout: 120_000,
    });
    if (r.status !== 0) console.error(`cleanup: docker rm -f failed (${r.status ?? r.signal}): ${r.stderr}`);
  }
  for (const h of hosts) fs.rmSync(path.join(h.workDir, 'fleet'), { recursive: true, force: true });
}

const rows = [];
try {
  buildImage();
  for (const n of SIZES) {
    const hosts = allHosts.slice(0, n);
    const all = Math.min(n, MAX_PARALLEL);
    const dry = await run(hosts, `dry-${n}`, { 'dry-run': 'true', parallel: String(all) });
    rows.push({ hosts: n, kind: `dry run (parallel ${all})`, parallel: all, ...dry });
    console.log(JSON.stringify(rows[rows.length - 1]));
    if (!DEPLOY) continue;
    const p = Math.min(n, PARALLEL);
    const dep = await run(hosts, `deploy-${n}`, { parallel: String(p) });
    rows.push({ hosts: n, kind: `deploy (parallel ${p})`, parallel: p, ...dep });
    console.log(JSON.stringify(rows[rows.length - 1]));
    cleanup(hosts);
  }
} finally {
  cleanup(allHosts);
  fs.rmSync(dir, { recursive: true, force: true });
}

const cpus = os.cpus();
const when = new Date().toISOString();
const table = [
  '| Hosts | Run | Wall time | Runner CPU-s | Runner CPU-s per host | Runner peak RSS | Machine CPU-s (all hosts + runner) | `results` output | Job summary |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ...rows.map(
    (r) =>
      `| ${r.hosts} | ${r.kind}${r.failed ? ` (FAILED: ${r.failed})` : ''} | ${(r.wallMs / 1000).toFixed(1)} s | ${r.runnerCpuS.toFixed(2)} | ${(r.runnerCpuS / r.hosts).toFixed(3)} | ${Math.round(r.peakRssMb)} MiB | ${r.machineCpuS.toFixed(1)} | ${Math.round(r.resultsKb ?? 0)} KiB | ${Math.round(r.summaryKb ?? 0)} KiB |`,
  ),
];
const md = [
  `Measured ${when} on ${cpus.length} × ${cpus[0]?.model ?? 'CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, load average ${os.loadavg()[0].toFixed(1)} at the end (other sessions share the machine).`,
  "Every host is a real sshd on its own loopback address; all share one dockerd and these cores, so the deploy rows measure this machine, not the runner: the runner columns are the action's own node process.",
  `Command: \`node bench/remote-deploy-fleet.mjs\` (FLEET_SIZES=${SIZES.join(',')}, FLEET_PARALLEL=${PARALLEL}).`,
  '',
  ...table,
  '',
].join('\n');
fs.mkdirSync(path.join(root, 'bench/results'), { recursive: true });
fs.writeFileSync(
  path.join(root, 'bench/results/remote-deploy-fleet.json'),
  `${JSON.stringify({ when, rows }, null, 2)}\n`,
);
fs.writeFileSync(path.join(root, 'bench/results/remote-deploy-fleet.md'), md);
console.log(md);
