#!/usr/bin/env node
// The demo's pipeline (run by scripts/demo, which starts the sandbox first): examples/django-app
// from lint to a verified deploy on three sandbox hosts behind nginx with TLS, every step a
// committed action bundle run the way the GitHub runner runs it (packages/harness runAction).
// Usage: node scripts/demo.d/pipeline.js up|down
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { Vault } = require('ansible-vault');
const YAML = require('yaml');
const { loadSandbox, runAction, REPO_ROOT } = require('../../packages/harness/dist/index.js');
const { W, rel, secs, line, saveRun: saveRunIn } = require('./narrative');
const { pipAudit } = require('./pip-audit');
const { initRepository, tagRelease } = require('./tag-release');
const { pollDuring, switchLine } = require('./switch-poller');

const sb = loadSandbox();
const STATE = path.join(sb.dir, 'demo');
const APP_SRC = path.join(REPO_ROOT, 'examples', 'django-app');
const WORKSPACE = path.join(STATE, 'workspace');
const LOGS = path.join(STATE, 'logs');
const LB_DIR = path.join(STATE, 'balancer');
const HOSTS = sb.ssh.hosts.slice(0, 3);
const PROJECT = (h) => `demo-${h.name}`;
const PROJECT_DIR = (h) => `${h.workDir}/demo-app`;
const NS = 'demo';
const REPOSITORY = `${sb.registry.address}/${NS}/django-app`;
// The balancer's ports sit 66 above the sandbox's own nginx: they move with the sandbox's port
// offset (a second sandbox's demo moves too) and, offsets being multiples of 100, never land on
// a port another sandbox uses (those end in 00, 01, 22, 33, 43 or 80).
const LB_PORT = Number(new URL(sb.nginx.httpsUrl).port) + 66;
const PUBLIC_URL = `https://127.0.0.1:${LB_PORT}`;
// gunicorn and the app's nginx on every host (each host on its own 127.0.x.y address).
const PORT = LB_PORT + 1;
const NGINX_PORT = LB_PORT + 2;
// Plain HTTP on the balancer only redirects to HTTPS (the smoke test's https suite checks it).
const HTTP_PORT = LB_PORT + 3;
const DB = 'demo_app';
const RELEASES = ['1.0.0', '1.1.0'];

const cleanEnv = { ...process.env, DOCKER_HOST: sb.docker.host, DOCKER_CONFIG: sb.docker.config };
delete cleanEnv.DOCKER_CONTEXT;

function sh(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: cleanEnv, maxBuffer: 64 << 20, ...options });
  if (r.status !== 0 && !options.allowFail)
    throw new Error(`${cmd} ${args.join(' ')} failed: ${(r.stderr || r.stdout || '').trim()}`);
  return r;
}
const docker = (args, options) => sh(sb.docker.cli || 'docker', args, options).stdout;

function psqlAdmin(sql) {
  // The admin password in the environment, the SQL on stdin: nothing secret on a command line.
  sh(
    'psql',
    [
      '-X',
      '-q',
      '-v',
      'ON_ERROR_STOP=1',
      '-h',
      sb.postgres.host,
      '-p',
      String(sb.postgres.port),
      '-U',
      sb.postgres.user,
      '-d',
      sb.postgres.database,
      '-f',
      '-',
    ],
    { input: sql, env: { ...process.env, PGPASSWORD: sb.postgres.password } },
  );
}
const ident = (v) => `"${v.replace(/"/g, '""')}"`;
const literal = (v) => `'${v.replace(/'/g, "''")}'`;

// --- narrative --------------------------------------------------------------

const started = Date.now();
const saveRun = (name, run) => saveRunIn(LOGS, name, run);

// --- set-up -----------------------------------------------------------------

function removeDemoContainers() {
  for (const h of HOSTS) {
    const ids = docker(['ps', '-aq', '--filter', `label=com.docker.compose.project=${PROJECT(h)}`]).trim();
    if (ids) docker(['rm', '-f', ...ids.split('\n')]);
    const vols = docker([
      'volume',
      'ls',
      '-q',
      '--filter',
      `label=com.docker.compose.project=${PROJECT(h)}`,
    ]).trim();
    if (vols) docker(['volume', 'rm', '-f', ...vols.split('\n')]);
    fs.rmSync(PROJECT_DIR(h), { recursive: true, force: true });
  }
}

function stopBalancer() {
  const pidFile = path.join(LB_DIR, 'nginx.pid');
  if (!fs.existsSync(pidFile)) return;
  const pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
  try {
    // Only our nginx: the pid file's process must run our config.
    if (fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(path.join(LB_DIR, 'nginx.conf')))
      process.kill(pid, 'SIGTERM');
  } catch {
    // already gone
  }
  fs.rmSync(pidFile, { force: true });
}

