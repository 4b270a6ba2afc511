import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  baseInputs,
  buildDebianImage,
  cleanup,
  currentRelease,
  deploy,
  docker,
  freePort,
  hostsYaml,
  hosts,
  sandbox,
  uniqueId,
  type App,
  type Host,
} from './helpers';

jest.setTimeout(600_000);

// Issue 14 E1: a compose file in a subdirectory keeps its relative paths in the release dir
// (env_file: ../.env, a bind-mounted nginx config), and the 'files' input ships the config with
// every release; a rollback runs the previous release with its own copy. Addresses come from the
// sandbox info (any port offset / ssh net).
const target = hosts[1] as Host;
let nginxImage: string;
let busyboxImage: string;
let app: App;
let proxyPort: number;

const COMPOSE = (appPort: number) => `services:
  proxy:
    image: \${NGINX_IMAGE}
    network_mode: host
    init: true
    command: ["nginx", "-g", "daemon off;"]
    volumes:
      - ./nginx/nginx.conf:/etc/nginx/nginx.conf:ro
  app:
    image: ${busyboxImage}
    network_mode: host
    init: true
    env_file: ../.env
    command: ["sh", "-c", "mkdir -p /www && echo \\"$$GREETING\\" > /www/greeting && exec httpd -f -p 127.0.0.1:${appPort} -h /www"]
`;

/** The nginx config of a release: it answers /version with "conf <label>". */
const nginxConf = (label: string) => `worker_processes 1;
pid /tmp/nginx-${label}.pid;
error_log stderr;
events {}
http {
  access_log off;
  server {
    listen ${target.host}:${proxyPort};
    location /version { return 200 "conf ${label}\\n"; }
  }
}
`;

function writeRelease(label: string, greeting: string): void {
  fs.writeFileSync(path.join(app.workspace, 'deploy', 'nginx', 'nginx.conf'), nginxConf(label));
  fs.writeFileSync(path.join(app.workspace, 'app.env'), `GREETING=${greeting}\nNGINX_IMAGE=${nginxImage}\n`);
}

async function fetchText(url: string): Promise<string> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
    return (await res.text()).trim();
  } catch (error) {
    return `unreachable (${(error as Error).message})`;
  }
}

beforeAll(() => {
  nginxImage = buildDebianImage('rd-release-layout-nginx', { packages: ['nginx'], files: {}, lines: [] });
  const id = uniqueId();
  // Both images from the sandbox registry, pinned by 'images': hosts pull them by name.
  busyboxImage = `${sandbox.registry.address}/rd-release-layout-busybox:${id}`;
  docker(['tag', sandbox.images.busybox, busyboxImage]);
  docker(['push', '-q', busyboxImage]);
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'rd-ws-'));
  const appPort = freePort();
  proxyPort = freePort();
  app = {
    id,
    workspace,
    port: appPort,
    dataDir: workspace,
    secret: `unused-${id}`,
    projectDirs: [`${target.workDir}/rd-${id}`],
  };
  fs.mkdirSync(path.join(workspace, 'deploy', 'nginx'), { recursive: true });
  fs.writeFileSync(path.join(workspace, 'deploy', 'docker-compose.yml'), COMPOSE(appPort));
});
afterAll(() => cleanup(app, [target]));

const inputs = (version: string, expect: string) => ({
  ...baseInputs(app, [target]),
  hosts: hostsYaml(app, [target]),
  'compose-files': 'deploy/docker-compose.yml',
  files: 'deploy/nginx',
  images: `proxy=${nginxImage}\napp=${busyboxImage}`,
  'env-file': 'app.env',
  version,
  'health-url': `http://{host}:${proxyPort}/version`,
  'health-expect': expect,
});

test('a compose file in a subdirectory: ../.env and ./nginx/nginx.conf resolve in the release; a rollback restores the previous config', async () => {
  writeRelease('1.0', 'hello one');
  const first = await deploy(app, inputs('1.0', 'conf 1.0'));
  expect(first.error).toBeUndefined();
  expect(await fetchText(`http://${target.host}:${proxyPort}/version`)).toBe('conf 1.0');
  expect(await fetchText(`http://127.0.0.1:${app.port}/greeting`)).toBe('hello one');
  const dir = app.projectDirs[0] as string;
  expect(fs.readFileSync(path.join(dir, 'releases', '1.0', 'deploy', 'nginx', 'nginx.conf'), 'utf8')).toBe(
    nginxConf('1.0'),
  );
  expect(fs.existsSync(path.join(dir, 'releases', '1.0', 'deploy', 'docker-compose.yml'))).toBe(true);

  writeRelease('2.0', 'hello two');
  const second = await deploy(app, inputs('2.0', 'conf 2.0'));
  expect(second.error).toBeUndefined();
  expect(await fetchText(`http://${target.host}:${proxyPort}/version`)).toBe('conf 2.0');
  expect(await fetchText(`http://127.0.0.1:${app.port}/greeting`)).toBe('hello two');

  // 3.0 ships a config whose answer the health gate refuses: the host goes back to 2.0's files.
  writeRelease('3.0-bad', 'hello three');
  const bad = await deploy(app, { ...inputs('3.0-bad', 'conf 3.0-good'), 'health-timeout': '6s' });
  expect(bad.exitCode).toBe(1);
  expect(bad.error).toMatch(/rolled back .* to 2\.0 \(healthy\)/);
  expect(currentRelease(dir)).toBe('2.0');
  expect(await fetchText(`http://${target.host}:${proxyPort}/version`)).toBe('conf 2.0');
  expect(await fetchText(`http://127.0.0.1:${app.port}/greeting`)).toBe('hello two');
});
