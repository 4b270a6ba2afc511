import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { waitFor, type RunActionResult } from '@deploy-kit/harness';
import {
  buildDebianImage,
  currentRelease,
  docker,
  freePort,
  hosts,
  releaseLog,
  sandbox,
  uniqueId,
  type App,
  type Host,
  deploy as runDeploy,
} from './helpers';

// The reload steps against real servers: a Django site under Gunicorn and Debian's nginx in front
// of it, both from one image built FROM local/debian:bookworm, on two sandbox hosts. Both services
// mount the project dir read-only at /srv/project, so neither is recreated by a deploy that only
// changes what they read from it: the Django settings read GREETING from the .env of the release
// `current` points at (when a Gunicorn worker starts), and nginx includes the site config the
// host keeps in <project-dir>/nginx/ (config managed beside the deploy, as on many hosts).
// nginx runs with its own -c, as the example app's nginx does: `nginx -t` must test that file.

const targets = [hosts[0]!, hosts[1]!] as const;
const id = uniqueId();
const webPort = freePort();
let nginxPort = freePort();
while (nginxPort === webPort) nginxPort = freePort();
const projectDirs = targets.map((h) => `${h.workDir}/rd-reload-${id}`);
const projects = targets.map((h) => `rdreload${id}${h.name}`);
const deployUser = sandbox.ssh.user;
const uid = Number(spawnSync('id', ['-u', deployUser], { encoding: 'utf8' }).stdout.trim());
const gid = Number(spawnSync('id', ['-g', deployUser], { encoding: 'utf8' }).stdout.trim());

const SETTINGS = `"""A one-view Django site for remote-deploy's reload tests."""
import os

from dotenv import dotenv_values

# Read when a Gunicorn worker imports the app: after a SIGHUP the new workers read the .env of the
# release \`current\` points at, while the master (and its listening socket) stays.
RELEASE_DIR = os.path.realpath("/srv/project/current")
RELEASE_ENV = dotenv_values(os.path.join(RELEASE_DIR, ".env"))
SECRET_KEY = "reload-test-site-has-no-sessions-and-signs-nothing"
DEBUG = False
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "reloadapp.urls"
INSTALLED_APPS = []
MIDDLEWARE = []
DATABASES = {}
USE_TZ = True
`;

const URLS = `import os

from django.conf import settings
from django.http import JsonResponse
from django.urls import path


def whoami(_request):
    return JsonResponse(
        {
            "greeting": settings.RELEASE_ENV.get("GREETING", ""),
            "release": os.path.basename(settings.RELEASE_DIR),
            "worker": os.getpid(),
            "master": os.getppid(),
        }
    )


urlpatterns = [path("", whoami)]
`;

const WSGI = `import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reloadapp.settings")
application = get_wsgi_application()
`;

// Everything nginx writes is under /tmp: it runs as the deploy user, not root.
const NGINX_CONF = `worker_processes 1;
pid /tmp/nginx.pid;
error_log stderr warn;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path /tmp/nginx-client-body;
    proxy_temp_path /tmp/nginx-proxy;
    fastcgi_temp_path /tmp/nginx-fastcgi;
    uwsgi_temp_path /tmp/nginx-uwsgi;
    scgi_temp_path /tmp/nginx-scgi;
    include /srv/project/nginx/*.conf;
}
`;

function siteConf(
  host: Host,
  revision: string,
  broken = false,
  listen = `${host.host}:${nginxPort}`,
): string {
  return [
    'server {',
    `    listen ${listen};`,
    `    add_header X-Site-Revision "${revision}" always;`,
    ...(broken ? ['    bogus_directive on;'] : []),
    '    location = /nginx-health { return 200 "ok\\n"; }',
    `    location / { proxy_pass http://${host.host}:${webPort}; }`,
    '}',
    '',
  ].join('\n');
}

