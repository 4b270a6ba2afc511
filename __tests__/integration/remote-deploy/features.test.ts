import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  baseInputs,
  buildAppImages,
  cleanup,
  currentRelease,
  deploy,
  docker,
  hosts,
  hostsYaml,
  makeApp,
  releaseLog,
  sandbox,
  served,
  uniqueId,
  type App,
} from './helpers';

jest.setTimeout(300_000);

let images: ReturnType<typeof buildAppImages>;
const apps: [App, typeof hosts][] = [];
function newApp(targets: typeof hosts): App {
  const app = makeApp(targets);
  apps.push([app, targets]);
  return app;
}

beforeAll(() => {
  images = buildAppImages();
});
afterAll(() => apps.forEach(([app, targets]) => cleanup(app, targets)));

test('dry run: checks every host, prints the plan, changes nothing', async () => {
  const app = newApp(hosts);
  const result = await deploy(app, {
    ...baseInputs(app, hosts),
    images: `web=${images.v1}`,
    version: '1.0',
    'dry-run': 'true',
    'migrate-command': 'true',
  });
  expect(result.error).toBeUndefined();
  expect(result.log).toMatch(/compose v2, current release \(none\)/);
  expect(result.log).toContain(`image ${images.v1} `);
  expect(result.summary).toContain('remote-deploy dry run: 1.0');
  expect(result.summary).toMatch(/`migrate`/);
  for (const dir of app.projectDirs) expect(fs.existsSync(dir)).toBe(false);
  const missing = await deploy(app, {
    ...baseInputs(app, hosts),
    images: `web=${sandbox.registry.address}/remote-deploy-app:no-such-tag`,
    version: '1.0',
    'dry-run': 'true',
  });
  expect(missing.error).toMatch(/image\(s\) not found .*no-such-tag/);
});

test('three hosts in rolling batches of one; a red host stops the next batch and rolls back the earlier ones', async () => {
  const app = newApp(hosts);
  const ok = await deploy(app, {
    ...baseInputs(app, hosts),
    images: `web=${images.v1}`,
    version: '1.0',
    'max-unavailable': '1',
  });
  expect(ok.error).toBeUndefined();
  expect(ok.log).toMatch(/Switch batch 3\/3/);
  // the second host gets a health URL that cannot answer: batch 2 goes red, batch 3 never switches
  const result = await deploy(app, {
    ...baseInputs(app, hosts),
    images: `web=${images.v2}`,
    version: '2.0',
    'max-unavailable': '34%',
    'health-url': `http://{host}:${app.port}/version`,
    'health-expect': '{version}',
    'health-timeout': '8s',
    'post-deploy-command': `[ "$DEPLOY_HOST" != "${hosts[1]!.host}" ] || { echo "red on purpose"; exit 3; }`,
  });
  expect(result.exitCode).toBe(1);
  expect(result.error).toMatch(/failed on 127\.0\.\d+\.\d+:\d+: the post-hook .* exited with 3/);
  const results = JSON.parse(result.outputs.results as string) as {
    status: string;
    hosts: { status: string }[];
  };
  expect(results.status).toBe('could-not-run');
  const statuses = results.hosts.map((r) => r.status);
  expect(statuses).toEqual(['rolled-back', 'rolled-back', 'pending']);
  expect(result.log).not.toMatch(/Switch batch 3\/3/);
  for (const [i, h] of hosts.entries()) {
    expect(await served(h, app)).toBe('1.0');
    expect(currentRelease(app.projectDirs[i]!)).toBe('1.0');
  }
  expect(releaseLog(app.projectDirs[2]!).at(-1)).toMatchObject({ version: '2.0', outcome: 'failed' });
});

test('no-registry mode: docker save | gzip streamed over ssh into docker load', async () => {
  const app = newApp([hosts[0]!]);
  const local = `local/rd-noreg-${uniqueId()}:1.0`;
  docker(['tag', images.v1, local]);
  const result = await deploy(
    app,
    {
      ...baseInputs(app, [hosts[0]!]),
      images: `web=${local}`,
      version: '1.0',
      'image-transfer': 'ssh',
    },
    { env: { DOCKER_HOST: sandbox.docker.host } },
  );
  docker(['rmi', local]);
  expect(result.error).toBeUndefined();
  expect(result.log).toMatch(new RegExp(`Loaded image: ${local.replace(/[.:/]/g, '\\$&')}`));
  expect(await served(hosts[0]!, app)).toBe('1.0');
});

