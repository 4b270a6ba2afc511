import { InputError, parseDuration, type InputReader } from '@deploy-kit/shared';

import type { BackupPreset } from './backup';
import { MIGRATE_PLAN_PRESETS, ON_IRREVERSIBLE, resolvePlanPreset, type OnIrreversible } from './migrations';

/** The database inputs: migrate-plan, on-irreversible, backup-max-age, backup-only, restore-backup. */

/** Presets whose dumps `on-irreversible: restore` can restore. */
const RESTORABLE: readonly BackupPreset[] = ['postgres', 'postgres-host'];

/** `migrate-plan` and `on-irreversible`, checked against migrate-command and backup. */
export function readMigrationInputs(
  read: InputReader,
  migrateCommand: readonly string[],
  backup: BackupPreset,
): { migratePlan?: { manage: string[] }; onIrreversible: OnIrreversible } {
  const preset = read.enum('migrate-plan', MIGRATE_PLAN_PRESETS, 'auto');
  const onIrreversible = read.enum('on-irreversible', ON_IRREVERSIBLE, 'stop');
  if (onIrreversible === 'restore' && !RESTORABLE.includes(backup))
    throw new InputError(
      backup === 'none'
        ? `'on-irreversible: restore' restores the pre-deploy backup: set 'backup' (postgres or postgres-host).`
        : `'on-irreversible: restore' can restore PostgreSQL dumps only (backup: postgres or postgres-host), not '${backup}'.`,
    );
  return { migratePlan: resolvePlanPreset(preset, migrateCommand), onIrreversible };
}

/** `backup-max-age`: days (30d) or a duration (12h, 90m); '' or 0 = no age limit. In minutes. */
export function parseMaxAge(value: string): number {
  const v = value.trim();
  if (v === '' || v === '0') return 0;
  const days = /^(\d+)d$/.exec(v);
  const minutes = days ? Number(days[1]) * 1440 : Math.ceil(parseDuration('backup-max-age', v) / 60_000);
  if (!(minutes > 0)) throw new InputError(`'backup-max-age' must be like 30d, 12h or 90m, got '${v}'.`);
  return minutes;
}

/**
 * `backup-only` and `restore-backup`: database work without a deploy. `label` stands in for the
 * version (lock owner, log lines) and is '' for a deploy.
 */
export function readMaintenance(
  read: InputReader,
  backup: BackupPreset,
  rollbackTo: string,
): { backupOnly: boolean; restoreBackup?: string; label: string } {
  const backupOnly = read.boolean('backup-only');
  const restoreBackup = read.string('restore-backup');
  if (!backupOnly && restoreBackup === '') return { backupOnly, label: '' };
  const name = restoreBackup ? 'restore-backup' : 'backup-only';
  if (backupOnly && restoreBackup)
    throw new InputError(`'backup-only' and 'restore-backup' are two runs; give one.`);
  if (rollbackTo) throw new InputError(`'${name}' deploys nothing: it cannot go with 'rollback-to'.`);
  if (backup === 'none')
    throw new InputError(`'${name}' needs 'backup' (the preset that says how to reach the database).`);
  if (restoreBackup) {
    if (!RESTORABLE.includes(backup))
      throw new InputError(
        `'restore-backup' can restore PostgreSQL dumps only (backup: postgres or postgres-host), not '${backup}'.`,
      );
    if (!/^[A-Za-z0-9][A-Za-z0-9._+-]*\.sql\.gz$/.test(restoreBackup))
      throw new InputError(
        `'restore-backup' must be the file name of a dump in <project-dir>/backups (*.sql.gz), got '${restoreBackup}'.`,
      );
  }
  return { backupOnly, restoreBackup: restoreBackup || undefined, label: name };
}

/** An absolute host path without .. or shell-looking surprises (it reaches tar as an argument). */
export function checkAbsolutePath(name: string, value: string): string {
  if (!/^\/[A-Za-z0-9._/@+-]*$/.test(value) || /(^|\/)\.\.(\/|$)/.test(value))
    throw new InputError(
      `'${name}' entries must be absolute paths on the host without '..', got '${value}'.`,
    );
  return value;
}
