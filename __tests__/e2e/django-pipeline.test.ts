import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { REPO_ROOT, runAction, type RunActionResult } from '@deploy-kit/harness';
import { docker, freePort, hosts, sandbox, uniqueId } from '../integration/remote-deploy/helpers';

// The real example app (examples/django-app) through the whole pipeline, every step a committed
// bundle: build-images builds web + nginx from Debian packages and pushes them to the sandbox
// registry; render-env renders the production .env from the app's template, vars and Ansible
// Vault; remote-deploy runs exactly the pushed digests on one sandbox host, gated by the Compose
// healthchecks; smoke-test checks that the new release answers /healthz with its version.

const host = hosts[0]!;
const APP = path.join(REPO_ROOT, 'examples', 'django-app');
const id = uniqueId();
const ns = `e2e-dj-${id}`;
const version = `e2e-${id}`;
const project = `dj${id}${host.name}`;
const projectDir = `${host.workDir}/dj-${id}`;
// The web image's name is <registry>/<ns>/web both from IMAGE_WEB and from image-prefix + service:
// build-images reads the Compose file without YAML merge keys, so web's `image:` (from `<<: *app`)
// is not seen and the prefix applies. nginx's own `image:` is ${IMAGE_NGINX}, the name the
// template derives from image_repository (<repository>-nginx).
const repository = `${sandbox.registry.address}/${ns}/web`;
const webPort = freePort();
let nginxPort = freePort();
while (nginxPort === webPort) nginxPort = freePort();
// Own role and database, so concurrent runs and the example-app tests never share one.
const dbName = `e2e_dj_${id}`;

let workspace: string;
let secrets: string[] = [];
let built: RunActionResult;
let rendered: RunActionResult;
let deployed: RunActionResult;
let smoked: RunActionResult;
let envFile: Record<string, string> = {};
let dbCreated = false;

function psqlTcp(sql: string): string {
  // The admin password travels in the environment and the SQL on stdin: never on a command line.
  const r = spawnSync(
    'psql',
    [
      ...[
        '-X',
        '-q',
        '-At',
        '-v',
        'ON_ERROR_STOP=1',
        '-h',
        sandbox.postgres.host,
        '-p',
        String(sandbox.postgres.port),
      ],
      ...['-U', sandbox.postgres.user, '-d', sandbox.postgres.database, '-f', '-'],
    ],
    { input: sql, encoding: 'utf8', env: { ...process.env, PGPASSWORD: sandbox.postgres.password } },
  );
  if (r.status !== 0) throw new Error(`psql failed: ${r.stderr}`);
  return r.stdout;
}

/** Role and database DDL, as the sandbox's admin role (scripts/sandbox grants it CREATEROLE CREATEDB). */
const psqlAdmin = psqlTcp;

const sqlLiteral = (value: string): string => `'${value.replace(/'/g, "''")}'`;
const sqlIdent = (value: string): string => `"${value.replace(/"/g, '""')}"`;

function vaultSecrets(): string[] {
  const r = spawnSync(
    'ansible-vault',
    [
      'view',
      '--vault-password-file',
      path.join(APP, 'deploy', 'vault-password.demo'),
      path.join(APP, 'deploy', 'group_vars', 'production', 'vault.yml'),
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`ansible-vault view failed: ${r.stderr}`);
  const values = Object.values(parseYaml(r.stdout) as Record<string, unknown>).map(String);
  // The template url-encodes the DB password: its encoded form must not leak either.
  return [...new Set([...values, ...values.map(encodeURIComponent)])].filter((v) => v.length >= 6);
}

function parseDotenv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m) continue;
    let value = m[2]!;
    if (/^'.*'$/.test(value)) value = value.slice(1, -1);
    else if (/^".*"$/.test(value)) value = JSON.parse(value) as string;
    out[m[1]!] = value;
  }
  return out;
}

function expectClean(run: RunActionResult): void {
  expect(run.error).toBeUndefined();
  expect(run.annotations.filter((a) => a.level === 'error')).toEqual([]);
  expect(run.log).not.toContain('::error');
  expect(run.exitCode).toBe(0);
  expect(run.leaks(secrets)).toEqual([]);
}

function projectContainers(): string[] {
  const ids = docker(['ps', '-aq', '--filter', `label=com.docker.compose.project=${project}`]).trim();
  return ids ? ids.split('\n') : [];
}

