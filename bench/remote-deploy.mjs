#!/usr/bin/env node
// Benchmark (not a test) for remote-deploy (issue 3):
//   - the committed bundle deploying a small image to 1 host and to 20 hosts (20 sshd on
//     127.0.77.x whose `docker compose` is Compose v2, and 20 on 127.0.78.x with only
//     docker-compose v1; started here with pid files, one shared dockerd as in the sandbox);
//   - the same steps done by a plain OpenSSH loop (one `ssh`/`scp` per command, host after host);
//   - the same steps done by ansible-playbook (Debian package, forks = 20, ControlPersist);
//   - per-command overhead over one reused ssh2 connection vs a fresh OpenSSH connection.
// Each method deploys 1.0 once (warm-up) and is timed on the upgrade to 2.0.
// Targets: 20 hosts <= 1.5 x one host; >= 5 x faster than Ansible; <= 10 ms per command.
// Usage: node bench/remote-deploy.mjs   (needs `bash scripts/sandbox up`; run as root)
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

const HOSTS = 20;
const SSH_PORT = 2299;
const sandbox = loadSandbox();
const user = sandbox.ssh.user;
const dockerEnv = { ...process.env, DOCKER_HOST: sandbox.docker.host, DOCKER_CONFIG: sandbox.docker.config };
const REPO = `${sandbox.registry.address}/remote-deploy-app`;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rd-bench-'));
fs.chmodSync(dir, 0o755);
const pids = [];

function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...opts });
  if (r.status !== 0)
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr || r.stdout}`);
  return r.stdout;
}

function buildImages() {
  const ctx = path.join(dir, 'img');
  fs.mkdirSync(ctx);
  fs.writeFileSync(
    path.join(ctx, 'Dockerfile'),
    versionAppDockerfile({ base: sandbox.images.busybox, healthRetries: 5, healthTimeout: '5s' }),
  );
  for (const v of ['1.0', '2.0']) {
    sh('docker', ['build', '-q', '--build-arg', `VERSION=${v}`, '-t', `${REPO}:${v}`, ctx], {
      env: dockerEnv,
    });
    sh('docker', ['push', `${REPO}:${v}`], { env: dockerEnv });
  }
}

/** 20 sshd, each on its own loopback address, logging in the sandbox user with the sandbox key. */
async function startHosts(net, compose) {
  fs.mkdirSync('/run/sshd', { recursive: true });
  // v2 hosts find the sandbox's Compose v2 plugin in their DOCKER_CONFIG; v1 hosts have none.
  const dockerConfig = path.join(dir, `docker-config-${compose}`);
  fs.mkdirSync(path.join(dockerConfig, 'cli-plugins'), { recursive: true, mode: 0o755 });
  if (compose === 'v2')
    fs.symlinkSync(sandbox.compose.v2Plugin, path.join(dockerConfig, 'cli-plugins/docker-compose'));
  const auth = path.join(dir, 'auth');
  fs.mkdirSync(auth, { recursive: true, mode: 0o755 });
  fs.writeFileSync(path.join(auth, user), fs.readFileSync(sandbox.ssh.clientKeyPub), { mode: 0o644 });
  const hosts = [];
  for (let i = 1; i <= HOSTS; i++) {
    const h = {
      name: `${compose}h${i}`,
      host: `${net}.${i}`,
      port: SSH_PORT,
      compose,
      dir: path.join(dir, `${compose}h${i}`),
    };
    fs.mkdirSync(h.dir, { mode: 0o755 });
    sh('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(h.dir, 'host_key')]);
    h.work = path.join(h.dir, 'work');
    fs.mkdirSync(h.work);
    sh('chown', [`${user}:`, h.work]);
    const cfg = path.join(h.dir, 'sshd_config');
    fs.writeFileSync(
      cfg,
      [
        `Port ${SSH_PORT}`,
        `ListenAddress ${h.host}`,
        `HostKey ${h.dir}/host_key`,
        `PidFile ${h.dir}/sshd.pid`,
        `AuthorizedKeysFile ${auth}/%u`,
        `AllowUsers ${user}`,
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'UsePAM no',
        'StrictModes no',
        'MaxStartups 100:30:200',
        'Subsystem sftp /usr/lib/openssh/sftp-server',
        `SetEnv DOCKER_HOST=${sandbox.docker.host} DOCKER_CONFIG=${dockerConfig}`,
        '',
      ].join('\n'),
    );
    sh('/usr/sbin/sshd', ['-f', cfg, '-E', path.join(h.dir, 'sshd.log')]);
    pids.push(path.join(h.dir, 'sshd.pid'));
    hosts.push(h);
  }
  for (const h of hosts) {
    const deadline = Date.now() + 10_000;
    let line = '';
    while (line === '' && Date.now() < deadline) {
      line = spawnSync('ssh-keyscan', ['-p', String(SSH_PORT), '-t', 'ed25519', h.host], {
        encoding: 'utf8',
      }).stdout.trim();
      if (line === '') await new Promise((r) => setTimeout(r, 100));
    }
    if (line === '') throw new Error(`sshd on ${h.host} did not start`);
    h.knownHostsLine = line;
  }
  return hosts;
}

function stopHosts() {
  for (const pidFile of pids) {
    try {
      process.kill(Number(fs.readFileSync(pidFile, 'utf8').trim()), 'SIGTERM');
    } catch {
      // already gone
    }
  }
}

const COMPOSE = `version: "3.8"
services:
  web:
    image: ${sandbox.images.busybox}
    network_mode: host
    init: true
    environment:
      BIND: \${DEPLOY_HOST}
      PORT: \${APP_PORT}
