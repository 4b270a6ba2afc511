import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  baseInputs,
  cleanup,
  currentRelease,
  deploy,
  docker,
  hosts,
  makeApp,
  sandbox,
  served,
  type App,
} from './helpers';

/**
 * `strategy` as users get it (the default, zero-downtime) on a real host, with an app whose web has
 * NO healthcheck (neither in the compose file nor in its image):
 *   - a first deploy has nothing running to overlap: the start gives web a plain `up -d`;
 *   - the next deploy would overlap the running web: refused after the pull, BEFORE the
 *     migrations and any container change, with the sentence naming web and the two fixes;
 *   - with the app down (web stopped) there is again nothing to overlap: it deploys;
 *   - a first release that fails says there is nothing to roll back to, not ROLLBACK FAILED.
 */

jest.setTimeout(300_000);

const host = hosts[0]!;
const IMAGE = `${sandbox.registry.address}/rd-no-healthcheck`;

/** busybox httpd serving its version, with no HEALTHCHECK; pushed as 1.0 and 2.0. */
function buildImages(): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rd-nohc-'));
  try {
    fs.writeFileSync(
      path.join(dir, 'Dockerfile'),
      [
        `FROM ${sandbox.images.busybox}`,
        'ARG VERSION',
        'RUN mkdir -p /www && echo "$VERSION" > /www/version',
        'CMD httpd -f -p "$BIND:$PORT" -h /www',
        '',
      ].join('\n'),
    );
    for (const v of ['1.0', '2.0']) {
      docker(['build', '-q', '--build-arg', `VERSION=${v}`, '-t', `${IMAGE}:${v}`, dir]);
      docker(['push', '-q', `${IMAGE}:${v}`]);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const COMPOSE = `services:
  web:
    image: ${IMAGE}:\${WEB_TAG:-1.0}
    network_mode: host
    init: true
    environment:
      BIND: \${DEPLOY_HOST}
      PORT: \${APP_PORT}
      DEPLOY_VERSION: \${DEPLOY_VERSION}
    volumes:
      - \${DATA_DIR}:/data
`;

function webContainers(app: App): string[] {
  return docker([
    'ps',
    '-q',
    '--no-trunc',
    '--filter',
    `label=com.docker.compose.project=rd${app.id}${host.name}`,
    '--filter',
    'label=com.docker.compose.service=web',
    '--filter',
    'status=running',
  ])
    .split('\n')
    .filter(Boolean);
}

function results(r: { outputs: Record<string, string> }): { status: string; failure?: string } {
  return JSON.parse(r.outputs.results ?? '{}') as { status: string; failure?: string };
}

let app: App;
let inputs: Record<string, string>;

beforeAll(() => {
  buildImages();
  app = makeApp([host]);
  fs.writeFileSync(path.join(app.workspace, 'docker-compose.yml'), COMPOSE);
  const { strategy: _recreate, ...defaults } = baseInputs(app, [host]);
  inputs = {
    ...defaults,
    'migrate-command': 'sh -c "touch /data/migrated-$DEPLOY_VERSION"',
    'health-timeout': '20s',
  };
  expect(inputs.strategy).toBeUndefined();
});

afterAll(() => {
  if (app) cleanup(app, [host]);
});

/** The image tag the release's env file names (WEB_TAG in app.env). */
function withTag(tag: string): void {
  const file = path.join(app.workspace, 'app.env');
  const lines = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('WEB_TAG='));
  fs.writeFileSync(file, [...lines, `WEB_TAG=${tag}`, ''].join('\n'));
}

test('no healthcheck anywhere: the first deploy starts web plainly; the next is refused before migrations; with web down it deploys', async () => {
  // 1. First deploy: nothing of web runs, so there is nothing to overlap and no healthcheck is needed.
  withTag('1.0');
  const first = await deploy(app, { ...inputs, version: '1.0' });
  expect(first.error).toBeUndefined();
  expect(first.exitCode).toBe(0);
  expect(first.log).toMatch(/nothing of web was running to overlap: started with a plain up -d/);
  expect(await served(host, app)).toBe('1.0');
  const running = webContainers(app);
  expect(running).toHaveLength(1);

  // 2. web runs now: 2.0 would overlap it, which needs a healthcheck. Refused after the pull,
  //    before the migrations and any container change.
  withTag('2.0');
  const refused = await deploy(app, { ...inputs, version: '2.0' });
  expect(refused.exitCode).toBe(1);
  expect(results(refused)).toMatchObject({ status: 'invalid-input' });
  expect(refused.error).toContain(
    `'strategy: zero-downtime' cannot switch web without a gap: it has no healthcheck, neither in the compose file nor in its image ${IMAGE}:2.0, so nothing says when its new container is ready; add a healthcheck to web (in the compose file or its image), or set 'strategy: recreate'`,
  );
  expect(fs.existsSync(path.join(app.dataDir, 'migrated-1.0'))).toBe(true);
  expect(fs.existsSync(path.join(app.dataDir, 'migrated-2.0'))).toBe(false);
  expect(webContainers(app)).toEqual(running);
  expect(currentRelease(app.projectDirs[0]!)).toBe('1.0');
  expect(await served(host, app)).toBe('1.0');

  // 3. The app is down (web stopped): nothing to overlap again, so 2.0 deploys with a plain up -d.
  docker(['stop', ...running]);
  const back = await deploy(app, { ...inputs, version: '2.0' });
  expect(back.error).toBeUndefined();
  expect(back.exitCode).toBe(0);
  expect(back.log).toMatch(/nothing of web was running to overlap: started with a plain up -d/);
  expect(fs.existsSync(path.join(app.dataDir, 'migrated-2.0'))).toBe(true);
  expect(await served(host, app)).toBe('2.0');
  expect(currentRelease(app.projectDirs[0]!)).toBe('2.0');
});

test('a first release that fails: nothing to roll back to, said plainly (not ROLLBACK FAILED)', async () => {
  const fresh = makeApp([host]);
  try {
    // web never turns healthy (its healthcheck always fails): the health gate is red on the
    // host's first release. (A container that exits could still look running to a quick gate.)
    fs.writeFileSync(
      path.join(fresh.workspace, 'docker-compose.yml'),
      COMPOSE.replace(
        '    init: true\n',
        '    init: true\n    healthcheck:\n      test: ["CMD", "false"]\n      interval: 1s\n      retries: 1\n',
      ),
    );
    const { strategy: _recreate, ...defaults } = baseInputs(fresh, [host]);
    const r = await deploy(fresh, { ...defaults, version: '1.0', 'health-timeout': '8s' });
    expect(r.exitCode).toBe(1);
    expect(r.error).toContain(
      `1.0 was ${host.host}:${host.port}'s first release, so there is nothing to roll back to: ${host.host}:${host.port} still runs 1.0 as its failed start left it; fix the release and deploy again`,
    );
    expect(r.error).not.toMatch(/ROLLBACK FAILED|no previous release/);
    expect(r.summary).not.toMatch(/ROLLBACK FAILED/);
  } finally {
    cleanup(fresh, [host]);
  }
});
