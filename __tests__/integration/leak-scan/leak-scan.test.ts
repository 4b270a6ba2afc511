/**
 * The leak scan of issue 14 A7, through the committed bundles on real servers: >= 40 secret
 * shapes, batched into one run per action and path (CI has a time budget), on the success and
 * the failure path, looked for in every form (raw, per line, base64, URL-encoded, JSON-escaped)
 * in the log as the runner masks it (registered strings only, line by line), GITHUB_OUTPUT,
 * the job summary, annotations, and the files left behind. Zero hits.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { filesUnder, runAction, scanForLeaks, type RunActionResult } from '@deploy-kit/harness';
import { notTheEnvFile, places } from './helpers';
import {
  baseInputs,
  buildAppImages,
  cleanup,
  deploy,
  hosts,
  makeApp,
  type App,
  type Host,
} from '../remote-deploy/helpers';
import { secretShapes } from './shapes';

jest.setTimeout(600_000);

const shapes = secretShapes();
const secretsJson = JSON.stringify(Object.fromEntries(shapes.map((s, i) => [`s${i}`, s])));
const target = hosts[2] as Host;
let app: App;
let images: ReturnType<typeof buildAppImages>;

function writeTemplate(extra: string[] = []): void {
  fs.writeFileSync(
    path.join(app.workspace, 'env.template'),
    [
      'APP_PORT={{vars.port}}',
      'DATA_DIR={{vars.data}}',
      'APP_SECRET={{secrets.s0}}',
      ...shapes.map((_, i) => `S${i}_SECRET={{secrets.s${i}}}`),
      ...extra,
      '',
    ].join('\n'),
  );
}

function renderEnv(extra: Record<string, string> = {}): Promise<RunActionResult> {
  return runAction({
    action: 'render-env',
    workspace: app.workspace,
    inputs: {
      template: 'env.template',
      secrets: secretsJson,
      vars: JSON.stringify({ port: String(app.port), data: app.dataDir }),
      output: '.env',
      ...extra,
    },
  });
}

beforeAll(() => {
  expect(shapes.length).toBeGreaterThanOrEqual(40);
  images = buildAppImages();
  app = makeApp([target]);
});
afterAll(() => cleanup(app, [target]));

test('render-env, success, failure and a policy failure (returned with every output): zero hits', async () => {
  writeTemplate(['MISSING={{secrets.not_given}}']);
  const failed = await renderEnv();
  expect(failed.exitCode).toBe(1);
  writeTemplate();
  const policy = await renderEnv({ profile: 'django-production', 'dry-run': 'true' });
  expect(policy.exitCode).toBe(1);
  expect(JSON.parse(policy.outputs.results as string)).toMatchObject({ status: 'failed' });
  const ok = await renderEnv();
  expect(ok.error).toBeUndefined();
  const hits = [
    ...scanForLeaks(places(failed, filesUnder(app.workspace, notTheEnvFile)), shapes),
    ...scanForLeaks(places(policy, filesUnder(app.workspace, notTheEnvFile)), shapes),
    ...scanForLeaks(places(ok, filesUnder(app.workspace, notTheEnvFile)), shapes),
  ];
  expect(hits).toEqual([]);
});

test('remote-deploy, success and failure, with hooks that print the env file and the environment: zero hits', async () => {
  writeTemplate();
  const rendered = await renderEnv();
  expect(rendered.error).toBeUndefined();
  const inputs = {
    ...baseInputs(app, [target]),
    'env-file': '.env',
    'secret-keys': rendered.outputs['secret-keys'] ?? '',
    images: `web=${images.v1}`,
  };
  const ok = await deploy(app, { ...inputs, version: '1.0', 'post-deploy-command': 'cat .env' });
  expect(ok.error).toBeUndefined();
  const failed = await deploy(app, {
    ...inputs,
    version: '2.0',
    'post-deploy-command': 'cat .env; exit 3',
  });
  expect(failed.exitCode).toBe(1);
  // The hooks did print the secrets (the scan finds them in the raw stream): the zero below is
  // the masking's doing, not an empty log.
  expect(scanForLeaks({ raw: ok.stdout }, shapes).length).toBeGreaterThan(shapes.length);
  // Files left on the host: everything but the releases' own .env (0600, the product).
  const hostFiles = filesUnder(app.projectDirs[0] as string, notTheEnvFile);
  const hits = [
    ...scanForLeaks(places(ok, filesUnder(app.workspace, notTheEnvFile)), shapes),
    ...scanForLeaks(places(failed, hostFiles), shapes),
  ];
  expect(hits).toEqual([]);
});