`;

function workspace(port) {
  const ws = fs.mkdtempSync(path.join(dir, 'ws-'));
  fs.writeFileSync(path.join(ws, 'docker-compose.yml'), COMPOSE);
  fs.writeFileSync(path.join(ws, 'app.env'), `APP_PORT=${port}\n`);
  return ws;
}

async function actionDeploy(hosts, ws, version, tag) {
  const started = performance.now();
  const result = await runAction({
    action: 'remote-deploy',
    workspace: ws,
    timeoutMs: 600_000,
    inputs: {
      hosts: hosts
        .map(
          (h) =>
            `- host: ${h.host}\n  port: ${h.port}\n  project-dir: ${h.work}/${tag}\n  project-name: ${tag}${h.name}`,
        )
        .join('\n'),
      user,
      'private-key': fs.readFileSync(sandbox.ssh.clientKey, 'utf8'),
      'known-hosts': hosts.map((h) => h.knownHostsLine).join('\n'),
      'project-dir': '/unused',
      'compose-files': 'docker-compose.yml',
      'env-file': 'app.env',
      images: `web=${REPO}:${version}`,
      version,
      'health-url': `http://{host}:${fs.readFileSync(path.join(ws, 'app.env'), 'utf8').match(/\d+/)[0]}/version`,
      'health-expect': '{version}',
      parallel: '20',
      // busybox httpd cannot listen beside itself; every host at once, as this bench measures
      strategy: 'recreate',
      'max-unavailable': '100%',
    },
  });
  if (result.exitCode !== 0)
    throw new Error(`remote-deploy failed: ${result.error}\n${result.log.slice(-3000)}`);
  const elapsed = performance.now() - started;
  if (process.env.BENCH_STEPS) printSteps(JSON.parse(result.outputs.results).hosts, elapsed);
  return elapsed;
}