function composeFile(image: string, webExtra: string[] = []): string {
  const probe = (port: number, p: string) =>
    `["CMD", "python3", "-c", "import urllib.request; urllib.request.urlopen('http://\${DEPLOY_HOST}:${port}${p}', timeout=2)"]`;
  return [
    'version: "2.4"',
    'services:',
    '  web:',
    `    image: ${image}`,
    '    network_mode: host',
    '    init: true',
    `    user: "${uid}:${gid}"`,
    '    working_dir: /app',
    '    volumes: ["../..:/srv/project:ro"]',
    `    command: ["gunicorn", "--bind", "\${DEPLOY_HOST}:${webPort}", "--workers", "2", "--graceful-timeout", "5", "reloadapp.wsgi"]`,
    `    healthcheck: { test: ${probe(webPort, '/')}, interval: 1s, timeout: 3s, retries: 30 }`,
    ...webExtra,
    '  nginx:',
    `    image: ${image}`,
    '    network_mode: host',
    '    init: true',
    `    user: "${uid}:${gid}"`,
    '    volumes: ["../..:/srv/project:ro"]',
    '    command: ["nginx", "-c", "/etc/nginx/reload-test.conf", "-e", "stderr", "-g", "daemon off;"]',
    `    healthcheck: { test: ${probe(nginxPort, '/nginx-health')}, interval: 1s, timeout: 3s, retries: 30 }`,
    '',
  ].join('\n');
}

let image = '';
let workspace = '';
const app = (): App => ({
  id,
  workspace,
  port: nginxPort,
  dataDir: '',
  secret: '',
  projectDirs,
});

function writeSite(i: number, revision: string, broken = false, listen?: string): void {
  const file = path.join(projectDirs[i]!, 'nginx', 'site.conf');
  fs.writeFileSync(file, siteConf(targets[i]!, revision, broken, listen));
  fs.chownSync(file, uid, gid);
}

function inputs(
  version: string,
  extra: Record<string, string>,
  on: readonly Host[] = targets,
): Record<string, string> {
  fs.writeFileSync(path.join(workspace, 'app.env'), `GREETING=hello from ${version}\n`);
  return {
    hosts: on
      .map((h) => {
        const i = targets.indexOf(h as (typeof targets)[number]);
        return [
          `- host: ${h.host}`,
          `  port: ${h.port}`,
          `  project-dir: ${projectDirs[i]}`,
          `  project-name: ${projects[i]}`,
          `  name: ${h.name}`,
        ].join('\n');
      })
      .join('\n'),
    user: deployUser,
    'private-key': fs.readFileSync(sandbox.ssh.clientKey, 'utf8'),
    'known-hosts': on.map((h) => h.knownHostsLine).join('\n'),
    'project-dir': '/unused-overridden-per-host',
    'compose-files': 'docker-compose.yml',
    'env-file': 'app.env',
    images: `web=${image}\nnginx=${image}`,
    version,
    'health-url': `http://{host}:${nginxPort}/`,
    'health-expect': '"release": "{version}"',
    'health-timeout': '60s',
    'lock-timeout': '10s',
    // These tests are about reloading the running processes (SIGHUP, nginx -s reload): the
    // containers stay, so the plain up -d; every host at once, as the tests expect.
    strategy: 'recreate',
    'max-unavailable': '100%',
    ...extra,
  };
}

const deploy = (i: Record<string, string>): Promise<RunActionResult> =>
  runDeploy(app(), i, { timeoutMs: 240_000 });

interface Page {
  status: number;
  greeting: string;
  release: string;
  worker: number;
  master: number;
  revision: string | null;
}

async function get(host: Host, port = nginxPort): Promise<Page> {
  // A slow answer is still an answer (on a loaded 2-core runner a request during the reload took
  // over 5 s); a refused or dropped one is what this test is about.
  const res = await fetch(`http://${host.host}:${port}/`, { signal: AbortSignal.timeout(20_000) });
  const body = (await res.json()) as Omit<Page, 'status' | 'revision'>;
  return { status: res.status, ...body, revision: res.headers.get('x-site-revision') };
}

function containerId(i: number, service: string): string {
  const ids = docker([
    'ps',
    '-q',
    '--filter',
    `label=com.docker.compose.project=${projects[i]}`,
    '--filter',
    `label=com.docker.compose.service=${service}`,
  ])
    .trim()
    .split('\n')
    .filter(Boolean);
  if (ids.length !== 1)
    throw new Error(`expected one ${service} container on ${projects[i]}, got ${ids.length}`);
  return ids[0]!;
}

