import { migrationsOnCancel } from '../../../actions/remote-deploy/src/fleet/migrations';
import { InputReader } from '@deploy-kit/shared';
import defaults from '../../../actions/remote-deploy/src/action-defaults.json';
import {
  checkAbsolutePath,
  parseMaxAge,
  readMaintenance,
  readMigrationInputs,
} from '../../../actions/remote-deploy/src/model/database-inputs';
import { mediaLabel, mediaSuffixes } from '../../../actions/remote-deploy/src/host/phases/media';
import { djangoReverse, reverseOrder } from '../../../actions/remote-deploy/src/commands/migrations';
import {
  djangoManage,
  irreversibleMigrations,
  migrationLines,
  parsePlan,
  resolvePlanPreset,
  reverseTargets,
  rollbackSchema,
  type MigrationPlan,
} from '../../../actions/remote-deploy/src/model/migrations';
import { backupTime } from '../../../actions/remote-deploy/src/host/phases/restore';

const plan: MigrationPlan = {
  before: { auth: '0012_x', items: '0001_initial', shop: 'zero' },
  after: { auth: '0012_x', items: '0002_sku', shop: '0001_initial' },
  plan: [
    { app: 'items', name: '0002_sku', irreversible: [] },
    { app: 'shop', name: '0001_initial', irreversible: [] },
  ],
};

describe('migration plans', () => {
  test('the Django preset comes from migrate-command', () => {
    expect(djangoManage(['python3', 'manage.py', 'migrate', '--noinput'])).toEqual(['python3', 'manage.py']);
    expect(djangoManage(['python', '/app/manage.py', 'migrate'])).toEqual(['python', '/app/manage.py']);
    expect(djangoManage(['alembic', 'upgrade', 'head'])).toBeUndefined();
    expect(resolvePlanPreset('auto', ['alembic', 'upgrade', 'head'])).toBeUndefined();
    expect(resolvePlanPreset('none', ['python3', 'manage.py', 'migrate'])).toBeUndefined();
    expect(() => resolvePlanPreset('django', ['alembic', 'upgrade', 'head'])).toThrow(/manage.py migrate/);
  });

  test('the plan is read from its marker line, whatever else was printed', () => {
    const out = `warning: noise\nDEPLOY_KIT_MIGRATIONS ${JSON.stringify(plan)}\n`;
    expect(parsePlan(out)).toEqual(plan);
    expect(() => parsePlan('Traceback ...')).toThrow(/printed no plan/);
  });

  test('reverse targets: the apps the plan changes, back to their state before (zero when new)', () => {
    expect(reverseTargets(plan)).toEqual({ items: '0001_initial', shop: 'zero' });
    // The app migrated last goes back first.
    expect(reverseOrder(plan.plan, reverseTargets(plan))).toEqual([
      ['shop', 'zero'],
      ['items', '0001_initial'],
    ]);
  });

  test('the reverse program carries its targets as a JSON string literal', () => {
    const argv = djangoReverse(['python3', 'manage.py'], [["it'ems", '0001_"x"']]);
    expect(argv.slice(0, 4)).toEqual(['python3', 'manage.py', 'shell', '-c']);
    expect(argv[4]).toContain('targets = json.loads("[[\\"it\'ems\\",\\"0001_\\\\\\"x\\\\\\"\\"]]")');
  });

  test('what a rollback does: reverse, nothing, or the on-irreversible choice', () => {
    expect(rollbackSchema(plan, 'stop')).toBe('reverse');
    expect(rollbackSchema({ ...plan, plan: [], after: plan.before }, 'stop')).toBe('nothing');
    expect(rollbackSchema(undefined, 'restore')).toBe('nothing');
    const irr = {
      ...plan,
      plan: [{ app: 'items', name: '0002_sku', irreversible: ['Raw Python operation'] }],
    };
    expect(irreversibleMigrations(irr)).toEqual(['items.0002_sku']);
    for (const choice of ['stop', 'restore', 'keep-schema'] as const)
      expect(rollbackSchema(irr, choice)).toBe(choice);
  });

  test('summary lines', () => {
    expect(migrationLines({ ...plan, rollback: 'reversed: items.0002_sku' })).toEqual([
      'state: items: 0001_initial → 0002_sku; shop: zero → 0001_initial',
      'apply items.0002_sku',
      'apply shop.0001_initial',
      'rollback: reversed: items.0002_sku',
    ]);
  });

  test("a dump's time comes from its name", () => {
    expect(backupTime('/srv/app/backups/2026-12-07T13-05-01-123Z-before-2.0.sql.gz')).toBe(
      '2026-12-07T13:05:01.123Z',
    );
    expect(backupTime('other.sql.gz')).toBeUndefined();
  });
});

