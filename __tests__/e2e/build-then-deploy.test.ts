import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runAction, versionAppDockerfile, type RunActionResult } from '@deploy-kit/harness';
import {
  baseInputs,
  cleanup,
  deploy,
  docker,
  hosts,
  makeApp,
  sandbox,
  served,
  type App,
} from '../integration/remote-deploy/helpers';

// The pipeline's hand-off, through both committed bundles: build-images builds and pushes the
// app to the sandbox registry and outputs service -> image@digest; remote-deploy takes that
// output as its `images` input and runs exactly that digest on a host over SSH.

const host = hosts[0]!;
let app: App;
let ns: string;
let built: RunActionResult;
let deployed: RunActionResult;

const COMPOSE = (registry: string, namespace: string): string => `version: "3.8"
services:
  web:
    build:
      context: ./web
      args:
        VERSION: "\${VERSION:-dev}"
    image: "${registry}/${namespace}/web"
    network_mode: host
    init: true
    environment:
      BIND: \${DEPLOY_HOST}
      PORT: \${APP_PORT}
`;

const DOCKERFILE = versionAppDockerfile({ base: sandbox.images.busybox, user: '1000', healthRetries: 5 });

beforeAll(async () => {
  app = makeApp([host]);
  ns = `e2e-${app.id}`;
  fs.writeFileSync(path.join(app.workspace, 'docker-compose.yml'), COMPOSE(sandbox.registry.address, ns));
  fs.mkdirSync(path.join(app.workspace, 'web'));
  fs.writeFileSync(path.join(app.workspace, 'web', 'Dockerfile'), DOCKERFILE);
  const userDockerConfig = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-docker-'));

  built = await runAction({
    action: 'build-images',
    workspace: app.workspace,
    inputs: {
      'compose-file': 'docker-compose.yml',
      registry: sandbox.registry.address,
      tags: `type=raw,value=${ns}`,
      network: 'host',
      policy: 'warn',
    },
    env: { DOCKER_HOST: sandbox.docker.host, DOCKER_CONFIG: userDockerConfig, VERSION: `release-${ns}` },
    post: true,
    timeoutMs: 180_000,
  });
  // Nothing left on the runner side: remote-deploy must pull the digest from the registry.
  docker(['image', 'rm', '--force', `${sandbox.registry.address}/${ns}/web:${ns}`]);

  deployed = await deploy(app, {
    ...baseInputs(app, [host]),
    images: built.outputs.images ?? '',
    version: '1.0',
  });
}, 400_000);

afterAll(() => {
  cleanup(app, [host]);
  docker(['image', 'rm', '--force', `${sandbox.registry.address}/${ns}/web:${ns}`]);
});

test('build-images pushes the app and outputs its digest', () => {
  expect(built.error).toBeUndefined();
  expect(built.exitCode).toBe(0);
  const images = JSON.parse(built.outputs.images ?? '{}') as Record<string, string>;
  const digests = JSON.parse(built.outputs.digests ?? '{}') as Record<string, string>;
  expect(digests.web).toMatch(/^sha256:[0-9a-f]{64}$/);
  expect(images.web).toBe(`${sandbox.registry.address}/${ns}/web:${ns}@${digests.web}`);
});

test('remote-deploy runs exactly that digest on the host, healthy and serving the new build', async () => {
  expect(deployed.error).toBeUndefined();
  expect(deployed.exitCode).toBe(0);
  const digest = (JSON.parse(built.outputs.digests ?? '{}') as Record<string, string>).web;
  const container = docker([
    'ps',
    '-q',
    '--filter',
    `label=com.docker.compose.project=rd${app.id}${host.name}`,
  ]).trim();
  expect(container).not.toBe('');
  expect(docker(['inspect', '--format', '{{.Config.Image}}', container]).trim()).toBe(
    `${sandbox.registry.address}/${ns}/web:${ns}@${digest}`,
  );
  expect(docker(['inspect', '--format', '{{.State.Health.Status}}', container]).trim()).toBe('healthy');
  expect(await served(host, app)).toBe(`release-${ns}`);
  const results = JSON.parse(deployed.outputs.results ?? '{}') as { status: string; hosts: unknown[] };
  expect(results.status).toBe('passed');
  expect(results.hosts).toHaveLength(1);
});
