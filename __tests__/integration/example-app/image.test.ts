import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadSandbox } from '@deploy-kit/harness';
import { APP_DIR, pollUntil, run, type ProcessResult } from './helpers';

// The example's image, built and run on the sandbox's dockerd the way a target
// runs it: host networking, an env file, the image's own HEALTHCHECK. The web
// role talks to the sandbox PostgreSQL (a private schema), the worker role of
// the same image consumes a task through the shared filesystem broker, and
// the nginx target serves the collected static files and proxies to gunicorn.
// Everything this file creates carries a unique suffix and is removed by name.

jest.setTimeout(600_000);

const sandbox = loadSandbox();
const DOCKER = (sandbox.docker as { cli?: string }).cli ?? 'docker';
const DOCKER_ENV = {
  DOCKER_HOST: sandbox.docker.host,
  DOCKER_CONFIG: sandbox.docker.config,
  DOCKER_BUILDKIT: '0',
};
const BASE_IMAGE = sandbox.images.debian ?? 'local/debian:bookworm';
const PG = sandbox.postgres;
const PG_ENV = {
  PGPASSWORD: PG.password,
  PGHOST: PG.host,
  PGPORT: String(PG.port),
  PGUSER: PG.user,
  PGDATABASE: PG.database,
};

const UNIQUE = `${process.pid}-${crypto.randomBytes(3).toString('hex')}`;
const VERSION = `1.0.0-itest.${UNIQUE}`;
const WEB_IMAGE = `local/django-app:itest-${UNIQUE}`;
const NGINX_IMAGE = `local/django-app-nginx:itest-${UNIQUE}`;
const WEB = `djapp-itest-web-${UNIQUE}`;
const WORKER = `djapp-itest-worker-${UNIQUE}`;
const NGINX = `djapp-itest-nginx-${UNIQUE}`;
const BEAT = `djapp-itest-beat-${UNIQUE}`;
const SCHEMA = `djapp_itest_${UNIQUE.replace(/-/g, '_')}`;
const METRICS_TOKEN = crypto.randomBytes(40).toString('hex');

function docker(args: readonly string[], timeoutMs = 60_000): Promise<ProcessResult> {
  return run(DOCKER, args, { env: DOCKER_ENV, timeoutMs });
}

async function mustDocker(args: readonly string[], timeoutMs?: number): Promise<string> {
  const result = await docker(args, timeoutMs);
  if (result.code !== 0)
    throw new Error(`docker ${args.join(' ')} failed (${result.code}): ${result.stderr.slice(-3000)}`);
  return result.stdout;
}

async function psql(sql: string): Promise<string> {
  // The password travels in PGPASSWORD, never on the command line.
  const result = await run('psql', ['-v', 'ON_ERROR_STOP=1', '-Atc', sql], { env: PG_ENV });
  if (result.code !== 0) throw new Error(`psql failed: ${result.stderr}`);
  return result.stdout.trim();
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

interface HttpResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function get(url: string, headers: Record<string, string> = {}): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { headers, timeout: 5000 }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body }),
      );
    });
    request.on('timeout', () => request.destroy(new Error(`GET ${url} timed out`)));
    request.on('error', reject);
  });
}

let composeProject: string | undefined;

function compose(args: readonly string[], envFile: string, timeoutMs = 120_000): Promise<ProcessResult> {
  return run('docker-compose', ['-p', composeProject as string, ...args], {
    env: { ...DOCKER_ENV, ENV_FILE: envFile, IMAGE_WEB: WEB_IMAGE, IMAGE_NGINX: NGINX_IMAGE },
    timeoutMs,
  });
}

/** Local addresses listening on `port` (the host's tables: containers share its network). */
function listeners(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const rows = (file: string) =>
    fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      .filter((f) => f[3] === '0A' && f[1]?.endsWith(`:${hexPort}`))
      .map((f) => (f[1] as string).split(':')[0] as string);
  const ipv4 = rows('/proc/net/tcp').map((hex) =>
    [3, 2, 1, 0].map((i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16)).join('.'),
  );
  const ipv6 = fs.existsSync('/proc/net/tcp6') ? rows('/proc/net/tcp6').map((hex) => `ipv6:${hex}`) : [];
  // The addresses, not the sockets: with SO_REUSEPORT (nginx `listen … reuseport`, for the
  // zero-downtime overlap) every worker holds its own listening socket on the same address.
  return [...new Set([...ipv4, ...ipv6])];
}