/** Processes of a container as the host sees them (docker top runs ps on the host). */
function processes(container: string): { pid: number; ppid: number; args: string }[] {
  return docker(['top', container, '-eo', 'pid,ppid,args'])
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), args: m[3]! }));
}

/** Gunicorn's master (the gunicorn process whose parent is not gunicorn: docker-init) and its workers. */
function gunicorn(i: number): { master: number; workers: number[] } {
  const procs = processes(containerId(i, 'web')).filter((p) => /^\S*python3 \S*gunicorn /.test(p.args));
  const pids = new Set(procs.map((p) => p.pid));
  const masters = procs.filter((p) => !pids.has(p.ppid));
  if (masters.length !== 1) throw new Error(`expected one gunicorn master, got ${JSON.stringify(procs)}`);
  const master = masters[0]!.pid;
  return {
    master,
    workers: procs
      .filter((p) => p.ppid === master)
      .map((p) => p.pid)
      .sort((a, b) => a - b),
  };
}

function nginxProcs(i: number): { master: number; workers: number[] } {
  const procs = processes(containerId(i, 'nginx'));
  const master = procs.find((p) => p.args.startsWith('nginx: master process'));
  if (!master) throw new Error(`no nginx master in ${JSON.stringify(procs)}`);
  return {
    master: master.pid,
    workers: procs
      .filter((p) => p.ppid === master.pid)
      .map((p) => p.pid)
      .sort((a, b) => a - b),
  };
}

function lastOutcome(i: number): string | undefined {
  return releaseLog(projectDirs[i]!).at(-1)?.outcome;
}

/** Host i still serves r3 (site revision 2) through nginx, and r3 is its current release. */
async function expectServingR3(i: number, h: Host): Promise<void> {
  expect(await get(h)).toMatchObject({
    status: 200,
    greeting: 'hello from r3',
    release: 'r3',
    revision: '2',
  });
  expect(currentRelease(projectDirs[i]!)).toBe('r3');
}

beforeAll(() => {
  image = buildDebianImage('rd-reload-django', {
    packages: ['python3-django', 'gunicorn', 'python3-dotenv', 'nginx'],
    files: {
      'reloadapp/__init__.py': '',
      'reloadapp/settings.py': SETTINGS,
      'reloadapp/urls.py': URLS,
      'reloadapp/wsgi.py': WSGI,
      'reload-test.conf': NGINX_CONF,
    },
    lines: [
      'COPY reloadapp /app/reloadapp',
      'COPY reload-test.conf /etc/nginx/reload-test.conf',
      'ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1',
    ],
  });
  workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'rd-reload-ws-'));
  fs.writeFileSync(path.join(workspace, 'docker-compose.yml'), composeFile(image));
  // The host's own nginx site config, beside the releases and owned by the deploy user.
  projectDirs.forEach((dir, i) => {
    fs.mkdirSync(path.join(dir, 'nginx'), { recursive: true });
    fs.chownSync(dir, uid, gid);
    fs.chownSync(path.join(dir, 'nginx'), uid, gid);
    writeSite(i, '1');
  });
}, 600_000);

afterAll(() => {
  for (const project of projects) {
    const ids = docker(['ps', '-aq', '--filter', `label=com.docker.compose.project=${project}`]).trim();
    if (ids) docker(['rm', '-f', ...ids.split('\n')]);
  }
  for (const dir of projectDirs) fs.rmSync(dir, { recursive: true, force: true });
  if (workspace) fs.rmSync(workspace, { recursive: true, force: true });
});

test('first deploy: Django under Gunicorn behind nginx, both from local/debian:bookworm, reloads included', async () => {
  const result = await deploy(inputs('r1', { 'hup-services': 'web', 'nginx-reload': 'nginx' }));
  expect(result.error).toBeUndefined();
  expect(result.exitCode).toBe(0);
  // nginx -t tested the file the running master was started with, not /etc/nginx/nginx.conf.
  expect(result.log).toMatch(/nginx master \d+: nginx -t -c \/etc\/nginx\/reload-test\.conf -e stderr/);
  expect(result.log).toMatch(/nginx: configuration file \/etc\/nginx\/reload-test\.conf test is successful/);
  expect(result.log).toMatch(/nginx master \d+ reloaded \(new worker \d+\)/);
  for (const h of targets) {
    const page = await get(h);
    expect(page).toMatchObject({ status: 200, greeting: 'hello from r1', release: 'r1', revision: '1' });
  }
});

