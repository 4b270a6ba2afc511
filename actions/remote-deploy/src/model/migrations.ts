import { InputError } from '@deploy-kit/shared';

/**
 * Migration plans and states (framework-neutral data; Django's preset fills them in).
 *
 * A state maps each app to its newest applied migration ('zero' = none). The plan is what
 * `migrate` will apply, in order, with the operations that cannot be reversed.
 */

export type MigrationState = Record<string, string>;

export interface PlannedMigration {
  app: string;
  name: string;
  /** Descriptions of the operations without a reverse (RunPython/RunSQL without one, ...). */
  irreversible: string[];
}

export interface MigrationPlan {
  before: MigrationState;
  after: MigrationState;
  plan: PlannedMigration[];
}

/** What the release log records of a release's migrations. */
export interface MigrationRecord extends MigrationPlan {
  /** What a rollback did about them: 'reversed', 'restored', 'kept', 'stopped', 'not reversed'. */
  rollback?: string;
}

/** The `migrate-plan` input: how the plan is asked for. */
export const MIGRATE_PLAN_PRESETS = ['auto', 'django', 'none'] as const;
export type MigratePlanPreset = (typeof MIGRATE_PLAN_PRESETS)[number];

/** The `on-irreversible` input. */
export const ON_IRREVERSIBLE = ['stop', 'restore', 'keep-schema'] as const;
export type OnIrreversible = (typeof ON_IRREVERSIBLE)[number];

/** The line the plan and reverse scripts print their JSON on. */
export const MARKER = 'DEPLOY_KIT_MIGRATIONS ';

/**
 * Django's manage.py invocation from migrate-command (`python3 manage.py migrate --noinput` →
 * `python3 manage.py`), or undefined when migrate-command is not a Django migrate.
 */
export function djangoManage(migrateCommand: readonly string[]): string[] | undefined {
  const at = migrateCommand.findIndex((w) => w === 'manage.py' || w.endsWith('/manage.py'));
  if (at < 0 || migrateCommand[at + 1] !== 'migrate') return undefined;
  return migrateCommand.slice(0, at + 1);
}

/** Which plan this deploy asks for: 'django' with the manage.py prefix, or none. */
export function resolvePlanPreset(
  preset: MigratePlanPreset,
  migrateCommand: readonly string[],
): { manage: string[] } | undefined {
  if (preset === 'none' || migrateCommand.length === 0) return undefined;
  const manage = djangoManage(migrateCommand);
  if (manage) return { manage };
  if (preset === 'django')
    throw new InputError(
      `'migrate-plan: django' needs a migrate-command of the form '<python> manage.py migrate ...', got '${migrateCommand.join(' ')}'.`,
    );
  return undefined;
}

/** The plan from a script's output (the marker line), or a sentence saying why not. */
export function parsePlan(stdout: string): MigrationPlan {
  const line = stdout
    .split('\n')
    .reverse()
    .find((l) => l.startsWith(MARKER));
  if (!line) throw new Error('the migration plan script printed no plan');
  const data = JSON.parse(line.slice(MARKER.length)) as MigrationPlan;
  if (typeof data.before !== 'object' || typeof data.after !== 'object' || !Array.isArray(data.plan))
    throw new Error('the migration plan script printed an unexpected plan');
  return data;
}

/** The migrations of a plan that cannot be reversed, as app.name. */
export function irreversibleMigrations(plan: MigrationPlan): string[] {
  return plan.plan.filter((m) => m.irreversible.length > 0).map((m) => `${m.app}.${m.name}`);
}

/** The apps whose state a plan changes, as { app: state to go back to }. */
export function reverseTargets(plan: Pick<MigrationPlan, 'before' | 'after'>): MigrationState {
  const out: MigrationState = {};
  for (const [app, after] of Object.entries(plan.after)) {
    const before = plan.before[app] ?? 'zero';
    if (before !== after) out[app] = before;
  }
  return out;
}

/** "items 0001_initial → 0002_item_sku" lines, for the summary and the log. */
export function describeChanges(plan: MigrationPlan): string[] {
  return Object.entries(reverseTargets(plan)).map(
    ([app, before]) => `${app}: ${before} → ${plan.after[app]}`,
  );
}

/** One line per planned migration, irreversible ones marked. */
export function describePlan(plan: MigrationPlan): string[] {
  if (plan.plan.length === 0) return ['no migrations to apply'];
  return plan.plan.map(
    (m) =>
      `${m.app}.${m.name}${m.irreversible.length > 0 ? ` (IRREVERSIBLE: ${m.irreversible.join('; ')})` : ''}`,
  );
}

/**
 * What a rollback of a release that applied `plan` does about the schema:
 *   reverse      every applied migration has a reverse: migrate back to the state before
 *   restore      irreversible + on-irreversible: restore: restore the pre-deploy backup
 *   stop         irreversible + stop: do not roll back at all
 *   keep-schema  irreversible + keep-schema: roll back the code only
 *   nothing      nothing was applied
 */
export type RollbackSchema = 'reverse' | 'restore' | 'stop' | 'keep-schema' | 'nothing';

export function rollbackSchema(
  plan: MigrationPlan | undefined,
  onIrreversible: OnIrreversible,
): RollbackSchema {
  if (!plan || Object.keys(reverseTargets(plan)).length === 0) return 'nothing';
  if (irreversibleMigrations(plan).length === 0) return 'reverse';
  return onIrreversible;
}

/** The summary's Migrations section: what changes, each planned migration, what a rollback did. */
export function migrationLines(record: MigrationRecord): string[] {
  const changes = describeChanges(record);
  return [
    `state: ${changes.length > 0 ? changes.join('; ') : 'unchanged'}`,
    ...(record.plan.length > 0 ? describePlan(record).map((l) => `apply ${l}`) : []),
    ...(record.rollback ? [`rollback: ${record.rollback}`] : []),
  ];
}