/** Where the time went: each step's median and slowest duration over the hosts (BENCH_STEPS=1). */
function printSteps(reports, elapsed) {
  const by = new Map();
  let first;
  first = 0;
  for (const r of reports)
    for (const s of r.steps) {
      if (!by.has(s.name)) by.set(s.name, { d: [], end: 0 });
      by.get(s.name).d.push(s.ms);
      by.get(s.name).end = Math.max(by.get(s.name).end, s.atMs + s.ms);
    }
  const rows = [...by].map(([name, { d, end }]) => {
    d.sort((a, b) => a - b);
    return `${name.padEnd(14)} median ${String(Math.round(d[d.length >> 1])).padStart(5)} ms  max ${String(Math.round(d[d.length - 1])).padStart(5)} ms  last ends at ${Math.round(end - first)} ms`;
  });
  console.error(`${reports.length} host(s), ${Math.round(elapsed)} ms process wall\n${rows.join('\n')}`);
}

/** The same Compose the action detects on the host: v2 where the plugin is, else v1. */
const composeCommand = (h) => (h.compose === 'v2' ? 'docker compose' : 'docker-compose');

/** What a hand-written deploy script does: one ssh (or scp) per command, host after host. */
function sshLoopDeploy(hosts, ws, version, port) {
  const started = performance.now();
  const kh = path.join(dir, 'known_hosts');
  fs.writeFileSync(kh, hosts.map((h) => h.knownHostsLine).join('\n') + '\n');
  const opts = [
    '-o',
    `UserKnownHostsFile=${kh}`,
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    'BatchMode=yes',
    '-i',
    sandbox.ssh.clientKey,
  ];
  for (const h of hosts) {
    const d = `${h.work}/sshloop`;
    const ssh = (cmd) => sh('ssh', [...opts, '-p', String(h.port), `${user}@${h.host}`, cmd]);
    const compose = `cd ${d} && DEPLOY_HOST=${h.host} ${composeCommand(h)} -p sshloop${h.name} -f docker-compose.yml --env-file .env`;
    ssh(`mkdir -p ${d} && mkdir ${d}/.lock`);
    sh('scp', [
      ...opts,
      '-P',
      String(h.port),
      path.join(ws, 'docker-compose.yml'),
      `${user}@${h.host}:${d}/docker-compose.yml`,
    ]);
    sh('scp', [...opts, '-P', String(h.port), path.join(ws, 'app.env'), `${user}@${h.host}:${d}/.env`]);
    ssh(`cd ${d} && printf 'services:\\n  web:\\n    image: ${REPO}:${version}\\n' > images.yml`);
    ssh(`${compose.replace('-f docker-compose.yml', '-f docker-compose.yml -f images.yml')} pull -q`);
    ssh(`${compose.replace('-f docker-compose.yml', '-f docker-compose.yml -f images.yml')} up -d`);
    ssh(
      `for i in $(seq 60); do wget -q -O - http://${h.host}:${port}/version 2>/dev/null | grep -qx ${version} && exit 0; sleep 1; done; exit 1`,
    );
    ssh(`echo ${version} >> ${d}/releases.log`);
    ssh(`rmdir ${d}/.lock`);
  }
  return performance.now() - started;
}

