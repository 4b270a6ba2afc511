import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runAction, type RunActionResult } from '@deploy-kit/harness';
import { parse as parseYaml } from 'yaml';
import { deploy, docker, hosts, knownHosts, releaseLog, sandbox } from './helpers';
import {
  insertItem,
  makeMigrationsApp,
  migrationsAppImage,
  names,
  psql,
  type MigrationsApp,
} from './migrations-app';

/**
 * (g) workflows-examples/backup.yml's job, run step by step on this machine: its `run:` steps by
 * bash with the step's env, its remote-deploy step through the committed bundle (harness
 * runAction) with the step's `with:` — only the values that name the target machine (hosts,
 * user, project-dir) are replaced by the sandbox's. Scheduled: a verified backup of the serving
 * release; dispatched with a dump: the restore.
 */

jest.setTimeout(300_000);

const REPO = path.resolve(__dirname, '../../..');
const host = hosts[0]!;
let app: MigrationsApp;

interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  env?: Record<string, string>;
  with?: Record<string, string | number | boolean>;
}
interface Job {
  env: Record<string, string>;
  steps: Step[];
}

beforeAll(async () => {
  app = makeMigrationsApp(host);
  const first = await deploy({ workspace: app.workspace } as never, {
    hosts: target(),
    user: sandbox.ssh.user,
    'private-key': fs.readFileSync(sandbox.ssh.clientKey, 'utf8'),
    'known-hosts': knownHosts([host]),
    'project-dir': '/unused',
    'compose-files': 'docker-compose.yml',
    'env-file': 'app.env',
    images: `web=${migrationsAppImage('1.0')}`,
    version: '1.0',
    'migrate-command': 'python3 manage.py migrate --noinput',
    healthcheck: 'none',
    'health-url': `http://{host}:${app.port}/healthz`,
  });
  expect(first.exitCode).toBe(0);
}, 600_000);

afterAll(() => {
  if (!app) return;
  const ids = docker(['ps', '-aq', '--filter', `label=com.docker.compose.project=${app.project}`]).trim();
  if (ids) docker(['rm', '-f', ...ids.split('\n')]);
  fs.rmSync(app.workspace, { recursive: true, force: true });
  fs.rmSync(app.projectDir, { recursive: true, force: true });
  try {
    psql(sandbox.postgres.database, `DROP DATABASE IF EXISTS ${app.database};`);
  } catch {
    // still in use
  }
});

function target(): string {
  return `- host: ${host.host}\n  port: ${host.port}\n  project-dir: ${app.projectDir}\n  project-name: ${app.project}`;
}

/** The few expressions backup.yml uses: secrets.X, env.X, inputs.X, steps.ID.outputs.X, and `X == ''`. */
function evaluate(text: string, ctx: Record<string, Record<string, unknown>>): string {
  return text.replace(/\$\{\{\s*(.+?)\s*\}\}/g, (_, expr: string) => {
    const value = (ref: string): string => {
      const parts = ref.split('.');
      let v: unknown = ctx;
      for (const p of parts) v = (v as Record<string, unknown> | undefined)?.[p];
      return v === undefined || v === null ? '' : String(v);
    };
    const eq = /^(\S+) == ''$/.exec(expr);
    if (eq) return String(value(eq[1] as string) === '');
    if (!/^[a-z]+(\.[A-Za-z0-9_-]+)+$/.test(expr)) throw new Error(`unsupported expression ${expr}`);
    return value(expr);
  });
}

