import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RunActionResult } from '@deploy-kit/harness';
import * as verify from '../../../actions/remote-deploy/src/commands/verify';
import { currentRelease, deploy, hosts, releaseLog, sandbox } from './helpers';
import {
  insertItem,
  makeMigrationsApp,
  migrationsAppImage,
  migrationsDeployInputs,
  psql,
  removeMigrationsApp,
  type MigrationsApp,
} from './migrations-app';

/**
 * Proven backups on the sandbox's real PostgreSQL (backup: postgres-host), through the committed
 * bundle: (d) backup-verify: restore stops a deploy whose dump is of the wrong database before any
 * host changes, and its script refuses a truncated gzip; (f) retention by count and age never
 * deletes the dumps a rollback needs.
 */

jest.setTimeout(300_000);

const host = hosts[0]!;
let image: string;
let app: MigrationsApp;
const backups = (): string[] =>
  fs.existsSync(path.join(app.projectDir, 'backups'))
    ? fs.readdirSync(path.join(app.projectDir, 'backups')).sort()
    : [];

beforeAll(() => {
  image = migrationsAppImage('1.0');
  app = makeMigrationsApp(host);
}, 600_000);

afterAll(() => {
  if (app) removeMigrationsApp(app, [`${app.database}_other`]);
});

function run(version: string, extra: Record<string, string> = {}): Promise<RunActionResult> {
  return deploy({ workspace: app.workspace } as never, {
    ...migrationsDeployInputs(app, image, version),
    'env-file': 'app.env',
    'health-timeout': '20s',
    'lock-timeout': '5s',
    backup: 'postgres-host',
    'backup-verify': 'restore',
    'backup-verify-query': 'SELECT COUNT(*) FROM items_item',
    ...extra,
  });
}

const results = (r: RunActionResult) =>
  JSON.parse(r.outputs.results ?? '{}') as { status: string; failure?: string };

test('(d) a verified dump, then a dump of the wrong database stops the deploy before any host changes', async () => {
  expect((await run('v1', { backup: 'none' })).exitCode).toBe(0);
  expect(await insertItem(app, 'a')).toBe(201);
  const ok = await run('v2');
  expect(ok.exitCode).toBe(0);
  expect(ok.stdout).toContain('backup verified: restored into a scratch database and checked');
  expect(ok.stdout).toMatch(/verified=\S+-before-v2\.sql\.gz tables=\d+ rows=1/);

  // The backup's connection names another (empty) database than the one the app uses.
  psql(sandbox.postgres.database, `CREATE DATABASE ${app.database}_other;`);
  const env = path.join(app.workspace, 'app.env');
  const original = fs.readFileSync(env, 'utf8');
  fs.writeFileSync(
    env,
    original.replace(
      `PGDATABASE=${app.database}`,
      `PGDATABASE=${app.database}_other\nAPP_DB=${app.database}`,
    ),
  );
  const before = fs.readlinkSync(path.join(app.projectDir, 'current'));
  const bad = await run('v3');
  fs.writeFileSync(env, original);
  expect(bad.exitCode).not.toBe(0);
  expect(results(bad).failure).toMatch(
    /the pre-deploy backup did not pass backup-verify: .*the restored dump has no tables \(a dump of the wrong database\?\)/,
  );
  expect(fs.readlinkSync(path.join(app.projectDir, 'current'))).toBe(before);
  expect(bad.stdout).not.toContain('migrate-command');
  expect(backups().filter((f) => f.endsWith('-before-v3.sql.gz.failed-verify'))).toHaveLength(1);
  expect(backups().filter((f) => f.endsWith('-before-v3.sql.gz'))).toHaveLength(0);
  expect(releaseLog(app.projectDir).at(-1)).toMatchObject({ version: 'v3', outcome: 'failed' });
  expect(await insertItem(app, 'b')).toBe(201);
});