beforeAll(async () => {
  secrets = vaultSecrets();
  workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-dj-ws-'));
  fs.cpSync(APP, workspace, {
    recursive: true,
    filter: (src) => !/(^|\/)(\.deploy|__pycache__|\.pytest_cache|staticfiles)$/.test(src),
  });
  const userDockerConfig = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-dj-docker-'));

  built = await runAction({
    action: 'build-images',
    workspace,
    inputs: {
      'compose-file': 'docker-compose.yml',
      registry: sandbox.registry.address,
      tags: `type=raw,value=${version}`,
      'build-args': `APP_VERSION=${version}`,
      'image-prefix': ns,
      network: 'host',
      policy: 'warn',
    },
    // The Compose file names its images ${IMAGE_WEB} / ${IMAGE_NGINX}: this run's namespace.
    env: {
      DOCKER_HOST: sandbox.docker.host,
      DOCKER_CONFIG: userDockerConfig,
      IMAGE_WEB: repository,
      IMAGE_NGINX: `${repository}-nginx`,
    },
    post: true,
    timeoutMs: 300_000,
  });
  if (built.exitCode !== 0) return;

  rendered = await runAction({
    action: 'render-env',
    workspace,
    inputs: {
      template: 'deploy/env.template',
      'vars-files': 'deploy/vars/{environment}.yml',
      'vault-files': 'deploy/group_vars/{environment}/vault.yml',
      environment: 'production',
      'vault-password': fs.readFileSync(path.join(APP, 'deploy', 'vault-password.demo'), 'utf8'),
      profile: 'django-production',
      output: '.deploy/.env',
      vars: JSON.stringify({
        version,
        image_repository: repository,
        port: webPort,
        nginx_port: nginxPort,
        db_user: dbName,
        db_name: dbName,
        // The sandbox's PostgreSQL (its port moves with DEPLOY_KIT_SANDBOX_PORT_OFFSET).
        db_host: sandbox.postgres.host,
        db_port: sandbox.postgres.port,
        gunicorn_workers: 2,
      }),
    },
    timeoutMs: 60_000,
  });
  if (rendered.exitCode !== 0) return;
  envFile = parseDotenv(fs.readFileSync(rendered.outputs.path ?? '', 'utf8'));

  // The role and database the rendered DATABASE_URL names, on the sandbox PostgreSQL.
  const url = new URL(envFile.DATABASE_URL ?? '');
  const user = decodeURIComponent(url.username);
  const database = url.pathname.slice(1);
  psqlAdmin(
    `CREATE ROLE ${sqlIdent(user)} LOGIN PASSWORD ${sqlLiteral(decodeURIComponent(url.password))};\n` +
      // PostgreSQL 15: a CREATEROLE admin must be a member of a role to make it a database owner.
      `GRANT ${sqlIdent(user)} TO CURRENT_USER;\n` +
      `CREATE DATABASE ${sqlIdent(database)} OWNER ${sqlIdent(user)};\n`,
  );
  dbCreated = true;

  deployed = await runAction({
    action: 'remote-deploy',
    workspace,
    inputs: {
      hosts: [
        `- host: ${host.host}`,
        `  port: ${host.port}`,
        `  project-dir: ${projectDir}`,
        `  project-name: ${project}`,
      ].join('\n'),
      user: sandbox.ssh.user,
      'private-key': fs.readFileSync(sandbox.ssh.clientKey, 'utf8'),
      'known-hosts': host.knownHostsLine,
      'project-dir': projectDir,
      'compose-files': 'docker-compose.yml',
      'env-file': '.deploy/.env',
      images: built.outputs.images ?? '',
      version,
      healthcheck: 'compose',
      'health-timeout': '150s',
      'lock-timeout': '10s',
    },
    timeoutMs: 240_000,
  });
  if (deployed.exitCode !== 0) return;

  // gunicorn and nginx bind 127.0.0.1 in the example app (hosts share this machine's loopback).
  smoked = await runAction({
    action: 'smoke-test',
    inputs: {
      url: `http://127.0.0.1:${nginxPort}/`,
      'expect-status': '200,301,302',
      suites: 'version',
      'version-path': '/healthz',
      'expect-version': version,
      'version-json-path': '$.version',
      'version-header': 'X-App-Version',
      timeout: '60s',
    },
    timeoutMs: 90_000,
  });
}, 600_000);

afterAll(() => {
  const errors: string[] = [];
  const attempt = (fn: () => void): void => {
    try {
      fn();
    } catch (error) {
      errors.push((error as Error).message);
    }
  };
  attempt(() => {
    const ids = projectContainers();
    if (ids.length) docker(['rm', '-f', ...ids]);
  });
  attempt(() => {
    const vols = docker([
      'volume',
      'ls',
      '-q',
      '--filter',
      `label=com.docker.compose.project=${project}`,
    ]).trim();
    if (vols) docker(['volume', 'rm', '-f', ...vols.split('\n')]);
  });
  attempt(() => {
    const imgs = docker(['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}']).split('\n');
    const ours = imgs.filter((i) => i.startsWith(`${sandbox.registry.address}/${ns}/`));
    if (ours.length) docker(['image', 'rm', '--force', ...ours]);
  });
  if (dbCreated)
    attempt(() =>
      psqlAdmin(
        `DROP DATABASE IF EXISTS ${sqlIdent(dbName)} WITH (FORCE);\nDROP ROLE IF EXISTS ${sqlIdent(dbName)};\n`,
      ),
    );
  if (workspace) fs.rmSync(workspace, { recursive: true, force: true });
  // The release tree belongs to the hosts' login user; as root (the sandbox's usual caller) remove it too.
  if (process.getuid?.() === 0) fs.rmSync(projectDir, { recursive: true, force: true });
  if (errors.length) throw new Error(`cleanup: ${errors.join('; ')}`);
});