function ansibleDeploy(hosts, ws, version, port) {
  const adir = path.join(dir, 'ansible');
  fs.mkdirSync(adir, { recursive: true });
  const kh = path.join(dir, 'known_hosts');
  fs.writeFileSync(kh, hosts.map((h) => h.knownHostsLine).join('\n') + '\n');
  fs.writeFileSync(
    path.join(adir, 'inventory.ini'),
    '[app]\n' +
      hosts
        .map(
          (h) =>
            `${h.name} ansible_host=${h.host} ansible_port=${h.port} ansible_user=${user} work=${h.work}/ansible`,
        )
        .join('\n') +
      '\n',
  );
  fs.writeFileSync(
    path.join(adir, 'ansible.cfg'),
    `[defaults]\nhost_key_checking = True\nforks = 20\ninterpreter_python = /usr/bin/python3\ngathering = explicit\n` +
      `[ssh_connection]\nssh_args = -o ControlMaster=auto -o ControlPersist=60s -o UserKnownHostsFile=${kh} -o StrictHostKeyChecking=yes\npipelining = True\n`,
  );
  fs.writeFileSync(
    path.join(adir, 'deploy.yml'),
    `- hosts: app
  vars: { version: "${version}" }
  environment: { DEPLOY_HOST: "{{ ansible_host }}" }
  tasks:
    - file: { path: "{{ work }}", state: directory }
    - command: mkdir {{ work }}/.lock
    - copy: { src: "${ws}/docker-compose.yml", dest: "{{ work }}/docker-compose.yml", mode: "0600" }
    - copy: { src: "${ws}/app.env", dest: "{{ work }}/.env", mode: "0600" }
    - copy: { content: "services:\\n  web:\\n    image: ${REPO}:{{ version }}\\n", dest: "{{ work }}/images.yml" }
    - command: ${composeCommand(hosts[0])} -p ansible{{ inventory_hostname }} -f docker-compose.yml -f images.yml --env-file .env pull -q
      args: { chdir: "{{ work }}" }
    - command: ${composeCommand(hosts[0])} -p ansible{{ inventory_hostname }} -f docker-compose.yml -f images.yml --env-file .env up -d
      args: { chdir: "{{ work }}" }
    - uri: { url: "http://{{ ansible_host }}:${port}/version", return_content: true }
      register: page
      until: page.content is defined and page.content.strip() == version
      retries: 60
      delay: 1
    - lineinfile: { path: "{{ work }}/releases.log", line: "{{ version }}", create: true }
    - command: rmdir {{ work }}/.lock
`,
  );
  const started = performance.now();
  sh('ansible-playbook', ['-i', 'inventory.ini', '--private-key', sandbox.ssh.clientKey, 'deploy.yml'], {
    cwd: adir,
    env: { ...process.env, ANSIBLE_CONFIG: path.join(adir, 'ansible.cfg') },
  });
  return performance.now() - started;
}

/** Per-command cost: N commands over one ssh2 connection (the shared wrapper) vs a fresh `ssh` each. */
function perCommand(h) {
  const out = path.join(dir, 'shared-js');
  sh(path.join(root, 'node_modules/.bin/tsc'), [
    '--outDir',
    out,
    '--module',
    'commonjs',
    '--moduleResolution',
    'node',
    '--target',
    'es2022',
    '--esModuleInterop',
    '--skipLibCheck',
    path.join(root, 'packages/shared/src/ssh.ts'),
  ]);
  const probe = `
    const fs = require('fs');
    const s = require(${JSON.stringify(path.join(out, 'ssh.js'))});
    (async () => {
      const key = s.parseClientKey(fs.readFileSync(${JSON.stringify(sandbox.ssh.clientKey)}, 'utf8'));
      const c = await s.SshConnection.connect({ host: ${JSON.stringify(h.host)}, port: ${h.port}, user: ${JSON.stringify(user)}, key,
        hostKeys: { fingerprints: [], knownHosts: s.parseKnownHosts(${JSON.stringify(h.knownHostsLine)}) } });
      await c.exec(['true']);
      const n = 50; const t = performance.now();
      for (let i = 0; i < n; i++) { const r = await c.exec(['true']); if (r.exitCode !== 0) throw new Error('exec failed: ' + JSON.stringify(r)); }
      const seq = (performance.now() - t) / n;
      const t2 = performance.now();
      await Promise.all(Array.from({ length: n }, () => c.exec(['true'])));
      console.log(JSON.stringify({ sequentialMs: seq, parallel50Ms: performance.now() - t2 }));
      c.close();
    })();`;
  const reused = JSON.parse(
    sh(process.execPath, ['-e', probe], {
      env: { ...process.env, NODE_PATH: path.join(root, 'node_modules') },
    }),
  );
  const kh = path.join(dir, 'known_hosts');
  fs.writeFileSync(kh, h.knownHostsLine + '\n');
  const t = performance.now();
  for (let i = 0; i < 10; i++)
    sh('ssh', [
      '-o',
      `UserKnownHostsFile=${kh}`,
      '-o',
      'BatchMode=yes',
      '-i',
      sandbox.ssh.clientKey,
      '-p',
      String(h.port),
      `${user}@${h.host}`,
      'true',
    ]);
  return { ...reused, freshOpenSshMs: (performance.now() - t) / 10 };
}

