import * as fs from 'node:fs';
import * as path from 'node:path';
import { waitFor } from '@deploy-kit/harness';
import {
  baseInputs,
  buildAppImages,
  cleanup,
  currentRelease,
  deploy,
  hosts,
  makeApp,
  releaseLog,
  served,
  type App,
} from './helpers';

jest.setTimeout(300_000);

// Two sandbox hosts, a real registry, real compose: deploy, upgrade, then a red health gate rolls both back.
const targets = hosts.slice(0, 2);
let images: ReturnType<typeof buildAppImages>;
let app: App;

beforeAll(() => {
  images = buildAppImages();
  app = makeApp(targets);
});
afterAll(() => cleanup(app, targets));

test('first deploy: both hosts serve 1.0, release files are 0600, lock released, log written', async () => {
  const result = await deploy(app, {
    ...baseInputs(app, targets),
    images: `web=${images.v1}`,
    version: '1.0',
    'health-url': `http://{host}:${app.port}/version`,
    'health-expect': '1.0',
    'migrate-command': `sh -c 'echo migrated >> /data/migrations'`,
    'static-command': `sh -c 'echo collected >> /data/static'`,
  });
  expect(result.error).toBeUndefined();
  expect(result.exitCode).toBe(0);
  for (const [i, h] of targets.entries()) {
    expect(await served(h, app)).toBe('1.0');
    const dir = app.projectDirs[i] as string;
    expect(currentRelease(dir)).toBe('1.0');
    expect(fs.statSync(path.join(dir, 'releases', '1.0', '.env')).mode & 0o777).toBe(0o600);
    expect(fs.existsSync(path.join(dir, '.deploy-kit', 'lock'))).toBe(false);
    expect(releaseLog(dir).map((r) => [r.version, r.outcome])).toEqual([['1.0', 'deployed']]);
  }
  // migrations ran once (first host), in a one-off container, before the switch
  expect(
    fs.readFileSync(path.join(app.dataDir, 'migrations'), 'utf8').split('\n').filter(Boolean),
  ).toHaveLength(1);
  expect(result.outputs.version).toBe('1.0');
  expect(result.outputs['previous-version']).toBe('');
  const results = (
    JSON.parse(result.outputs.results as string) as { hosts: { host: string; status: string }[] }
  ).hosts;
  expect(results.map((r) => r.status)).toEqual(['deployed', 'deployed']);
  expect(result.summary).toContain('```mermaid');
  expect(result.summary).toMatch(/\| 127\.0\.\d+\.\d+:\d+ \| deployed \|/);
  expect(result.leaks([app.secret])).toEqual([]);
});

test('upgrade to 2.0 reports previous-version 1.0', async () => {
  const result = await deploy(app, {
    ...baseInputs(app, targets),
    images: `web=${images.v2}`,
    version: '2.0',
    'health-url': `http://{host}:${app.port}/version`,
    'health-expect': '2.0',
  });
  expect(result.error).toBeUndefined();
  expect(result.outputs['previous-version']).toBe('1.0');
  for (const h of targets) expect(await served(h, app)).toBe('2.0');
});

test('health check red → every switched host rolled back and serving 2.0 again', async () => {
  const result = await deploy(app, {
    ...baseInputs(app, targets),
    images: `web=${images.bad}`,
    version: '3.0-bad',
    'health-timeout': '8s',
    // both hosts switch together (the default is one at a time: the second would never switch)
    'max-unavailable': '100%',
  });
  expect(result.exitCode).toBe(1);
  expect(result.error).toMatch(/Policy failed: deploy of 3\.0-bad failed on .*health check red/);
  expect(result.error).toMatch(/rolled back .* to 2\.0 .*\(healthy\)/);
  for (const [i, h] of targets.entries()) {
    expect(await served(h, app)).toBe('2.0');
    const dir = app.projectDirs[i] as string;
    expect(currentRelease(dir)).toBe('2.0');
    expect(fs.existsSync(path.join(dir, '.deploy-kit', 'lock'))).toBe(false);
    expect(releaseLog(dir).at(-1)).toMatchObject({ version: '3.0-bad', outcome: 'rolled-back' });
  }
  const results = (JSON.parse(result.outputs.results as string) as { hosts: { status: string }[] }).hosts;
  expect(results.every((r) => r.status === 'rolled-back')).toBe(true);
  expect(result.outputs.version).toBe('2.0');
});

test('a runner cancel once both hosts switched puts both back on 2.0 before the runner kills the job', async () => {
  const result = await deploy(
    app,
    {
      ...baseInputs(app, targets),
      images: `web=${images.bad}`,
      version: '3.1-cancelled',
      'health-timeout': '60s',
      // both hosts switch together (the default is one at a time)
      'max-unavailable': '100%',
    },
    // SIGINT once both hosts have switched; SIGTERM 7.5 s later; SIGKILL 2.5 s after that.
    { signal: 'runner-cancel', signalWhenStdout: /(switched to 3\.1-cancelled[\s\S]*){2}/ },
  );
  expect(result.signal).toBeNull();
  expect(result.exitCode).toBe(1);
  const names = targets.map((h) => `${h.host}:${h.port}`);
  // The runner edge says each failure with its kind's prefix; results.status says 'cancelled'.
  expect(result.error).toMatch(/^Could not run: Cancelled by SIGINT; /);
  expect(JSON.parse(result.outputs.results as string)).toMatchObject({ status: 'cancelled' });
  for (const name of names) expect(result.error).toContain(`${name} was put back on 2.0`);
  expect(result.error).toMatch(
    /not health-checked: a cancelled job has 10 s\); released the deploy lock on /,
  );
  for (const [i, h] of targets.entries()) {
    const dir = app.projectDirs[i] as string;
    expect(currentRelease(dir)).toBe('2.0');
    expect(fs.existsSync(path.join(dir, '.deploy-kit', 'lock'))).toBe(false);
    await waitFor(`${h.host} to serve 2.0 again`, async () => (await served(h, app)) === '2.0', 30_000);
  }
});

test('rollback-to 1.0 redeploys the recorded release', async () => {
  const result = await deploy(app, {
    ...baseInputs(app, targets),
    'rollback-to': '1.0',
    'health-url': `http://{host}:${app.port}/version`,
    'health-expect': '1.0',
  });
  expect(result.error).toBeUndefined();
  for (const [i, h] of targets.entries()) {
    expect(await served(h, app)).toBe('1.0');
    expect(releaseLog(app.projectDirs[i] as string).at(-1)).toMatchObject({
      version: '1.0',
      outcome: 'rollback-to',
    });
  }
  const missing = await deploy(app, { ...baseInputs(app, targets), 'rollback-to': '3.0-bad' });
  expect(missing.exitCode).toBe(1);
  expect(missing.error).toMatch(/release 3\.0-bad is not recorded as deployed/);
});