test('(d) the verify script refuses a truncated gzip and a dump that does not restore, on the real server', () => {
  const dump = backups().find((f) => f.endsWith('-before-v2.sql.gz')) as string;
  const full = fs.readFileSync(path.join(app.projectDir, 'backups', dump));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rd-verify-'));
  const pg = sandbox.postgres;
  const check = (file: string) => {
    const script = verify.postgresHost(
      '',
      file,
      { query: 'SELECT COUNT(*) FROM items_item', minRows: 1 },
      {
        host: pg.host,
        port: pg.port,
        user: pg.user,
        database: app.database,
      },
    );
    return spawnSync('bash', ['-euo', 'pipefail', '-s', '--', ...script.args], {
      input: script.script,
      encoding: 'utf8',
      env: { ...process.env, PGPASSWORD: pg.password },
    });
  };
  fs.writeFileSync(path.join(dir, 'ok.sql.gz'), full);
  expect(check(path.join(dir, 'ok.sql.gz')).stdout).toMatch(/^verified=.*tables=\d+ rows=1$/m);
  fs.writeFileSync(path.join(dir, 'cut.sql.gz'), full.subarray(0, Math.floor(full.length / 2)));
  const cut = check(path.join(dir, 'cut.sql.gz'));
  expect(cut.status).not.toBe(0);
  expect(cut.stderr).toContain('is not valid gzip (truncated or corrupted)');
  // Valid gzip of SQL that breaks off mid-statement: it does not restore.
  const sql = spawnSync('gzip', ['-dc'], { input: full }).stdout.toString('utf8');
  const broken = spawnSync('gzip', ['-c'], {
    input: sql.slice(0, sql.indexOf('COPY public.items_item') + 40),
  }).stdout;
  fs.writeFileSync(path.join(dir, 'broken.sql.gz'), broken);
  const r = check(path.join(dir, 'broken.sql.gz'));
  expect(r.status).not.toBe(0);
  expect(r.stderr).toContain('the dump does not restore into a scratch database');
  // No scratch database is left behind.
  expect(psql(pg.database, "SELECT count(*) FROM pg_database WHERE datname LIKE 'dk_verify_%';")).toBe('0');
  fs.rmSync(dir, { recursive: true, force: true });
});

test('(f) retention: backup-keep 1 and backup-max-age keep the dumps a rollback needs, prune the rest', async () => {
  const dir = path.join(app.projectDir, 'backups');
  // An old dump of a release long gone: older than backup-max-age.
  const old = path.join(dir, '2020-01-01T00-00-00-000Z-before-v0.sql.gz');
  fs.copyFileSync(path.join(dir, backups().find((f) => f.endsWith('-before-v2.sql.gz')) as string), old);
  fs.utimesSync(old, new Date('2020-01-01'), new Date('2020-01-01'));
  const v4 = await run('v4', { 'backup-keep': '5', 'backup-max-age': '30d' });
  expect(v4.exitCode).toBe(0);
  expect(v4.stdout).toMatch(/pruned=\S+-before-v0\.sql\.gz \(older than backup-max-age\)/);
  const dumps = () =>
    backups()
      .filter((f) => f.endsWith('.sql.gz'))
      .map((f) => f.replace(/^.*-before-/, ''));
  expect(dumps()).toEqual(['v2.sql.gz', 'v4.sql.gz']);
  // backup-keep 1: the dump before v5 (this deploy's rollback restores it) and the one before v4
  // (serving until now) both stay; the one before v2 goes.
  const v5 = await run('v5', { 'backup-keep': '1' });
  expect(v5.exitCode).toBe(0);
  expect(v5.stdout).toMatch(/pruned=\S+-before-v2\.sql\.gz \(beyond backup-keep 1\)/);
  expect(dumps()).toEqual(['v4.sql.gz', 'v5.sql.gz']);
  expect(currentRelease(app.projectDir)).toBe('v5');
});