describe('database inputs', () => {
  const reader = (raw: Record<string, string>) => new InputReader(raw, defaults);

  test('on-irreversible: restore needs a restorable backup; stop is the default', () => {
    expect(readMigrationInputs(reader({}), ['python3', 'manage.py', 'migrate'], 'none')).toEqual({
      migratePlan: { manage: ['python3', 'manage.py'] },
      onIrreversible: 'stop',
    });
    expect(() => readMigrationInputs(reader({ 'on-irreversible': 'restore' }), [], 'none')).toThrow(
      /restores the pre-deploy backup: set 'backup'/,
    );
    expect(() => readMigrationInputs(reader({ 'on-irreversible': 'restore' }), [], 'mysql')).toThrow(
      /PostgreSQL dumps only/,
    );
  });

  test('backup-only and restore-backup: one at a time, with a backup, never with rollback-to', () => {
    expect(readMaintenance(reader({}), 'none', '')).toEqual({ backupOnly: false, label: '' });
    expect(readMaintenance(reader({ 'backup-only': 'true' }), 'postgres', '').label).toBe('backup-only');
    expect(() => readMaintenance(reader({ 'backup-only': 'true' }), 'none', '')).toThrow(/needs 'backup'/);
    expect(() => readMaintenance(reader({ 'backup-only': 'true' }), 'postgres', '1.0')).toThrow(
      /rollback-to/,
    );
    const ok = readMaintenance(reader({ 'restore-backup': 'x-before-2.0.sql.gz' }), 'postgres-host', '');
    expect(ok).toEqual({ backupOnly: false, restoreBackup: 'x-before-2.0.sql.gz', label: 'restore-backup' });
    for (const bad of ['../etc/passwd.sql.gz', '-rf.sql.gz', 'dump.sql'])
      expect(() => readMaintenance(reader({ 'restore-backup': bad }), 'postgres', '')).toThrow(
        /file name of a dump/,
      );
    expect(() => readMaintenance(reader({ 'restore-backup': 'a.sql.gz' }), 'mysql', '')).toThrow(
      /PostgreSQL/,
    );
  });

  test('backup-max-age in days or a duration; paths absolute without ..', () => {
    expect(parseMaxAge('')).toBe(0);
    expect(parseMaxAge('30d')).toBe(30 * 1440);
    expect(parseMaxAge('90m')).toBe(90);
    expect(() => parseMaxAge('soon')).toThrow(/backup-max-age|duration/);
    expect(checkAbsolutePath('backup-paths', '/srv/app/media')).toBe('/srv/app/media');
    for (const bad of ['media', '/srv/../etc', '/srv/a b', '/srv/$(x)'])
      expect(() => checkAbsolutePath('backup-paths', bad)).toThrow(/absolute paths/);
  });

  test('media archives are named after the volume or the path, and protected per release', () => {
    expect(mediaLabel('media')).toBe('media');
    expect(mediaLabel('/srv/app/media/')).toBe('srv_app_media');
    const settings = { backupVolumes: ['media'], backupPaths: ['/srv/up'], migrateService: 'web' };
    expect(mediaSuffixes(settings, '2.0')).toEqual(['-before-2.0.media.tar.gz', '-before-2.0.srv_up.tar.gz']);
  });
});

test('a cancel after the migrations says they were not reversed and how to put them back', () => {
  const host = (migrated: boolean) =>
    ({
      state: { migrated, previous: '1.0', migrations: { ...plan } },
    }) as unknown as Parameters<typeof migrationsOnCancel>[0][number];
  expect(migrationsOnCancel([host(false)], '2.0')).toBe('');
  expect(migrationsOnCancel([host(true)], '2.0')).toBe(
    ' The migrations of 2.0 (items: 0001_initial → 0002_sku; shop: zero → 0001_initial) were NOT reversed (no time within the cancellation grace): run rollback-to: 1.0, which migrates back.',
  );
});