test('jump host: the target is reached through the first host, both keys checked', async () => {
  const [jump, target] = [hosts[0]!, hosts[1]!];
  const app = newApp([target]);
  const result = await deploy(app, {
    ...baseInputs(app, [target]),
    'known-hosts': [jump.knownHostsLine, target.knownHostsLine].join('\n'),
    'jump-host': `${sandbox.ssh.user}@${jump.host}:${jump.port}`,
    images: `web=${images.v1}`,
    version: '1.0',
  });
  expect(result.error).toBeUndefined();
  expect(await served(target, app)).toBe('1.0');
  const badJump = await deploy(app, {
    ...baseInputs(app, [target]),
    'known-hosts': target.knownHostsLine,
    'jump-host': `${sandbox.ssh.user}@${jump.host}:${jump.port}`,
    images: `web=${images.v1}`,
    version: '1.0',
  });
  expect(badJump.error).toMatch(/jump host 127\.0\.\d+\.\d+:\d+ presented SHA256:\S+ and no fingerprint/);
});

test('RSA (rsa-sha2) and passphrase-protected keys, CRLF-pasted, per-host fingerprints, private registry login', async () => {
  const app = newApp([hosts[0]!, hosts[1]!]);
  const auth = sandbox.authRegistry;
  const privateImage = `${auth.address}/remote-deploy-app:1.0-${app.id}`;
  docker(['tag', images.v1, privateImage]);
  docker(['login', '--username', auth.username, '--password-stdin', auth.address], auth.password);
  docker(['push', privateImage]);
  docker(['rmi', privateImage]);
  const hostsInput = hostsYaml(app, [hosts[0]!, hosts[1]!], (h) => ({
    fingerprint: h.hostKeyFingerprint,
    ...(h === hosts[1] ? { 'private-key-env': 'SECOND_HOST_KEY' } : {}),
  }));
  const result = await deploy(
    app,
    {
      ...baseInputs(app, [hosts[0]!, hosts[1]!]),
      hosts: hostsInput,
      'known-hosts': '',
      'private-key': fs.readFileSync(sandbox.ssh.passphraseClientKey, 'utf8').replace(/\n/g, '\r\n'),
      passphrase: sandbox.ssh.passphrase,
      images: `web=${privateImage}`,
      version: '1.0',
      registry: auth.address,
      'registry-username': auth.username,
      'registry-password': auth.password,
    },
    { env: { SECOND_HOST_KEY: fs.readFileSync(sandbox.ssh.rsaClientKey, 'utf8') } },
  );
  expect(result.error).toBeUndefined();
  expect(result.log).toMatch(/logged in to 127\.0\.0\.1:\d+/);
  expect(result.leaks([auth.password, sandbox.ssh.passphrase])).toEqual([]);
  for (const h of [hosts[0]!, hosts[1]!]) expect(await served(h, app)).toBe('1.0');
  expect(path.basename(app.projectDirs[0]!)).toBe(`rd-${app.id}`);
});

test('services: only the named services are pulled, started and health-gated', async () => {
  const host = hosts[2]!;
  const app = newApp([host]);
  fs.appendFileSync(
    path.join(app.workspace, 'docker-compose.yml'),
    `  other:\n    image: ${sandbox.images.busybox}\n    network_mode: host\n    command: ["sleep", "3600"]\n`,
  );
  const result = await deploy(app, {
    ...baseInputs(app, [host]),
    images: `web=${images.v1}`,
    version: '1.0',
    services: 'web',
  });
  expect(result.error).toBeUndefined();
  expect(await served(host, app)).toBe('1.0');
  const running = docker([
    'ps',
    '--format',
    '{{.Names}}',
    '--filter',
    `label=com.docker.compose.project=rd${app.id}${host.name}`,
  ]);
  // Compose v1 names containers project_web_1, v2 project-web-1.
  expect(running).toMatch(/[_-]web[_-]1/);
  expect(running).not.toMatch(/[_-]other[_-]1/);
});
