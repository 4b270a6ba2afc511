import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  baseInputs,
  buildAppImages,
  cleanup,
  deploy,
  docker,
  hosts,
  makeApp,
  sandbox,
  served,
  type App,
  type Host,
} from './helpers';

jest.setTimeout(300_000);

// Issue 14 A6: registry credentials must not stay on a host after a deploy. docker login and the
// pull use a per-deploy DOCKER_CONFIG (0700, under the project's .deploy-kit), removed after the
// pull and on failure. Addresses come from the sandbox info (any port offset / ssh net).
const target = hosts[2] as Host;
const auth = sandbox.authRegistry;
let images: ReturnType<typeof buildAppImages>;
let app: App;
let privateImage: string;

/** The docker config files the deploy user's sessions could have written credentials to. */
function configFiles(): string[] {
  const home =
    spawnSync('getent', ['passwd', sandbox.ssh.user], { encoding: 'utf8' }).stdout.split(':')[5] ?? '';
  return [path.join(target.dockerConfig, 'config.json'), path.join(home, '.docker', 'config.json')];
}

/** Any trace of the auth registry's credentials in the host's docker configs or the project dir. */
function credentialsLeft(): string[] {
  const found: string[] = [];
  const token = Buffer.from(`${auth.username}:${auth.password}`).toString('base64');
  for (const file of configFiles())
    if (fs.existsSync(file) && /auths/.test(fs.readFileSync(file, 'utf8'))) {
      const text = fs.readFileSync(file, 'utf8');
      if (text.includes(auth.address) || text.includes(token)) found.push(file);
    }
  const state = path.join(app.projectDirs[0] as string, '.deploy-kit');
  if (fs.existsSync(state))
    for (const name of fs.readdirSync(state))
      if (name.startsWith('docker-config.')) found.push(path.join(state, name));
  return found;
}

/** Start from a host that holds no credentials for the auth registry (an earlier run may have left some). */
function forgetRegistry(): void {
  for (const file of configFiles()) {
    if (!fs.existsSync(file)) continue;
    const config = JSON.parse(fs.readFileSync(file, 'utf8')) as { auths?: Record<string, unknown> };
    if (config.auths?.[auth.address] === undefined) continue;
    delete config.auths[auth.address];
    fs.writeFileSync(file, JSON.stringify(config));
  }
}

beforeAll(() => {
  images = buildAppImages();
  app = makeApp([target]);
  privateImage = `${auth.address}/remote-deploy-app:1.0-${app.id}`;
  docker(['tag', images.v1, privateImage]);
  docker(['login', '--username', auth.username, '--password-stdin', auth.address], auth.password);
  docker(['push', privateImage]);
  docker(['rmi', privateImage]);
  forgetRegistry();
});
afterAll(() => cleanup(app, [target]));

const registryInputs = () => ({
  registry: auth.address,
  'registry-username': auth.username,
  'registry-password': auth.password,
});

test('after a deploy from the authenticated registry no credentials file remains on the host', async () => {
  expect(credentialsLeft()).toEqual([]);
  const result = await deploy(app, {
    ...baseInputs(app, [target]),
    ...registryInputs(),
    images: `web=${privateImage}`,
    version: '1.0',
    'health-url': `http://{host}:${app.port}/version`,
    'health-expect': '1.0',
  });
  expect(result.error).toBeUndefined();
  expect(await served(target, app)).toBe('1.0');
  expect(result.log).toContain(`logged in to ${auth.address}`);
  expect(credentialsLeft()).toEqual([]);
  expect(result.leaks([auth.password])).toEqual([]);
});

test('a pull that fails after the login leaves no credentials either', async () => {
  const result = await deploy(app, {
    ...baseInputs(app, [target]),
    ...registryInputs(),
    images: `web=${auth.address}/remote-deploy-app:missing-${app.id}`,
    version: '2.0',
  });
  expect(result.exitCode).toBe(1);
  expect(result.error).toMatch(/docker pull .*missing/);
  expect(credentialsLeft()).toEqual([]);
  expect(await served(target, app)).toBe('1.0');
});