test('build-images builds web and nginx from Debian packages and pushes them with verified digests', () => {
  expectClean(built);
  const images = JSON.parse(built.outputs.images ?? '{}') as Record<string, string>;
  const digests = JSON.parse(built.outputs.digests ?? '{}') as Record<string, string>;
  expect(Object.keys(images).sort()).toEqual(['nginx', 'web']);
  expect(digests.web).toMatch(/^sha256:[0-9a-f]{64}$/);
  expect(digests.nginx).toMatch(/^sha256:[0-9a-f]{64}$/);
  expect(images.web).toBe(`${repository}:${version}@${digests.web}`);
  expect(images.nginx).toBe(`${repository}-nginx:${version}@${digests.nginx}`);
});

test('render-env writes the production .env naming this release, its images and its database', () => {
  expectClean(rendered);
  const file = rendered.outputs.path ?? '';
  expect(file.startsWith(workspace)).toBe(true);
  expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  expect(envFile.APP_VERSION).toBe(version);
  expect(envFile.IMAGE_WEB).toBe(`${repository}:${version}`);
  expect(envFile.DEBUG).toBe('false');
  expect(envFile.PORT).toBe(String(webPort));
  expect(envFile.NGINX_PORT).toBe(String(nginxPort));
  const url = new URL(envFile.DATABASE_URL ?? '');
  expect(`${url.hostname}:${url.port}${url.pathname}`).toBe(
    `${sandbox.postgres.host}:${sandbox.postgres.port}/${dbName}`,
  );
  // The real secrets are in the file (and nowhere in the log: expectClean).
  for (const secret of secrets.slice(0, 1)) expect(fs.readFileSync(file, 'utf8')).toContain(secret);
});

test('remote-deploy runs exactly the pushed digests on the host, every container healthy', () => {
  expectClean(deployed);
  const digests = JSON.parse(built.outputs.digests ?? '{}') as Record<string, string>;
  const images = JSON.parse(built.outputs.images ?? '{}') as Record<string, string>;
  const webImageId = docker(['image', 'inspect', '--format', '{{.Id}}', images.web!]).trim();
  const nginxImageId = docker(['image', 'inspect', '--format', '{{.Id}}', images.nginx!]).trim();
  const running: Record<string, { image: string; imageId: string; health: string }> = {};
  for (const c of projectContainers()) {
    const [service, image, imageId, health] = docker([
      'inspect',
      '--format',
      '{{index .Config.Labels "com.docker.compose.service"}}|{{.Config.Image}}|{{.Image}}|{{if .State.Health}}{{.State.Health.Status}}{{end}}',
      c,
    ])
      .trim()
      .split('|');
    running[service!] = { image: image!, imageId: imageId!, health: health! };
  }
  expect(Object.keys(running).sort()).toEqual(['celery', 'celery_beat', 'nginx', 'web']);
  expect(running.web!.image).toBe(`${repository}:${version}@${digests.web}`);
  expect(running.nginx!.image).toBe(`${repository}-nginx:${version}@${digests.nginx}`);
  // celery and celery_beat use IMAGE_WEB from the .env (the tag build-images pushed): the same image.
  for (const s of ['web', 'celery', 'celery_beat']) expect(running[s]!.imageId).toBe(webImageId);
  expect(running.nginx!.imageId).toBe(nginxImageId);
  for (const s of Object.keys(running)) expect(running[s]!.health).toBe('healthy');
  const results = JSON.parse(deployed.outputs.results ?? '{}') as { status: string; hosts: unknown[] };
  expect(results.status).toBe('passed');
  expect(results.hosts).toHaveLength(1);
});

test('smoke-test: the deployed release answers /healthz with its version', () => {
  expectClean(smoked);
  expect(Number(smoked.outputs['failed-count'])).toBe(0);
  expect(Number(smoked.outputs['passed-count'])).toBeGreaterThan(0);
  const results = JSON.parse(smoked.outputs.results ?? '{}') as {
    status: string;
    checks: { name: string; passed: boolean; assertions: { name: string; seen: string }[] }[];
  };
  expect(results.status).toBe('passed');
  const v = results.checks.find((r) => r.name.startsWith('version'));
  expect(v?.passed).toBe(true);
  // The status, every one of 20 answers (one per connection, across the hosts behind nginx) on the
  // new release, then the version in the X-App-Version header and at $.version of /healthz.
  expect(v?.assertions.map((a) => a.seen)).toEqual(['200', '20 of 20 answers', version, version]);
});

test('/healthz through nginx reports the new version and a reachable database', async () => {
  const res = await fetch(`http://127.0.0.1:${nginxPort}/healthz`, { signal: AbortSignal.timeout(10_000) });
  expect(res.status).toBe(200);
  expect(res.headers.get('x-app-version')).toBe(version);
  expect(await res.json()).toEqual({ status: 'ok', version, database: 'ok' });
});