function cleanupContainers() {
  const ids = sh('docker', ['ps', '-aq', '--filter', 'label=com.docker.compose.project'], { env: dockerEnv })
    .split('\n')
    .filter(Boolean);
  const ours = ids.filter((id) => {
    const p = sh('docker', ['inspect', '-f', '{{index .Config.Labels "com.docker.compose.project"}}', id], {
      env: dockerEnv,
    }).trim();
    return /^(bench(1|20)v[12]|sshloop|ansible)v[12]h\d+$/.test(p);
  });
  if (ours.length > 0) sh('docker', ['rm', '-f', ...ours], { env: dockerEnv });
  return ours.length;
}

/** Between methods: the next one must start without the last one's containers health-checking. */
function removeMethodContainers(expected) {
  const removed = cleanupContainers();
  if (removed !== expected)
    throw new Error(
      `cleanup removed ${removed} benchmark containers, expected ${expected}: is the name filter current?`,
    );
}

const fmt = (ms) => `${(ms / 1000).toFixed(1)} s`;

/** Busy CPU time of the whole machine (every "host" shares it), from /proc/stat, in seconds. */
function machineCpuSeconds() {
  const [, user, nice, system, , , irq, softirq, steal] = fs
    .readFileSync('/proc/stat', 'utf8')
    .split('\n')[0]
    .trim()
    .split(/\s+/)
    .map(Number);
  return (user + nice + system + irq + softirq + steal) / 100; // USER_HZ is 100 on Linux
}

/** CPU seconds (user + system) of a running process, from /proc/PID/stat. */
function processCpuSeconds(pid) {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime (fields 14, 15)
}

/** dockerd and its containerd: long-lived, so BSD accounting (exits only) does not see them. */
function enginePids() {
  const dockerd = Number(fs.readFileSync(sandbox.docker.pidFile, 'utf8').trim());
  const children = fs
    .readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        const stat = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
        return stat.includes('(containerd)') && stat.split(') ')[1].split(' ')[1] === String(dockerd);
      } catch {
        return false;
      }
    })
    .map(Number);
  return { dockerd, containerd: children };
}

/**
 * Where a run's CPU went: process accounting (Debian's acct, when installed) records every process
 * that exits during the run with its CPU time; dockerd and containerd are read from /proc.
 * Returns CPU seconds by command, largest first, or undefined without accton.
 */
function startAccounting() {
  if (spawnSync('accton', ['--version']).status !== 0) return undefined;
  const file = path.join(dir, `acct-${Date.now()}`);
  fs.writeFileSync(file, '');
  const engine = enginePids();
  const before = new Map([engine.dockerd, ...engine.containerd].map((p) => [p, processCpuSeconds(p)]));
  sh('accton', [file]);
  return {
    stop() {
      sh('accton', ['off']);
      const by = new Map();
      const add = (name, secs) => by.set(name, (by.get(name) ?? 0) + secs);
      for (const [pid, cpu] of before)
        add(pid === engine.dockerd ? 'dockerd' : 'containerd', processCpuSeconds(pid) - cpu);
      // struct acct_v3 (64 bytes): utime and stime are comp_t (13-bit mantissa, 3-bit base-8 exponent) in 1/100 s.
      const comp = (v) => (v & 0x1fff) << (3 * (v >> 13));
      const data = fs.readFileSync(file);
      for (let o = 0; o + 64 <= data.length; o += 64) {
        const comm = data.toString('latin1', o + 48, o + 64).replace(/\0.*$/s, '');
        add(
          comm === 'MainThread' ? 'node (the action on the runner)' : comm,
          (comp(data.readUInt16LE(o + 32)) + comp(data.readUInt16LE(o + 34))) / 100,
        );
      }
      return [...by].sort((a, b) => b[1] - a[1]);
    },
  };
}