function startBalancer() {
  stopBalancer();
  fs.mkdirSync(path.join(LB_DIR, 'tmp'), { recursive: true });
  const certDir = path.dirname(sb.nginx.caCertFile);
  const conf = path.join(LB_DIR, 'nginx.conf');
  fs.writeFileSync(
    conf,
    [
      "# The demo's public side: TLS (the sandbox certificate) in front of the three hosts, round robin.",
      `pid ${LB_DIR}/nginx.pid;`,
      `error_log ${LB_DIR}/error.log warn;`,
      'worker_processes 1;',
      'events { worker_connections 256; }',
      'http {',
      `  access_log ${LB_DIR}/access.log;`,
      ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(
        (t) => `  ${t}_temp_path ${LB_DIR}/tmp/${t};`,
      ),
      `  upstream hosts { ${HOSTS.map((h) => `server ${h.host}:${NGINX_PORT} max_fails=1 fail_timeout=2s;`).join(' ')} }`,
      '  server {',
      `    listen 127.0.0.1:${LB_PORT} ssl;`,
      `    ssl_certificate ${certDir}/cert.pem;`,
      `    ssl_certificate_key ${certDir}/key.pem;`,
      '    location / {',
      '      proxy_pass http://hosts;',
      `      proxy_set_header Host 127.0.0.1:${LB_PORT};`,
      '      proxy_set_header X-Forwarded-Proto https;',
      '      proxy_set_header X-Forwarded-For $remote_addr;',
      '    }',
      '  }',
      '  server {',
      `    listen 127.0.0.1:${HTTP_PORT};`,
      `    return 301 https://127.0.0.1:${LB_PORT}$request_uri;`,
      '  }',
      '}',
      '',
    ].join('\n'),
  );
  const nginx = fs.existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx';
  sh(nginx, ['-c', conf, '-p', LB_DIR, '-e', path.join(LB_DIR, 'error.log')]);
}

function prepareWorkspace() {
  fs.rmSync(WORKSPACE, { recursive: true, force: true });
  fs.cpSync(APP_SRC, WORKSPACE, {
    recursive: true,
    filter: (src) => !/(^|\/)(\.deploy|__pycache__|\.pytest_cache|staticfiles|db\.sqlite3)$/.test(src),
  });
  // A git repository with the app's conventional-commit history: the images are built from its
  // HEAD, which tag-release tags at the end.
  return initRepository(WORKSPACE, STATE);
}

async function vaultValues() {
  const password = fs.readFileSync(path.join(APP_SRC, 'deploy', 'vault-password.demo'), 'utf8').trim();
  const text = fs.readFileSync(path.join(APP_SRC, 'deploy', 'group_vars', 'production', 'vault.yml'), 'utf8');
  return YAML.parse(await new Vault({ password }).decrypt(text));
}

async function prepareDatabase() {
  const { db_password: password } = await vaultValues();
  psqlAdmin(
    `DROP DATABASE IF EXISTS ${ident(DB)} WITH (FORCE);\nDROP ROLE IF EXISTS ${ident(DB)};\n` +
      `CREATE ROLE ${ident(DB)} LOGIN PASSWORD ${literal(password)};\nGRANT ${ident(DB)} TO CURRENT_USER;\n` +
      `CREATE DATABASE ${ident(DB)} OWNER ${ident(DB)};\n`,
  );
}

// --- the pipeline -------------------------------------------------------------

