import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  deploy,
  docker,
  hosts,
  knownHosts,
  sandbox,
  startPrivateSshd,
  type Host,
  type PrivateSshd,
} from './helpers';
import {
  buildExampleImages,
  exampleHostsYaml,
  getOnce,
  imagesInput,
  makeExampleApp,
  poll,
  type ExampleApp,
  type Images,
} from './example-app';

/**
 * strategy: zero-downtime (the default) on the example app as the demo ships it — gunicorn web,
 * nginx, celery and beat, all on the host network — through the committed bundle: a poller opening
 * a fresh connection every 20 ms against the host's nginx sees no failed request while 1.0.0 → 1.1.0
 * switches and while it rolls back, a 5 s request started before the switch ends with 200, and
 * beat never runs twice. Compose v2 (the sandbox hosts) and v1 (a host without the v2 plugin).
 */

jest.setTimeout(600_000);

let images: Record<string, Images>;
beforeAll(() => {
  images = buildExampleImages(['1.0.0', '1.1.0']);
}, 600_000);

function projectContainers(project: string, service: string): string[] {
  return docker([
    'ps',
    '-q',
    '--filter',
    `label=com.docker.compose.project=${project}`,
    '--filter',
    `label=com.docker.compose.service=${service}`,
  ])
    .split('\n')
    .filter(Boolean);
}

/** Run a deploy while polling nginx; a 5 s request starts once the new web container exists. */
/**
 * Whether this machine's kernel hands a closing listener's queued connections to another listener
 * of its SO_REUSEPORT group (net.ipv4.tcp_migrate_req, Linux >= 5.14, off by default).
 */
const migratesQueuedConnections = ((): boolean => {
  try {
    return fs.readFileSync('/proc/sys/net/ipv4/tcp_migrate_req', 'utf8').trim() === '1';
  } catch {
    return false;
  }
})();

/**
 * No gap in a switch: no failed request, but for the one race the README names ("On the host
 * network one race remains"): a connection the kernel queued on the OLD nginx's listening socket in
 * the instant it closes is reset, unless tcp_migrate_req is on (it is a machine-wide sysctl, and
 * this machine is shared, so the tests do not set it). A switch with a gap fails hundreds of
 * requests (recreate: 398–528 per host in bench/zero-downtime.mjs) and any other failure (a 502, a
 * refused connection) fails here at once.
 */
function expectNoGap(polled: { failed: number; failures: Record<string, number> }): void {
  const { ECONNRESET: resets = 0, ...others } = polled.failures;
  expect(others).toEqual({});
  expect(resets).toBeLessThanOrEqual(migratesQueuedConnections ? 0 : 1);
  expect(polled.failed).toBe(resets);
}

async function switchUnderLoad(
  app: ExampleApp,
  target: Host,
  inputs: Record<string, string>,
  project: string,
) {
  const base = `http://${target.host}:${app.nginxPort}`;
  const poller = poll(`${base}/version`);
  const before = projectContainers(project, 'web');
  let slow: Promise<Awaited<ReturnType<typeof getOnce>>> | undefined;
  const watch = setInterval(() => {
    // started on the old release, before the switch stops it
    if (!slow && projectContainers(project, 'web').length > before.length)
      slow = getOnce(`${base}/version?wait=5`, 30_000);
  }, 100);
  const result = await deploy({ workspace: app.workspace } as never, inputs, { timeoutMs: 300_000 });
  clearInterval(watch);
  const polled = await poller.stop();
  return { result, polled, slow: await slow };
}

describe.each([
  ['Compose v2', 'v2'],
  ['Compose v1', 'v1'],
] as const)('%s', (_label, kind) => {
  let app: ExampleApp;
  let target: Host;
  let sshd: PrivateSshd | undefined;
  let project: string;
  let projectDir: string;

  beforeAll(async () => {
    app = makeExampleApp();
    if (kind === 'v2') target = hosts[0]!;
    else {
      // No v2 plugin in this host's DOCKER_CONFIG: the probe finds docker-compose 1.29.
      const dockerConfig = fs.mkdtempSync(path.join(os.tmpdir(), 'zd-dockercfg-'));
      fs.chmodSync(dockerConfig, 0o755);
      sshd = await startPrivateSshd({
        forcedCommand: false,
        setEnv: { DOCKER_HOST: sandbox.docker.host, DOCKER_CONFIG: dockerConfig },
      });
      const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zd-v1-'));
      execFileSync('chown', [`${sandbox.ssh.user}:`, workDir]);
      target = {
        ...hosts[0]!,
        host: sshd.host,
        port: sshd.port,
        knownHostsLine: sshd.knownHostsLine,
        workDir,
        name: 'v1',
      };
    }
    project = `zd${app.id}${target.name}`;
    projectDir = `${target.workDir}/zd-${app.id}`;
  });
  afterAll(() => {
    const ids = docker(['ps', '-aq', '--filter', `label=com.docker.compose.project=${project}`]).trim();
    if (ids) docker(['rm', '-f', ...ids.split('\n')]);
    sshd?.stop();
  });

  const inputs = (version: Record<string, string>): Record<string, string> => ({
    hosts: exampleHostsYaml(app, target, projectDir),
    user: sandbox.ssh.user,
    'private-key': fs.readFileSync(sandbox.ssh.clientKey, 'utf8'),
    'known-hosts': knownHosts([target]),
    'project-dir': projectDir,
    'compose-files': 'docker-compose.yml\ndeploy/compose.sandbox.yml',
    'env-file': '.env',
    'health-timeout': '120s',
    'lock-timeout': '10s',
    ...version,
  });

  test('first deploy, then 1.0.0 → 1.1.0 and the rollback: no gap (no failed request but the one reset the README names), the 5 s request ends 200', async () => {
    const first = await deploy(
      { workspace: app.workspace } as never,
      inputs({ version: '1.0.0', images: imagesInput(images['1.0.0']!) }),
      {
        timeoutMs: 300_000,
      },
    );
    expect(first.error).toBeUndefined();
    expect(first.log).toMatch(kind === 'v2' ? /compose v2/ : /compose v1/);

    const up = await switchUnderLoad(
      app,
      target,
      inputs({ version: '1.1.0', images: imagesInput(images['1.1.0']!) }),
      project,
    );
    expect(up.result.error).toBeUndefined();
    expect(up.polled.versions).toEqual(['1.0.0', '1.1.0']);
    expect(up.polled.requests).toBeGreaterThan(100);
    expectNoGap(up.polled);
    expect(up.slow).toMatchObject({ status: 200 });
    expect(up.result.log).toMatch(/new web, nginx healthy; stopping 2 old container\(s\) gracefully/);
    for (const s of ['web', 'nginx', 'celery', 'celery_beat'])
      expect(projectContainers(project, s)).toHaveLength(1);

    if (kind === 'v1') return; // the rollback is the same switch; v2 shows it
    const back = await switchUnderLoad(app, target, inputs({ 'rollback-to': '1.0.0' }), project);
    expect(back.result.error).toBeUndefined();
    expect(back.polled.versions).toEqual(['1.1.0', '1.0.0']);
    expectNoGap(back.polled);
    expect(back.slow).toMatchObject({ status: 200 });
    for (const s of ['web', 'nginx', 'celery', 'celery_beat'])
      expect(projectContainers(project, s)).toHaveLength(1);
  });
});