/** Time one method's upgrade to 2.0 (after a 1.0 warm-up); its containers are removed afterwards. */
async function timed(results, key, warmUp, upgrade) {
  await warmUp();
  const account = key === 'action20v2' ? startAccounting() : undefined;
  const cpu0 = machineCpuSeconds();
  results[key] = { ms: await upgrade(), cpuSeconds: 0 };
  results[key].cpuSeconds = machineCpuSeconds() - cpu0;
  if (account) {
    results.breakdown20v2 = account.stop();
    console.log(`CPU-s by command: ${JSON.stringify(results.breakdown20v2.slice(0, 12))}`);
  }
  fs.writeFileSync(path.join(dir, 'partial.json'), JSON.stringify(results, null, 2) + '\n');
  console.log(`${key}: ${fmt(results[key].ms)} wall, ${results[key].cpuSeconds.toFixed(1)} CPU-s`);
}

/** Ends a partial run (BENCH_ONLY) through the cleanup below, not around it. */
class Done extends Error {}

const only = process.env.BENCH_ONLY ?? ''; // "action": skip the OpenSSH loop and Ansible

try {
  buildImages();
  const v2 = await startHosts('127.0.77', 'v2');
  const v1 = await startHosts('127.0.78', 'v1');
  // Idle machine first; again later, with the 20 benchmark containers running their healthchecks.
  const perCommandIdle = perCommand(v2[0]);
  const results = {};
  let port = 31000;
  for (const [kind, hosts] of [
    ['v2', v2],
    ['v1', v1],
  ]) {
    for (const n of [1, HOSTS]) {
      const ws = workspace(++port);
      const tag = `bench${n}${kind}`;
      await timed(
        results,
        `action${n}${kind}`,
        () => actionDeploy(hosts.slice(0, n), ws, '1.0', tag),
        () => actionDeploy(hosts.slice(0, n), ws, '2.0', tag),
      );
      if (kind === 'v2' && n === HOSTS) results.perCommandLoaded = perCommand(v2[0]);
      removeMethodContainers(n);
    }
    if (only === 'action') continue;
    const wsLoop = workspace(++port);
    await timed(
      results,
      `sshLoop${kind}`,
      async () => sshLoopDeploy(hosts, wsLoop, '1.0', port),
      async () => sshLoopDeploy(hosts, wsLoop, '2.0', port),
    );
    removeMethodContainers(HOSTS);
    const wsAnsible = workspace(++port);
    await timed(
      results,
      `ansible${kind}`,
      async () => ansibleDeploy(hosts, wsAnsible, '1.0', port),
      async () => ansibleDeploy(hosts, wsAnsible, '2.0', port),
    );
    removeMethodContainers(HOSTS);
  }
  results.perCommandIdle = perCommandIdle;
  if (only === 'action') throw new Done();

  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const when = new Date().toISOString();
  const json = {
    when,
    machine: `${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}`,
    hosts: HOSTS,
    ...results,
  };
  fs.mkdirSync(path.join(root, 'bench/results'), { recursive: true });
  fs.writeFileSync(path.join(root, 'bench/results/remote-deploy.json'), JSON.stringify(json, null, 2) + '\n');
  const r = results;
  const pc = r.perCommandIdle;
  const pl = r.perCommandLoaded;
  const cores = os.cpus().length;
  // The floor: no schedule finishes before the machine has done the work (CPU-s / cores).
  const row = (method, compose, n, m, ratio) =>
    `| ${method} | ${compose} | ${n} | ${fmt(m.ms)} | ${m.cpuSeconds.toFixed(1)} | ${fmt((m.cpuSeconds / cores) * 1000)} | ${ratio} |`;
  const rowsFor = (kind, label) => {
    const [one, many, loop, ansible] = ['action1', 'action20', 'sshLoop', 'ansible'].map((m) => r[m + kind]);
    return [
      row('remote-deploy', label, 1, one, `1.00 × (${kind} baseline)`),
      row('remote-deploy', label, HOSTS, many, `${(many.ms / one.ms).toFixed(2)} × one host (target ≤ 1.5)`),
      row(
        'OpenSSH loop (one ssh/scp per command)',
        label,
        HOSTS,
        loop,
        `remote-deploy is ${(loop.ms / many.ms).toFixed(1)} × faster`,
      ),
      row(
        'ansible-playbook (forks 20, ControlPersist, pipelining)',
        label,
        HOSTS,
        ansible,
        `remote-deploy is ${(ansible.ms / many.ms).toFixed(1)} × faster (target ≥ 5)`,
      ),
    ];
  };
  const md = [
    `Measured ${when} on ${json.machine}; every "host" is an sshd on this machine and all share one dockerd (as in the sandbox).`,
    `Each method deploys 1.0 (warm-up), then is timed upgrading to 2.0: lock, upload env + compose, pull, \`up -d\`, HTTP health, release log, unlock.`,
    `"CPU-s" is the busy CPU time of the whole machine during the timed run (runner and all hosts): with ${cores} cores no run can be shorter than CPU-s / ${cores} ("CPU floor"), however it is scheduled.`,
    '',
    '| Method | Compose on the hosts | Hosts | Wall time | CPU-s | CPU floor | Ratio |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rowsFor('v2', 'v2 (2.26, Go)'),
    ...rowsFor('v1', 'v1 (1.29, Python)'),
    '',
    `The 20-host deploy on Compose v2 takes ${(r.action20v2.ms / ((r.action20v2.cpuSeconds / cores) * 1000)).toFixed(2)} × its CPU floor: ` +
      `the 2 cores are busy with 20 hosts' work (sshd, bash, the docker CLI, Compose, dockerd recreating 20 containers and running their healthchecks), ` +
      `not waiting on the tool. On real servers each host brings its own CPU; here all 20 share these 2 cores. ` +
      `Compose v1 (Python) costs ${(r.action20v1.cpuSeconds / r.action20v2.cpuSeconds).toFixed(1)} × the CPU of v2 for the same 20 hosts.`,
    '',
    ...(r.breakdown20v2
      ? [
          `Where the CPU of the 20-host v2 run went (process accounting, CPU-s by command): ` +
            r.breakdown20v2
              .filter(([, secs]) => secs >= 0.1)
              .map(([name, secs]) => `${name} ${secs.toFixed(1)}`)
              .join(', ') +
            '.',
          '',
        ]
      : []),
    `Per command (target ≤ 10 ms): ${pc.sequentialMs.toFixed(1)} ms over the reused ssh2 connection on the idle machine (50 in parallel on it: ${pc.parallel50Ms.toFixed(0)} ms), vs ${pc.freshOpenSshMs.toFixed(0)} ms for a fresh OpenSSH connection; ` +
      `${pl.sequentialMs.toFixed(1)} ms vs ${pl.freshOpenSshMs.toFixed(0)} ms with the 20 benchmark containers running their healthchecks.`,
    '',
  ].join('\n');
  fs.writeFileSync(path.join(root, 'bench/results/remote-deploy.md'), md);
  console.log(md);
} catch (error) {
  if (!(error instanceof Done)) throw error;
} finally {
  try {
    cleanupContainers();
  } catch (error) {
    console.error(`cleanup: ${error.message}`);
  }
  stopHosts();
}