async function gate(name, n) {
  if (name === 'pip-audit') {
    await pipAudit({ n, workspace: WORKSPACE, logs: LOGS });
    return;
  }
  // lint-gate runs the tools the project pins; here the pinned, hashed set the tests use.
  const t = Date.now();
  const bin = sh('bash', [path.join(REPO_ROOT, 'scripts', 'pytools'), 'lint-gate']).stdout.trim();
  // Its own copy: pytest and coverage leave files that must not reach the image build context.
  const ws = path.join(STATE, 'lint-workspace');
  fs.rmSync(ws, { recursive: true, force: true });
  fs.cpSync(WORKSPACE, ws, { recursive: true });
  const run = await runAction({
    action: 'lint-gate',
    workspace: ws,
    inputs: { 'working-directory': '.', 'coverage-threshold': '80' },
    env: { PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}` },
    timeoutMs: 600_000,
  });
  fs.rmSync(ws, { recursive: true, force: true });
  const where = saveRun('lint-gate', run);
  if (run.exitCode !== 0) {
    line(`${n} lint-gate`, `FAILED: ${run.error ?? 'see the log'}`, Date.now() - t, where);
    throw new Error('lint-gate failed: the pipeline stops before the build');
  }
  const { gates = {} } = JSON.parse(run.outputs.results ?? '{}');
  const tools = Object.entries(gates)
    .map(([tool, r]) => `${tool} ${r.status}`)
    .join(', ');
  line(`${n} lint-gate`, `${tools}; coverage ${run.outputs.coverage} %`, Date.now() - t, where);
}

async function build(version, n) {
  const t = Date.now();
  const dockerConfig = fs.mkdtempSync(path.join(STATE, 'docker-config-'));
  const run = await runAction({
    action: 'build-images',
    workspace: WORKSPACE,
    inputs: {
      'compose-file': 'docker-compose.yml',
      registry: sb.registry.address,
      tags: `type=raw,value=${version}`,
      'build-args': `APP_VERSION=${version}`,
      'image-prefix': NS,
      network: 'host',
      policy: 'warn',
    },
    env: {
      DOCKER_HOST: sb.docker.host,
      DOCKER_CONFIG: dockerConfig,
      IMAGE_WEB: REPOSITORY,
      IMAGE_NGINX: `${REPOSITORY}-nginx`,
    },
    post: true,
    timeoutMs: 600_000,
  });
  fs.rmSync(dockerConfig, { recursive: true, force: true });
  const where = saveRun(`build-images-${version}`, run);
  if (run.exitCode !== 0) {
    line(`${n} build-images`, `FAILED: ${run.error ?? 'see the log'}`, Date.now() - t, where);
    throw new Error('build-images failed');
  }
  const images = JSON.parse(run.outputs.images ?? '{}');
  line(
    `${n} build-images`,
    `${version}: pushed ${Object.keys(images).join(' and ')} to the sandbox registry ${sb.registry.address}, digests verified`,
    Date.now() - t,
    where,
  );
  return run.outputs.images;
}

async function deploy(version, images, extraVars, n, label) {
  const t = Date.now();
  const inputs = {
    // render-env: the app's template, per-environment vars and Ansible Vault, checked by the policy.
    template: 'deploy/env.template',
    'vars-files': 'deploy/vars/{environment}.yml',
    'vault-files': 'deploy/group_vars/{environment}/vault.yml',
    environment: 'production',
    'vault-password': fs.readFileSync(path.join(APP_SRC, 'deploy', 'vault-password.demo'), 'utf8'),
    profile: 'django-production',
    output: '.deploy/.env',
    // The sandbox's addresses instead of production's (version comes from `version`).
    vars: JSON.stringify({
      image_repository: REPOSITORY,
      allowed_hosts: ['127.0.0.1', 'localhost'],
      csrf_trusted_origins: [PUBLIC_URL],
      db_host: sb.postgres.host,
      db_port: sb.postgres.port,
      db_user: DB,
      db_name: DB,
      port: PORT,
      nginx_port: NGINX_PORT,
      gunicorn_workers: 1,
      ...extraVars,
    }),
    // remote-deploy: three hosts, strict host keys, the pushed digests, migrations once.
    hosts: HOSTS.map(
      (h) =>
        `- host: ${h.host}\n  port: ${h.port}\n  name: ${h.name}\n  project-dir: ${PROJECT_DIR(h)}\n  project-name: ${PROJECT(h)}`,
    ).join('\n'),
    user: sb.ssh.user,
    'private-key': fs.readFileSync(sb.ssh.clientKey, 'utf8'),
    'known-hosts': HOSTS.map((h) => h.knownHostsLine).join('\n'),
    'project-dir': '/srv/app',
    'compose-files': 'docker-compose.yml\ndeploy/compose.sandbox.yml',
    images,
    version,
    'migrate-command': 'python3 manage.py migrate --noinput',
    'health-timeout': '150s',
    'lock-timeout': '30s',
    // smoke-test: the public URL, through the TLS balancer.
    url: `${PUBLIC_URL}/`,
    'expect-status': '200-399',
    'ca-cert': sb.nginx.caCert,
    suites: 'version, https, headers',
    'version-path': '/healthz',
    'version-json-path': '$.version',
    'version-header': 'X-App-Version',
    'http-url': `http://127.0.0.1:${HTTP_PORT}/`,
    timeout: '20s',
  };
  const run = await runAction({
    action: '.',
    workspace: WORKSPACE,
    inputs,
    env: { DOCKER_HOST: sb.docker.host },
    timeoutMs: 600_000,
  });
  const where = saveRun(`deploy-${version}`, run);
  const { stages = {} } = JSON.parse(run.outputs.results ?? '{}');
  const trail = Object.entries(stages)
    .map(([stage, s]) => `${stage} ${s.status} ${secs(s.durationMs)}`)
    .join(' → ');
  return { run, where, trail, ms: Date.now() - t, label: `${n} ${label}` };
}

async function served() {
  const r = sh(
    'curl',
    ['-s', '--cacert', sb.nginx.caCertFile, '-D', '-', '-o', '/dev/null', `${PUBLIC_URL}/healthz`],
    { allowFail: true },
  );
  return (/^x-app-version:\s*(\S+)/im.exec(r.stdout ?? '') ?? [])[1] ?? '(nothing)';
}

async function up() {
  fs.mkdirSync(STATE, { recursive: true });
  fs.rmSync(LOGS, { recursive: true, force: true });
  console.log(`\ndeploy-kit demo: ${rel(APP_SRC)} through the pipeline, on the sandbox in ${rel(sb.dir)}\n`);
  let t = Date.now();
  removeDemoContainers();
  const head = prepareWorkspace();
  await prepareDatabase();
  startBalancer();
  line(
    '0 set-up',
    `three hosts (${HOSTS.map((h) => `${h.name} ${h.host}:${h.port}`).join(', ')}), PostgreSQL database ${DB}, nginx TLS in front at ${PUBLIC_URL}; workspace ${rel(WORKSPACE)} at commit ${head.slice(0, 12)}`,
    Date.now() - t,
  );

  await gate('lint-gate', '1');
  await gate('pip-audit', '2');
  const images1 = await build(RELEASES[0], '3');

  const first = await deploy(RELEASES[0], images1, {}, '4', 'deploy');
  if (first.run.exitCode !== 0) {
    line(first.label, `FAILED: ${first.run.error ?? 'see the log'}`, first.ms, first.where);
    throw new Error('the first deploy failed');
  }
  line(
    first.label,
    `${RELEASES[0]} on all three hosts, smoke test green over TLS: ${first.trail}`,
    first.ms,
    first.where,
  );

  t = Date.now();
  const images2 = await build(RELEASES[1], '5');
  console.log(
    `  ${''.padEnd(W)} the deliberate fault: ${RELEASES[1]} ships with HSTS cut to 5 minutes (a staging setting that slipped in).\n` +
      `  ${''.padEnd(W)} The policy allows it and every Compose healthcheck passes; the smoke test's headers suite does not.`,
  );
  // Issue 19: every host's nginx and the balancer polled while 1.1.0 switches in and rolls back.
  const polled = await pollDuring(
    {
      ...Object.fromEntries(HOSTS.map((h) => [h.name, `http://${h.host}:${NGINX_PORT}/healthz`])),
      balancer: `${PUBLIC_URL}/healthz`,
    },
    sb.nginx.caCert,
    () => deploy(RELEASES[1], images2, { hsts_seconds: 300 }, '6', 'deploy'),
  );
  const second = polled.result;
  const rolledBack = second.run.outputs['rolled-back'] === 'true';
  if (second.run.exitCode === 0 || !rolledBack) {
    line(
      second.label,
      `UNEXPECTED: ${second.run.error ?? 'the faulty release passed'}`,
      second.ms,
      second.where,
    );
    throw new Error('the faulty release was not rolled back');
  }
  line(
    second.label,
    `${RELEASES[1]} deployed healthy, smoke test red, rolled back automatically: ${second.trail}`,
    second.ms,
    second.where,
  );
  console.log(`  ${''.padEnd(W)} the step failed with: ${second.run.error}`);
  console.log(`  ${''.padEnd(W)} ${switchLine(polled.counts)}.`);

  // The release that is serving (1.1.0 was rolled back, so it gets no tag), on the commit both were built from.
  await tagRelease({
    n: '7',
    version: RELEASES[0],
    images: images1,
    state: STATE,
    logs: LOGS,
    note: `the release serving now; ${RELEASES[1]} was rolled back, so it gets no tag`,
  });

  const now = await served();
  console.log(
    `\nDone in ${secs(Date.now() - started)}. Every host serves ${now} again (X-App-Version through the balancer).`,
  );
  console.log(`Logs, job summaries and outputs of every step: ${rel(LOGS)}/`);
  console.log(`Try it:  curl --cacert ${rel(sb.nginx.caCertFile)} ${PUBLIC_URL}/healthz`);
  console.log(`Stop:    bash scripts/demo --down\n`);
  console.log(`The app is served at ${PUBLIC_URL}/`);
}

function down() {
  stopBalancer();
  removeDemoContainers();
  try {
    psqlAdmin(`DROP DATABASE IF EXISTS ${ident(DB)} WITH (FORCE);\nDROP ROLE IF EXISTS ${ident(DB)};\n`);
  } catch {
    // the sandbox's PostgreSQL is already down
  }
  fs.rmSync(WORKSPACE, { recursive: true, force: true });
  fs.rmSync(path.join(STATE, 'release'), { recursive: true, force: true });
}

const command = process.argv[2];
(command === 'down' ? Promise.resolve().then(down) : up()).catch((error) => {
  console.error(`\ndemo failed: ${error.message}`);
  process.exitCode = 1;
});