test('hup-services: Gunicorn reloads gracefully, same master, new workers reading the new release, no failed request', async () => {
  // The first deploy's own SIGHUP may still be retiring its old workers (4 processes for a
  // moment): start from the settled state of two workers.
  await waitFor('gunicorn settled on two workers', () => gunicorn(0).workers.length === 2, 60_000);
  const before = gunicorn(0);
  const webContainer = containerId(0, 'web');
  const first = await get(targets[0]);
  expect(first.greeting).toBe('hello from r1');

  // Requests through nginx and straight to Gunicorn for the whole deploy.
  const seen: { via: string; ok: boolean; greeting?: string; master?: number; error?: string }[] = [];
  let polling = true;
  const poll = async (via: string, port: number): Promise<void> => {
    while (polling) {
      try {
        const page = await get(targets[0], port);
        seen.push({ via, ok: page.status === 200, greeting: page.greeting, master: page.master });
      } catch (error) {
        seen.push({ via, ok: false, error: (error as Error).message });
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  const pollers = [poll('nginx', nginxPort), poll('gunicorn', webPort)];
  let result: RunActionResult;
  try {
    result = await deploy(inputs('r2', { 'hup-services': 'web' }));
  } finally {
    polling = false;
    await Promise.all(pollers);
  }
  expect(result.error).toBeUndefined();
  expect(result.log).toMatch(/SIGHUP sent to web/);

  // Not a restart: the same container and master; every worker is new.
  expect(containerId(0, 'web')).toBe(webContainer);
  expect(before.workers).toHaveLength(2);
  // The old workers finish their requests and exit while the new ones start: wait for two new ones.
  await waitFor(
    'two new gunicorn workers',
    () => {
      const now = gunicorn(0);
      return now.workers.length === 2 && now.workers.every((w) => !before.workers.includes(w));
    },
    60_000,
  );
  expect(gunicorn(0).master).toBe(before.master);

  for (const h of targets)
    expect(await get(h)).toMatchObject({ status: 200, greeting: 'hello from r2', release: 'r2' });
  // The site answered all along, from one master, switching from r1 to r2 once.
  expect(seen.filter((s) => !s.ok)).toEqual([]);
  expect(seen.length).toBeGreaterThan(20);
  expect(new Set(seen.map((s) => s.master))).toEqual(new Set([first.master]));
  for (const via of ['nginx', 'gunicorn']) {
    const greetings = seen.filter((s) => s.via === via).map((s) => s.greeting);
    expect(greetings[0]).toBe('hello from r1');
    expect(greetings.at(-1)).toBe('hello from r2');
    expect(greetings.slice(greetings.indexOf('hello from r2'))).not.toContain('hello from r1');
  }
});

test('nginx-reload: a changed site config is live after the deploy, with the same nginx master', async () => {
  const before = targets.map((_, i) => ({ container: containerId(i, 'nginx'), ...nginxProcs(i) }));
  targets.forEach((_, i) => writeSite(i, '2'));
  expect((await get(targets[0])).revision).toBe('1');

  const result = await deploy(inputs('r3', { 'hup-services': 'web', 'nginx-reload': 'nginx' }));
  expect(result.error).toBeUndefined();
  for (const [i, h] of targets.entries()) {
    expect(await get(h)).toMatchObject({
      status: 200,
      greeting: 'hello from r3',
      release: 'r3',
      revision: '2',
    });
    expect(containerId(i, 'nginx')).toBe(before[i]!.container);
    const now = nginxProcs(i);
    expect(now.master).toBe(before[i]!.master);
    expect(now.workers.filter((w) => before[i]!.workers.includes(w))).toEqual([]);
  }
});

test('nginx-reload: a broken config fails nginx -t with its error line, and every switched host is rolled back', async () => {
  writeSite(1, '3', true);
  const gunicornBefore = targets.map((_, i) => gunicorn(i));
  try {
    const result = await deploy(inputs('r4', { 'hup-services': 'web', 'nginx-reload': 'nginx' }));
    expect(result.exitCode).not.toBe(0);
    const message = result.error ?? '';
    expect(message).toContain('deploy of r4 failed on host2');
    expect(message).toMatch(
      /nginx -t failed in service nginx on host2 \(exit 1\): nginx: \[emerg\] unknown directive "bogus_directive" in \/srv\/project\/nginx\/site\.conf:4; nginx keeps running its previous configuration/,
    );
    expect(message).toContain('rolled back host1 to r3, host2 to r3 (healthy)');

    // host2 stopped at nginx -t, before any SIGHUP: its workers are the ones it had.
    expect(gunicorn(1)).toEqual(gunicornBefore[1]);
    // host1 had reloaded r4; the rollback reloaded it again with r3 (its containers were never recreated).
    expect(gunicorn(0).master).toBe(gunicornBefore[0]!.master);
    for (const [i, h] of targets.entries()) {
      await expectServingR3(i, h);
      expect(lastOutcome(i)).toBe('rolled-back');
    }
    expect(result.log).toMatch(
      /\[host1\] SIGHUP sent to web[\s\S]*rolled back to r3[\s\S]*\[host1\] SIGHUP sent to web/,
    );
  } finally {
    writeSite(1, '2');
  }
});

test('nginx-reload: a reload nginx does not take (a port it cannot bind) fails the step with its log line and rolls back', async () => {
  const host = targets[0];
  const before = nginxProcs(0);
  // nginx -t does not bind: only the reload finds the address taken (by this host's own sshd).
  writeSite(0, '4', false, `${host.host}:${host.port}`);
  try {
    const result = await deploy(inputs('r6', { 'hup-services': 'web', 'nginx-reload': 'nginx' }));
    expect(result.exitCode).not.toBe(0);
    const message = result.error ?? '';
    expect(message).toMatch(
      new RegExp(
        `nginx in service nginx on host1 started no new worker within 10s of SIGHUP, so it kept its previous configuration: its log says nginx: \\[emerg\\] bind\\(\\) to ${host.host.replace(/\./g, '\\.')}:${host.port} failed \\(98: Address already in use\\)`,
      ),
    );
    expect(message).toContain('rolled back host1 to r3, host2 to r3 (healthy)');
    expect(nginxProcs(0).master).toBe(before.master);
    for (const [i, h] of targets.entries()) {
      // The previous configuration still serves; host1's workers were sent SIGHUP again for r3.
      await expectServingR3(i, h);
    }
  } finally {
    writeSite(0, '2');
  }
});

test('nginx-reload: host, as a deploy user that is not root, fails with a sentence that says what to do, and rolls back', async () => {
  const host = targets[0];
  const webBefore = containerId(0, 'web');
  // This release also changes the web service, so going back is real work (a second recreate).
  fs.writeFileSync(
    path.join(workspace, 'docker-compose.yml'),
    composeFile(image, ['    environment: { RELEASE_NOTE: "r5 recreates web" }']),
  );
  try {
    const result = await deploy(inputs('r5', { 'hup-services': 'web', 'nginx-reload': 'host' }, [host]));
    expect(result.exitCode).not.toBe(0);
    const message = result.error ?? '';
    expect(message).toMatch(
      new RegExp(
        `nginx-reload: host needs root on host1: ${deployUser} is not root and (sudo is not installed|sudo -n refuses "\\S*nginx -t" \\(it would ask for a password\\)), so it can neither test nor signal the host's nginx; add a sudoers rule such as "${deployUser} ALL=\\(root\\) NOPASSWD: \\S*nginx -t, \\S*nginx -s reload", or run nginx in a container and set nginx-reload to its service name`,
      ),
    );
    expect(message).toContain('rolled back host1 to r3 (healthy)');
    expect(result.log).not.toMatch(/SIGHUP sent to web/);
    expect(containerId(0, 'web')).not.toBe(webBefore);
    expect(await get(host)).toMatchObject({ status: 200, greeting: 'hello from r3', release: 'r3' });
    expect(currentRelease(projectDirs[0]!)).toBe('r3');
    expect(lastOutcome(0)).toBe('rolled-back');
  } finally {
    fs.writeFileSync(path.join(workspace, 'docker-compose.yml'), composeFile(image));
  }
});
