import * as fs from 'node:fs';
import * as path from 'node:path';
import { runAction, type RunActionResult } from '@deploy-kit/harness';
import { currentRelease, hosts } from '../remote-deploy/helpers';
import {
  appliedMigrations,
  columns,
  insertItem,
  makeMigrationsApp,
  migrationsAppImage,
  migrationsDeployInputs,
  names,
  removeMigrationsApp,
  type MigrationsApp,
  type Release,
} from '../remote-deploy/migrations-app';

/**
 * (b) The one-step deploy (the root action's committed bundle): 2.0s adds a NOT NULL column,
 * passes its health gate, fails its smoke test; the rollback-to 1.0 migrates back with 2.0s's
 * image before 1.0 starts, and 1.0 then inserts.
 */

jest.setTimeout(300_000);

const host = hosts[0]!;
let app: MigrationsApp;
const image: Partial<Record<Release, string>> = {};

beforeAll(() => {
  image['1.0'] = migrationsAppImage('1.0');
  image['2.0s'] = migrationsAppImage('2.0s');
  app = makeMigrationsApp(host);
  fs.mkdirSync(path.join(app.workspace, 'deploy'));
  fs.copyFileSync(path.join(app.workspace, 'app.env'), path.join(app.workspace, 'deploy', 'env.template'));
}, 600_000);

afterAll(() => {
  if (app) removeMigrationsApp(app);
});

function oneStep(release: Release): Promise<RunActionResult> {
  return runAction({
    action: '.',
    workspace: app.workspace,
    inputs: {
      template: 'deploy/env.template',
      output: '.deploy/.env',
      ...migrationsDeployInputs(app, image[release] ?? '', release),
      'health-timeout': '20s',
      'lock-timeout': '5s',
      url: `http://${host.host}:${app.port}/smoke`,
      'smoke-timeout': '8s',
    },
    timeoutMs: 240_000,
  });
}

test('(b) a red smoke test after 2.0s migrated: rollback-to 1.0 reverses the migration first, and 1.0 inserts', async () => {
  const first = await oneStep('1.0');
  expect(first.exitCode).toBe(0);
  expect(await insertItem(app, 'before')).toBe(201);
  const t0 = Date.now();
  const run = await oneStep('2.0s');
  const seconds = (Date.now() - t0) / 1000;
  expect(run.exitCode).not.toBe(0);
  expect(run.outputs['rolled-back']).toBe('true');
  expect(run.outputs['rollback-reason']).toBe('smoke-test');
  expect(run.stdout).toContain('migrations reversed with 2.0s');
  expect(run.stdout.indexOf('migrations reversed with 2.0s')).toBeLessThan(
    run.stdout.lastIndexOf('switched to 1.0'),
  );
  expect(currentRelease(app.projectDir)).toBe('1.0');
  expect(columns(app)).toEqual(['id', 'name']);
  expect(appliedMigrations(app)).toEqual(['0001_initial']);
  expect(await insertItem(app, 'after')).toBe(201);
  expect(names(app)).toEqual(['before', 'after']);
  console.log(`(b) one-step deploy, red smoke test, reverse + rollback-to: ${seconds.toFixed(1)} s`);
});
