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
