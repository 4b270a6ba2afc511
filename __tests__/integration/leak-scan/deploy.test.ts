/**
 * The leak scan (issue 14 A7) through the root one-step action's committed bundle: every shape in
 * its `secrets` input, rendered by its `template` into the env file, deployed over SSH (the
 * private key is scanned for too), printed by a post-deploy hook, and smoke-tested through TLS.
 * A success run, then the smoke-red path: a release that passes the health gate but reports the
 * wrong version, rolled back and verified. Zero hits in the log as the runner masks it, the
 * outputs, summary, annotations, RUNNER_TEMP, the workspace and the host's project dir (each
 * release's own .env, mode 0600, is the product and holds them by design).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { filesUnder, runAction, scanForLeaks, type RunActionResult } from '@deploy-kit/harness';
import { buildReleaseImage, startBalancer, versionSuiteInputs, type Balancer } from '../deploy/helpers';
import { baseInputs, cleanup, hosts, makeApp, sandbox, type App, type Host } from '../remote-deploy/helpers';
import { notTheEnvFile, scanRuns } from './helpers';
import { secretShapes } from './shapes';

jest.setTimeout(300_000);

const shapes = secretShapes();
const targets = [hosts[1] as Host];
const privateKey = fs.readFileSync(sandbox.ssh.clientKey, 'utf8');
let app: App;
let lb: Balancer;
const images: Record<string, string> = {};

beforeAll(async () => {
  expect(shapes.length).toBeGreaterThanOrEqual(40);
  app = makeApp(targets);
  fs.writeFileSync(
    path.join(app.workspace, 'env.template'),
    [
      'APP_PORT={{ vars.port }}',
      'DATA_DIR={{ vars.data_dir }}',
      'APP_VERSION={{ vars.version }}',
      ...shapes.map((_, i) => `S${i}_SECRET={{ secrets.s${i} }}`),
      '',
    ].join('\n'),
  );
  images.good = buildReleaseImage('leak-1.0', 'leak-1.0');
  // Built from a stale tree: healthy to Compose, the wrong version to the smoke test.
  images.stale = buildReleaseImage('leak-2.0', 'leak-1.0');
  lb = await startBalancer(targets.map((h) => `${h.host}:${app.port}`));
}, 120_000);

afterAll(() => {
  lb?.stop();
  if (app) cleanup(app, targets);
});

function oneStep(version: string, image: string): Promise<RunActionResult> {
  return runAction({
    action: '.',
    workspace: app.workspace,
    inputs: {
      ...baseInputs(app, targets),
      'env-file': '',
      template: 'env.template',
      vars: JSON.stringify({ port: app.port, data_dir: app.dataDir }),
      secrets: JSON.stringify(Object.fromEntries(shapes.map((s, i) => [`s${i}`, s]))),
      output: '.deploy/.env',
      images: `web=${image}`,
      version,
      'post-deploy-command': 'cat .env',
      ...versionSuiteInputs(lb.url),
    },
    timeoutMs: 240_000,
  });
}

test('one-step deploy, success and smoke-red rollback, secrets in template/secrets inputs: zero hits', async () => {
  const ok = await oneStep('leak-1.0', images.good as string);
  expect(ok.error).toBeUndefined();
  const red = await oneStep('leak-2.0', images.stale as string);
  expect(red.exitCode).toBe(1);
  expect(red.outputs['rolled-back']).toBe('true');
  expect(red.error).toMatch(/every host is back on .*, verified by its smoke test\./);
  // The hook did print the secrets (the raw stream has them): the zero below is the masking's doing.
  expect(scanForLeaks({ raw: ok.stdout }, shapes).length).toBeGreaterThan(shapes.length);
  const keyLines = privateKey.trim().split('\n');
  const secrets = [...shapes, privateKey.trim(), ...keyLines.slice(1, -1)];
  const files = {
    ...filesUnder(app.workspace, notTheEnvFile),
    ...filesUnder(app.projectDirs[0] as string, notTheEnvFile),
  };
  expect(scanRuns({ ok: { result: ok }, red: { result: red, files } }, secrets)).toEqual([]);
});
