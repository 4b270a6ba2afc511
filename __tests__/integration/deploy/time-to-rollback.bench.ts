import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runAction } from '@deploy-kit/harness';
import {
  cleanup,
  hosts,
  hostsYaml,
  knownHosts,
  makeApp,
  sandbox,
  served,
  type App,
} from '../remote-deploy/helpers';
import {
  buildReleaseImage,
  PAGE_PATH,
  startBalancer,
  TEMPLATE,
  versionSuiteInputs,
  type Balancer,
} from './helpers';

// The one-step half of bench/time-to-rollback.mjs, which runs this file with jest --testMatch and
// DEPLOY_KIT_BENCH_OUT naming the file to write (a .bench.ts, so the test suite never runs it): the root bundle deploys a release whose journey page answers 500 forever, with
// workflows-examples/deploy.yml's smoke-timeout (2m), once with warm-up = smoke-timeout (every 5xx
// retried until the timeout, as before warm-up existed) and once with the default warm-up, and
// records smoke-test start -> rollback start from the step's results. The everyday assertion
// (<= 15 s with the defaults) is in one-step.test.ts.

const OUT = process.env.DEPLOY_KIT_BENCH_OUT ?? path.join(os.tmpdir(), 'dk-time-to-rollback.json');
const RUNS = Number(process.env.DEPLOY_KIT_BENCH_RUNS ?? 1);

const targets = hosts.slice(0, 3);
let app: App;
let lb: Balancer;
const images: Record<string, string> = {};

beforeAll(async () => {
  app = makeApp(targets);
  fs.mkdirSync(path.join(app.workspace, 'deploy'));
  fs.writeFileSync(path.join(app.workspace, 'deploy', 'env.template'), TEMPLATE);
  images.good = buildReleaseImage('ttr-good', 'good', { page: 'ok' });
  images.bad = buildReleaseImage('ttr-bad', 'bad', { page: 'broken' });
  lb = await startBalancer(targets.map((h) => `${h.host}:${app.port}`));
}, 120_000);

afterAll(() => {
  lb?.stop();
  if (app) cleanup(app, targets);
});

function oneStep(version: 'good' | 'bad', extra: Record<string, string> = {}) {
  return runAction({
    action: '.',
    workspace: app.workspace,
    inputs: {
      template: 'deploy/env.template',
      vars: JSON.stringify({ port: app.port, data_dir: app.dataDir }),
      secrets: JSON.stringify({ APP_SECRET: `s-${app.id}-${'x'.repeat(24)}` }),
      output: '.deploy/.env',
      hosts: hostsYaml(app, targets),
      user: sandbox.ssh.user,
      'private-key': fs.readFileSync(sandbox.ssh.clientKey, 'utf8'),
      'known-hosts': knownHosts(targets),
      'project-dir': '/unused-overridden-per-host',
      'compose-files': 'docker-compose.yml',
      images: `web=${images[version] ?? ''}`,
      version,
      'health-timeout': '30s',
      // busybox httpd cannot listen beside itself (no SO_REUSEPORT): the plain up -d.
      strategy: 'recreate',
      ...versionSuiteInputs(lb.url),
      checks: JSON.stringify([{ name: 'journey page', url: PAGE_PATH, expect: { status: 200 } }]),
      'smoke-timeout': '2m',
      ...extra,
    },
    timeoutMs: 300_000,
  });
}

test('time to rollback of a release that keeps answering 500, before and after warm-up', async () => {
  const first = await oneStep('good');
  expect(first.error).toBeUndefined();
  const rows: { mode: string; warmUp: string; toRollbackMs: number; totalMs: number }[] = [];
  for (let r = 0; r < RUNS; r++)
    for (const [mode, warmUp] of [
      ['before', '2m'],
      ['after', ''],
    ] as const) {
      const run = await oneStep('bad', warmUp ? { 'warm-up': warmUp } : {});
      expect(run.outputs['rolled-back']).toBe('true');
      const stages = (
        JSON.parse(run.outputs.results ?? '{}') as { stages: Record<string, { startMs: number }> }
      ).stages;
      const toRollbackMs = (stages.rollback?.startMs ?? NaN) - (stages['smoke-test']?.startMs ?? NaN);
      rows.push({ mode, warmUp: warmUp || '5s (default)', toRollbackMs, totalMs: run.durationMs });
      for (const h of targets) expect(await served(h, app)).toBe('good');
    }
  fs.writeFileSync(OUT, JSON.stringify(rows, null, 2) + '\n');
}, 1_200_000);
