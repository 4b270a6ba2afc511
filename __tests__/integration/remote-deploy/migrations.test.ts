import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunActionResult } from '@deploy-kit/harness';
import { currentRelease, deploy, hosts, releaseLog, sandbox } from './helpers';
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
} from './migrations-app';

/**
 * Migration-safe rollback against the sandbox's real PostgreSQL, with a fixture Django app
 * (migrations-app.ts), through the committed bundle: the plan before the switch, the reverse
 * before the previous release starts, and each on-irreversible choice.
 */

jest.setTimeout(300_000);

const host = hosts[0]!;
let image: Partial<Record<Release, string>>;
const apps: MigrationsApp[] = [];

beforeAll(() => {
  image = {
    '1.0': migrationsAppImage('1.0'),
    '2.0': migrationsAppImage('2.0'),
    irr: migrationsAppImage('irr'),
  };
}, 600_000);

afterAll(() => {
  for (const app of apps) removeMigrationsApp(app);
});

function inputs(
  app: MigrationsApp,
  release: Release,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    ...migrationsDeployInputs(app, image[release] ?? '', release),
    'env-file': 'app.env',
    'health-timeout': '12s',
    'lock-timeout': '5s',
    ...extra,
  };
}

async function deployed(
  app: MigrationsApp,
  release: Release,
  extra: Record<string, string> = {},
): Promise<RunActionResult> {
  return deploy({ workspace: app.workspace } as never, inputs(app, release, extra));
}

interface Results {
  status: string;
  failure?: string;
  migrations?: {
    before: Record<string, string>;
    after: Record<string, string>;
    plan: { app: string; name: string; irreversible: string[] }[];
    rollback?: string;
  };
}
const results = (r: RunActionResult): Results => JSON.parse(r.outputs.results ?? '{}') as Results;

/** 1.0 deployed and serving, one row inserted through its POST. */
async function onFirstRelease(): Promise<MigrationsApp> {
  const app = makeMigrationsApp(host);
  apps.push(app);
  const first = await deployed(app, '1.0');
  expect(first.exitCode).toBe(0);
  expect(results(first).migrations?.plan.map((m) => m.name)).toContain('0001_initial');
  expect(await insertItem(app, 'before')).toBe(201);
  return app;
}

test('(a) 2.0 adds a NOT NULL column and fails its health gate: the migration is reversed before 1.0 starts, and 1.0 inserts', async () => {
  const app = await onFirstRelease();
  const t0 = Date.now();
  const second = await deployed(app, '2.0');
  const seconds = (Date.now() - t0) / 1000;
  expect(second.exitCode).not.toBe(0);
  const res = results(second);
  expect(res.status).toBe('failed');
  expect(res.migrations?.before.items).toBe('0001_initial');
  expect(res.migrations?.after.items).toBe('0002_item_sku');
  expect(res.migrations?.plan).toEqual([{ app: 'items', name: '0002_item_sku', irreversible: [] }]);
  expect(res.migrations?.rollback).toBe('reversed: items.0002_item_sku');
  expect(second.summary).toContain('### Migrations');
  expect(second.summary).toContain('Migrations reversed before the rollback');
  // The reverse ran before the previous release started.
  const log = second.stdout;
  expect(log.indexOf('migrations reversed with 2.0')).toBeGreaterThan(-1);
  expect(log.indexOf('migrations reversed with 2.0')).toBeLessThan(log.indexOf('rolled back to 1.0'));
  expect(currentRelease(app.projectDir)).toBe('1.0');
  expect(columns(app)).toEqual(['id', 'name']);
  expect(appliedMigrations(app)).toEqual(['0001_initial']);
  expect(await insertItem(app, 'after')).toBe(201);
  expect(names(app)).toEqual(['before', 'after']);
  const records = releaseLog(app.projectDir) as unknown as {
    version: string;
    outcome: string;
    migrations?: Results['migrations'];
  }[];
  expect(records.at(-1)).toMatchObject({
    version: '2.0',
    outcome: 'rolled-back',
    migrations: { rollback: 'reversed: items.0002_item_sku' },
  });
  console.log(`(a) failed deploy + reverse + rollback: ${seconds.toFixed(1)} s`);
});

