#!/usr/bin/env node
// Benchmark (not a test) for remote-deploy (issue 3):
//   - the committed bundle deploying a small image to 1 host and to 20 hosts (20 sshd on
//     127.0.77.x, started here with pid files, one shared dockerd as in the sandbox);
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
const { runAction, loadSandbox } = require(path.join(root, 'packages/harness/dist/index.js'));

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
    [
      `FROM ${sandbox.images.busybox}`,
      'ARG VERSION',
      'RUN mkdir -p /www && echo "$VERSION" > /www/version',
      'HEALTHCHECK --interval=1s --timeout=5s --retries=5 CMD wget -q -O /dev/null "http://$BIND:$PORT/version" || exit 1',
      'CMD httpd -f -p "$BIND:$PORT" -h /www',
      '',
    ].join('\n'),
  );
  for (const v of ['1.0', '2.0']) {
    sh('docker', ['build', '-q', '--build-arg', `VERSION=${v}`, '-t', `${REPO}:${v}`, ctx], {
      env: dockerEnv,
    });
    sh('docker', ['push', `${REPO}:${v}`], { env: dockerEnv });
  }
}

/** 20 sshd, each on its own loopback address, logging in the sandbox user with the sandbox key. */
async function startHosts() {
  fs.mkdirSync('/run/sshd', { recursive: true });
  const emptyDockerConfig = path.join(dir, 'docker-config');
  fs.mkdirSync(emptyDockerConfig, { mode: 0o755 });
  const auth = path.join(dir, 'auth');
  fs.mkdirSync(auth, { mode: 0o755 });
  fs.writeFileSync(path.join(auth, user), fs.readFileSync(sandbox.ssh.clientKeyPub), { mode: 0o644 });
  const hosts = [];
  for (let i = 1; i <= HOSTS; i++) {
    const h = { name: `h${i}`, host: `127.0.77.${i}`, port: SSH_PORT, dir: path.join(dir, `h${i}`) };
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
        `SetEnv DOCKER_HOST=${sandbox.docker.host} DOCKER_CONFIG=${emptyDockerConfig}`,
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
  fs.writeFileSync(path.join(dir, 'known_hosts'), hosts.map((h) => h.knownHostsLine).join('\n') + '\n');
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
    },
  });
  if (result.exitCode !== 0)
    throw new Error(`remote-deploy failed: ${result.error}\n${result.log.slice(-3000)}`);
  return performance.now() - started;
}

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
    const compose = `cd ${d} && DEPLOY_HOST=${h.host} docker-compose -p sshloop${h.name} -f docker-compose.yml --env-file .env`;
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
    - command: docker-compose -p ansible{{ inventory_hostname }} -f docker-compose.yml -f images.yml --env-file .env pull -q
      args: { chdir: "{{ work }}" }
    - command: docker-compose -p ansible{{ inventory_hostname }} -f docker-compose.yml -f images.yml --env-file .env up -d
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
    path.join(root, 'packages/shared/src/index.ts'),
  ]);
  const probe = `
    const fs = require('fs');
    const s = require(${JSON.stringify(path.join(out, 'index.js'))});
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
    return /^(bench1|bench20|sshloop|ansible)h\d+$/.test(p);
  });
  if (ours.length > 0) sh('docker', ['rm', '-f', ...ours], { env: dockerEnv });
}

const fmt = (ms) => `${(ms / 1000).toFixed(1)} s`;

try {
  buildImages();
  const hosts = await startHosts();
  const one = [hosts[0]];
  // Idle machine first; again at the end, with the 60 benchmark containers running their healthchecks.
  const perCommandIdle = perCommand(hosts[0]);
  const results = {};
  const save = () =>
    fs.writeFileSync(path.join(dir, 'partial.json'), JSON.stringify(results, null, 2) + '\n');
  const ws1 = workspace(31001);
  await actionDeploy(one, ws1, '1.0', 'bench1');
  results.action1 = await actionDeploy(one, ws1, '2.0', 'bench1');
  save();
  console.log(JSON.stringify(results));
  const ws20 = workspace(31002);
  await actionDeploy(hosts, ws20, '1.0', 'bench20');
  results.action20 = await actionDeploy(hosts, ws20, '2.0', 'bench20');
  save();
  console.log(JSON.stringify(results));
  const wsLoop = workspace(31003);
  sshLoopDeploy(hosts, wsLoop, '1.0', 31003);
  results.sshLoop20 = sshLoopDeploy(hosts, wsLoop, '2.0', 31003);
  save();
  console.log(JSON.stringify(results));
  const wsAnsible = workspace(31004);
  ansibleDeploy(hosts, wsAnsible, '1.0', 31004);
  results.ansible20 = ansibleDeploy(hosts, wsAnsible, '2.0', 31004);
  save();
  console.log(JSON.stringify(results));
  // Over the sandbox's own sshd (the one the tests use) and over one of the bench hosts.
  results.perCommandIdle = perCommandIdle;
  results.perCommandLoaded = perCommand(hosts[0]);

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
  const pc = results.perCommandIdle;
  const pl = results.perCommandLoaded;
  const md = [
    `Measured ${when} on ${json.machine}; one dockerd shared by all hosts (as in the sandbox), compose v1.`,
    `Each method deploys 1.0 (warm-up), then is timed upgrading to 2.0: lock, upload env + compose, pull, \`up -d\`, HTTP health, release log, unlock.`,
    '',
    '| Method | Hosts | Wall time | Ratio |',
    '| --- | --- | --- | --- |',
    `| remote-deploy | 1 | ${fmt(results.action1)} | 1.00 × (baseline) |`,
    `| remote-deploy | ${HOSTS} | ${fmt(results.action20)} | ${(results.action20 / results.action1).toFixed(2)} × one host (target ≤ 1.5) |`,
    `| OpenSSH loop (one ssh/scp per command) | ${HOSTS} | ${fmt(results.sshLoop20)} | remote-deploy is ${(results.sshLoop20 / results.action20).toFixed(1)} × faster |`,
    `| ansible-playbook (forks 20, ControlPersist, pipelining) | ${HOSTS} | ${fmt(results.ansible20)} | remote-deploy is ${(results.ansible20 / results.action20).toFixed(1)} × faster (target ≥ 5) |`,
    '',
    `Per command (target ≤ 10 ms): ${pc.sequentialMs.toFixed(1)} ms over the reused ssh2 connection on the idle machine (50 in parallel on it: ${pc.parallel50Ms.toFixed(0)} ms), vs ${pc.freshOpenSshMs.toFixed(0)} ms for a fresh OpenSSH connection; ` +
      `${pl.sequentialMs.toFixed(1)} ms vs ${pl.freshOpenSshMs.toFixed(0)} ms with the 60 benchmark containers running their healthchecks.`,
    '',
    `The 20-host run is CPU-bound on this 2-core machine: each host still starts one \`docker-compose up -d\` (Python, about 1 CPU-second), ` +
      `all against one shared dockerd; polling and pulls use the Go CLI over the reused connection, and ssh itself is not the bottleneck.`,
    '',
  ].join('\n');
  fs.writeFileSync(path.join(root, 'bench/results/remote-deploy.md'), md);
  console.log(md);
} finally {
  try {
    cleanupContainers();
  } catch (error) {
    console.error(`cleanup: ${error.message}`);
  }
  stopHosts();
}
