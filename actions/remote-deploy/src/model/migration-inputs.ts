import { InputError, type InputReader } from '@deploy-kit/shared';
import type { BackupPreset } from './backup';
import { MIGRATE_PLAN_PRESETS, ON_IRREVERSIBLE, resolvePlanPreset, type OnIrreversible } from './migrations';

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