async function healthStatus(name: string): Promise<string> {
  return (await mustDocker(['inspect', '--format', '{{.State.Health.Status}}', name])).trim();
}

// Behind the TLS proxy: the app sees https and does not redirect.
const VIA_TLS_PROXY = { 'X-Forwarded-Proto': 'https' };

describe('examples/django-app image on the sandbox dockerd', () => {
  let tmp: string;
  let envFile: string;
  let port: number;
  let nginxPort: number;
  let schemaCreated = false;
  const started: string[] = [];

  beforeAll(async () => {
    const base = await docker(['image', 'inspect', BASE_IMAGE]);
    if (base.code !== 0)
      throw new Error(
        `the sandbox has no ${BASE_IMAGE} image; start it with: bash scripts/sandbox up --with-debian`,
      );

    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'djapp-image-'));
    port = await freePort();
    nginxPort = await freePort();
    await psql(`CREATE SCHEMA ${SCHEMA}`);
    schemaCreated = true;
    // What render-env would write on a target (mode 0600; secrets never on a command line).
    envFile = path.join(tmp, 'app.env');
    const databaseUrl = `postgres://${encodeURIComponent(PG.user)}:${encodeURIComponent(PG.password)}@${PG.host}:${PG.port}/${PG.database}?currentSchema=${SCHEMA}`;
    fs.writeFileSync(
      envFile,
      [
        'DEBUG=false',
        `DJANGO_SECRET_KEY=${crypto.randomBytes(48).toString('base64url')}`,
        'ALLOWED_HOSTS=app.example.test,127.0.0.1',
        'CSRF_TRUSTED_ORIGINS=https://app.example.test',
        `DATABASE_URL=${databaseUrl}`,
        `METRICS_TOKEN=${METRICS_TOKEN}`,
        'SECURE_HSTS_SECONDS=600',
        `PORT=${port}`,
        `NGINX_PORT=${nginxPort}`,
        'GUNICORN_WORKERS=2',
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    // The filesystem broker shared by the web and worker roles (a volume in compose).
    fs.mkdirSync(path.join(tmp, 'var'));
    fs.chownSync(path.join(tmp, 'var'), 10001, 10001);

    const build = (target: string, tag: string) =>
      mustDocker(
        [
          'build',
          '--network',
          'host',
          '--target',
          target,
          '--build-arg',
          `BASE_IMAGE=${BASE_IMAGE}`,
          '--build-arg',
          `APP_VERSION=${VERSION}`,
          '-t',
          tag,
          APP_DIR,
        ],
        540_000,
      );
    await build('web', WEB_IMAGE);
    await build('nginx', NGINX_IMAGE);

    const common = ['--network', 'host', '--init', '--env-file', envFile, '--health-interval', '1s'];
    await mustDocker([
      'run',
      '-d',
      '--name',
      WEB,
      ...common,
      '-v',
      `${tmp}/var:/var/lib/django-app`,
      WEB_IMAGE,
    ]);
    started.push(WEB);
  });

  afterAll(async () => {
    if (composeProject) await compose(['down', '--volumes', '--timeout', '5'], path.join(tmp, 'compose.env'));
    for (const name of started) await docker(['rm', '-f', name]);
    // --no-prune keeps the cached layers for the next run.
    for (const image of [WEB_IMAGE, NGINX_IMAGE]) await docker(['rmi', '--no-prune', image]);
    if (schemaCreated) await psql(`DROP SCHEMA ${SCHEMA} CASCADE`);
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('serves /healthz with the build version once migrations ran against PostgreSQL', async () => {
    const health = await pollUntil('the web container to answer /healthz', 90_000, async () => {
      const response = await get(`http://127.0.0.1:${port}/healthz`);
      return response.status === 200 ? response : undefined;
    });
    expect(JSON.parse(health.body)).toEqual({ status: 'ok', version: VERSION, database: 'ok' });
    expect(health.headers['x-app-version']).toBe(VERSION);
    expect(await psql(`SELECT count(*) > 0 FROM ${SCHEMA}.django_migrations WHERE app = 'notes'`)).toBe('t');
    // gunicorn listens on 127.0.0.1 only: no wildcard, no IPv6 socket.
    expect(listeners(port)).toEqual(['127.0.0.1']);
    const version = await get(`http://127.0.0.1:${port}/version`, { Host: 'anything.invalid' });
    expect(JSON.parse(version.body)).toEqual({ version: VERSION });
  });

  test("the image's HEALTHCHECK turns healthy; it runs as the non-root user app", async () => {
    await pollUntil('the web container to be healthy', 60_000, async () =>
      (await healthStatus(WEB)) === 'healthy' ? true : undefined,
    );
    expect((await mustDocker(['inspect', '--format', '{{.Config.User}}', WEB])).trim()).toBe('app');
    expect((await mustDocker(['exec', WEB, 'id', '-u'])).trim()).toBe('10001');
    // .dockerignore: no env files, tests or deploy secrets in the image.
    const files = (await mustDocker(['exec', WEB, 'ls', '-A', '/app'])).trim().split('\n');
    expect(files).toEqual(expect.arrayContaining(['manage.py', 'config', 'notes', 'staticfiles', 'docker']));
    for (const absent of ['.env', '.env.example', '.deploy', 'deploy', 'tests', 'db.sqlite3']) {
      expect(files).not.toContain(absent);
    }
  });

  test('production security: HTTPS redirect, headers, metrics behind the bearer token', async () => {
    const plain = await get(`http://127.0.0.1:${port}/`);
    expect(plain.status).toBe(301);
    expect(plain.headers.location).toBe(`https://127.0.0.1:${port}/`);

    const page = await get(`http://127.0.0.1:${port}/`, VIA_TLS_PROXY);
    expect(page.status).toBe(200);
    expect(page.headers).toMatchObject({
      'strict-transport-security': 'max-age=600',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'same-origin',
      'x-app-version': VERSION,
    });
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");

    expect((await get(`http://127.0.0.1:${port}/metrics`, VIA_TLS_PROXY)).status).toBe(401);
    const wrong = await get(`http://127.0.0.1:${port}/metrics`, {
      ...VIA_TLS_PROXY,
      Authorization: 'Bearer nope',
    });
    expect(wrong.status).toBe(403);
    const metrics = await get(`http://127.0.0.1:${port}/metrics`, {
      ...VIA_TLS_PROXY,
      Authorization: `Bearer ${METRICS_TOKEN}`,
    });
    expect(metrics.status).toBe(200);
    expect(metrics.body).toContain(`django_app_info{version="${VERSION}"} 1`);
    expect(metrics.body).toContain('django_app_database_up 1');
  });

  test('the worker and beat roles of the same image run; the worker consumes a task queued by web', async () => {
    const role = async (name: string, command: string) => {
      await mustDocker([
        'run',
        '-d',
        '--name',
        name,
        '--network',
        'host',
        '--init',
        '--env-file',
        envFile,
        '-v',
        `${tmp}/var:/var/lib/django-app`,
        // What docker-compose.yml declares for these services.
        '--health-cmd',
        `python3 -m heartbeat check ${command}`,
        '--health-interval',
        '1s',
        WEB_IMAGE,
        command,
      ]);
      started.push(name);
    };
    await role(WORKER, 'worker');
    await role(BEAT, 'beat');
    const queued = await mustDocker([
      'exec',
      WEB,
      'python3',
      'manage.py',
      'shell',
      '-c',
      "from notes.models import Note; from notes.tasks import count_words; n = Note.objects.create(title='queued by web', body='counted by the worker'); count_words.delay(n.pk); print(n.pk)",
    ]);
    const id = Number(queued.trim());
    const words = await pollUntil('the worker to count the words', 60_000, async () => {
      const value = await psql(`SELECT word_count FROM ${SCHEMA}.notes_note WHERE id = ${id}`);
      return value === '' ? undefined : value;
    });
    expect(words).toBe('7');
    for (const name of [WORKER, BEAT]) {
      await pollUntil(`${name} to be healthy (heartbeat file)`, 60_000, async () =>
        (await healthStatus(name)) === 'healthy' ? true : undefined,
      );
    }
    const log = await docker(['logs', WORKER]);
    expect(log.stdout + log.stderr).toMatch(/Task notes\.tasks\.count_words\[[0-9a-f-]+\] succeeded/);
  });

  test('nginx serves the hashed stylesheet and proxies to gunicorn', async () => {
    await mustDocker([
      'run',
      '-d',
      '--name',
      NGINX,
      '--network',
      'host',
      '--init',
      '--env-file',
      envFile,
      '--health-interval',
      '1s',
      NGINX_IMAGE,
    ]);
    started.push(NGINX);
    const page = await pollUntil('nginx to proxy the notes page', 30_000, async () => {
      const response = await get(`http://127.0.0.1:${nginxPort}/`, VIA_TLS_PROXY);
      return response.status === 200 ? response : undefined;
    });
    expect(page.headers['x-app-version']).toBe(VERSION);
    expect(listeners(nginxPort)).toEqual(['127.0.0.1']);
    const css = /href="(\/static\/notes\/site\.[0-9a-f]{12}\.css)"/.exec(page.body)?.[1];
    expect(css).toBeDefined();
    const stylesheet = await get(`http://127.0.0.1:${nginxPort}${css}`);
    expect(stylesheet.status).toBe(200);
    expect(stylesheet.headers['content-type']).toBe('text/css');
    expect(stylesheet.headers['cache-control']).toContain('immutable');
    expect(stylesheet.body).toContain('The one stylesheet of the example app');
    await pollUntil('the nginx container to be healthy', 30_000, async () =>
      (await healthStatus(NGINX)) === 'healthy' ? true : undefined,
    );
  });

  test('docker-compose.yml brings up web, celery, celery_beat and nginx healthy from these images', async () => {
    // Its own ports and compose project; the same PostgreSQL schema (migrations are idempotent).
    const composeEnv = path.join(tmp, 'compose.env');
    const webPort = await freePort();
    const proxyPort = await freePort();
    fs.writeFileSync(
      composeEnv,
      fs
        .readFileSync(envFile, 'utf8')
        .replace(/^PORT=.*$/m, `PORT=${webPort}`)
        .replace(/^NGINX_PORT=.*$/m, `NGINX_PORT=${proxyPort}`),
      { mode: 0o600 },
    );
    composeProject = `djappitest${UNIQUE.replace(/-/g, '')}`;
    const up = await compose(['up', '-d', '--no-build'], composeEnv, 300_000);
    expect({ code: up.code, stderr: up.code === 0 ? '' : up.stderr }).toEqual({ code: 0, stderr: '' });
    const ids = (await compose(['ps', '-q'], composeEnv)).stdout.trim().split('\n');
    expect(ids).toHaveLength(4);
    for (const id of ids) {
      await pollUntil(`compose container ${id} to be healthy`, 120_000, async () =>
        (await healthStatus(id)) === 'healthy' ? true : undefined,
      );
    }
    const health = await get(`http://127.0.0.1:${proxyPort}/healthz`);
    expect(JSON.parse(health.body)).toMatchObject({ status: 'ok', version: VERSION });
  });

  test('docker stop reaches gunicorn through the exec-ing entrypoint: prompt, clean exit', async () => {
    const startedAt = Date.now();
    await mustDocker(['stop', '--time', '20', WEB]);
    const elapsed = Date.now() - startedAt;
    expect(elapsed).toBeLessThan(10_000);
    expect((await mustDocker(['inspect', '--format', '{{.State.ExitCode}}', WEB])).trim()).toBe('0');
  });
});