async function runJob(inputs: Record<string, string>): Promise<{ deploy: RunActionResult; said: string }> {
  const workflow = parseYaml(
    fs.readFileSync(path.join(REPO, 'workflows-examples', 'backup.yml'), 'utf8'),
  ) as {
    jobs: { backup: Job };
  };
  const job = workflow.jobs.backup;
  const pg = sandbox.postgres;
  const ctx: Record<string, Record<string, unknown>> = {
    secrets: {
      SSH_PRIVATE_KEY: fs.readFileSync(sandbox.ssh.clientKey, 'utf8'),
      SSH_KNOWN_HOSTS: knownHosts([host]),
      PGHOST: pg.host,
      PGPORT: String(pg.port),
      PGUSER: pg.user,
      PGPASSWORD: pg.password,
      PGDATABASE: app.database,
    },
    env: { ...job.env },
    inputs,
    steps: {},
  };
  let result: RunActionResult | undefined;
  let said = '';
  for (const step of job.steps) {
    const env = Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, evaluate(v, ctx)]));
    if (step.run) {
      const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run], {
        cwd: app.workspace,
        env: { PATH: process.env.PATH, ...env },
        encoding: 'utf8',
      });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      said = r.stdout;
    } else if (step.uses?.startsWith('org/deploy-kit/remote-deploy@')) {
      const withInputs = Object.fromEntries(
        Object.entries(step.with ?? {}).map(([k, v]) => [k, evaluate(String(v), ctx)]),
      );
      // The target machine: the sandbox's host, user and project (the rest as written).
      Object.assign(withInputs, { hosts: target(), user: sandbox.ssh.user, 'project-dir': '/unused' });
      result = await runAction({
        action: 'remote-deploy',
        workspace: app.workspace,
        inputs: withInputs,
        timeoutMs: 180_000,
      });
      (ctx.steps as Record<string, unknown>)[step.id as string] = { outputs: result.outputs };
    }
  }
  return { deploy: result as RunActionResult, said };
}

async function insertWhenUp(name: string): Promise<number> {
  for (let i = 0; ; i++)
    try {
      return await insertItem(app, name);
    } catch (error) {
      if (i >= 50) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
}

test('(g) backup.yml: the nightly run backs up and proves the dump; a dispatch with its name restores it', async () => {
  expect(await insertItem(app, 'kept')).toBe(201);
  const nightly = await runJob({});
  expect(nightly.deploy.exitCode).toBe(0);
  expect(nightly.deploy.stdout).toMatch(/verified=\S+-scheduled-1\.0\.sql\.gz tables=\d+ rows=[1-9]/);
  const dump = path.basename(
    (JSON.parse(nightly.deploy.outputs.results ?? '{}') as { hosts: { backup: string }[] }).hosts[0]!.backup,
  );
  expect(dump).toMatch(/-scheduled-1\.0\.sql\.gz$/);
  expect(nightly.said).toContain('passed');
  expect(fs.readlinkSync(path.join(app.projectDir, 'current'))).toBe('releases/1.0');
  expect(releaseLog(app.projectDir).at(-1)).toMatchObject({ version: '1.0', outcome: 'backup' });

  // (d) A truncated dump is refused by backup-verify before anything changes: writers keep running.
  const full = fs.readFileSync(path.join(app.projectDir, 'backups', dump));
  const cut = dump.replace(/\.sql\.gz$/, '-cut.sql.gz');
  fs.writeFileSync(path.join(app.projectDir, 'backups', cut), full.subarray(0, Math.floor(full.length / 2)));
  const refused = await runJob({ 'restore-backup': cut });
  expect(refused.deploy.exitCode).not.toBe(0);
  expect(refused.deploy.error).toContain('is not valid gzip (truncated or corrupted)');
  expect(refused.deploy.stdout).not.toContain('stopped: web');
  expect(await insertItem(app, 'lost')).toBe(201);
  expect(names(app)).toEqual(['kept', 'lost']);

  const restore = await runJob({ 'restore-backup': dump });
  expect(restore.deploy.exitCode).toBe(0);
  expect(restore.deploy.summary).toContain(`Database restored from ${dump}`);
  expect(restore.deploy.stdout).toContain('stopped: web');
  expect(names(app)).toEqual(['kept']);
  // backup.yml has no health-url: the restarted gunicorn may still be binding its port.
  expect(await insertWhenUp('after')).toBe(201);
  expect(releaseLog(app.projectDir).at(-1)).toMatchObject({ version: '1.0', outcome: 'restored' });
});