test('without the reverse (migrate-plan: none) the same rollback leaves 1.0 unable to insert: what (a) protects against', async () => {
  const app = await onFirstRelease();
  const second = await deployed(app, '2.0', { 'migrate-plan': 'none' });
  expect(second.exitCode).not.toBe(0);
  expect(currentRelease(app.projectDir)).toBe('1.0');
  expect(columns(app)).toEqual(['id', 'name', 'sku']);
  expect(await insertItem(app, 'after')).toBe(500);
});

describe('(c) an irreversible data migration (RunPython without a reverse) under each on-irreversible choice', () => {
  test('stop (the default): nothing is rolled back, the failure names the migration, no data changes', async () => {
    const app = await onFirstRelease();
    const r = await deployed(app, 'irr');
    expect(r.exitCode).not.toBe(0);
    const res = results(r);
    expect(res.migrations?.plan[0]?.irreversible.length).toBe(1);
    expect(res.failure).toContain('irreversible migration(s) items.0002_upper_names');
    expect(res.failure).toContain('on-irreversible is stop');
    expect(currentRelease(app.projectDir)).toBe('irr');
    expect(appliedMigrations(app)).toEqual(['0001_initial', '0002_upper_names']);
    expect(names(app)).toEqual(['BEFORE']);
  });

  test('keep-schema: only the code goes back; the data migration stays applied', async () => {
    const app = await onFirstRelease();
    const r = await deployed(app, 'irr', { 'on-irreversible': 'keep-schema' });
    expect(r.exitCode).not.toBe(0);
    expect(results(r).migrations?.rollback).toBe('kept (on-irreversible: keep-schema)');
    expect(r.summary).toContain('only the code is rolled back');
    expect(currentRelease(app.projectDir)).toBe('1.0');
    expect(appliedMigrations(app)).toEqual(['0001_initial', '0002_upper_names']);
    expect(await insertItem(app, 'after')).toBe(201);
    expect(names(app)).toEqual(['BEFORE', 'after']);
  });

  test('restore: the pre-deploy dump is restored; exactly the writes after the backup are lost', async () => {
    const app = await onFirstRelease();
    // A write after the backup: the pre-hook runs after the backup and before the migrations.
    const preHook = `PGPASSWORD='${sandbox.postgres.password}' psql -qX -h ${sandbox.postgres.host} -p ${sandbox.postgres.port} -U ${sandbox.postgres.user} -d ${app.database} -c "INSERT INTO items_item (name) VALUES ('after-backup')"`;
    const r = await deployed(app, 'irr', {
      'on-irreversible': 'restore',
      backup: 'postgres-host',
      'pre-deploy-command': preHook,
    });
    expect(r.exitCode).not.toBe(0);
    const res = results(r);
    expect(res.migrations?.rollback).toMatch(
      /^restored .*-before-irr\.sql\.gz; writes between 20\S+ \(the pre-deploy backup\) and 20\S+ \(the restore\) are lost$/,
    );
    expect(r.summary).toContain('Database restored from');
    expect(currentRelease(app.projectDir)).toBe('1.0');
    expect(appliedMigrations(app)).toEqual(['0001_initial']);
    // 'after-backup' (written after the dump) is gone; 'before' is back in its original case.
    expect(names(app)).toEqual(['before']);
    expect(await insertItem(app, 'after')).toBe(201);
    expect(names(app)).toEqual(['before', 'after']);
  });

  test('restore without backup is refused before anything runs', async () => {
    const app = makeMigrationsApp(host);
    apps.push(app);
    const r = await deployed(app, '1.0', { 'on-irreversible': 'restore' });
    expect(r.exitCode).not.toBe(0);
    expect(results(r).failure).toContain("'on-irreversible: restore' restores the pre-deploy backup");
    expect(fs.existsSync(path.join(app.projectDir, 'releases'))).toBe(false);
  });
});
