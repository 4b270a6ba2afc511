import type { ExecResult } from '@deploy-kit/shared/ssh';
import { backup as backupCmd, compose } from '../../commands';
import type { DumpTarget } from '../../commands/backup';
import {
  backupInService,
  describeBackup,
  MYSQL_OPTION_FILE,
  mysqlOptionFile,
  PGPASS_FILE,
  pgpassFile,
  type BackupPreset,
  type MysqlSettings,
  type PostgresSettings,
} from '../../model/backup';
import type { Host } from '../host';
import { backupMedia, type MediaSettings } from './media';
import { pruneBackups, verifyBackup, type ProofSettings } from './verify';

/** The `backup` inputs. */
export interface BackupSettings extends ProofSettings, MediaSettings {
  backup: BackupPreset;
  backupService: string;
  backupKeep: number;
  mysql?: MysqlSettings;
  postgres?: PostgresSettings;
}

/**
 * The pre-deploy backup on this host, before `version` is switched to: in the current release's
 * database service (postgres, mysql), or on the host itself (postgres-host, mysql-host). Any
 * failure throws before the deploy changes anything.
 */
export async function backupHost(
  host: Host,
  version: string,
  settings: BackupSettings,
  /** before: a pre-deploy dump; scheduled: backup-only, of the release serving (`version`). */
  kind: 'before' | 'scheduled' = 'before',
): Promise<void> {
  const preset = settings.backup;
  const media = settings.backupVolumes.length + settings.backupPaths.length > 0;
  if (preset === 'none' && !media) return;
  const target: DumpTarget = {
    backupsDir: host.layout.backupsDir,
    stamp: `${new Date().toISOString().replace(/[:.]/g, '-')}-${kind}-${version}`,
    keep: settings.backupKeep,
  };
  const what = `pre-deploy backup '${preset}' (${describeBackup(preset, settings.backupService)})`;
  if ((backupInService(preset) || settings.backupVolumes.length > 0) && !host.state.previous) {
    host.session.log('no current release: nothing to back up');
    return;
  }
  if (preset !== 'none')
    await host.session.step('backup', async () => {
      const r = await dump(host, version, settings, target, what);
      host.state.recordBackup(/backup=(\S+)/.exec(r.stdout)?.[1]);
    });
  // Proven before it counts: restored into a scratch database, then retention (verify.ts).
  const file = host.state.backup;
  if (file) await verifyBackup(host, host.state.previous, file, settings);
  host.state.media = await backupMedia(host, target.stamp, settings);
  await pruneBackups(host, { version, previous: host.state.previous }, settings);
}

async function dump(
  host: Host,
  version: string,
  settings: BackupSettings,
  target: DumpTarget,
  what: string,
): Promise<ExecResult> {
  const { session, releases } = host;
  const newRelease = releases.dir(version);
  if (settings.backup === 'postgres-host') {
    const connection = settings.postgres ?? {};
    // The password travels as a 0600 password file over SFTP; the script removes it.
    let passFile = '';
    if (connection.password !== undefined) {
      passFile = `${newRelease}/${PGPASS_FILE}`;
      await (await session.shell()).upload(passFile, pgpassFile(connection.password), 0o600);
    }
    return session.run(what, backupCmd.postgresHost(passFile, target, connection));
  }
  if (settings.backup === 'mysql-host') {
    const connection = settings.mysql as MysqlSettings;
    // The connection (password included) travels as a 0600 option file over SFTP; the script removes it.
    const cnf = `${newRelease}/${MYSQL_OPTION_FILE}`;
    await (await session.shell()).upload(cnf, mysqlOptionFile(connection), 0o600);
    return session.run(what, backupCmd.mysqlHost(cnf, target, connection.database));
  }
  const previous = host.state.previous;
  await releases.load(previous);
  return session.run(
    what,
    backupCmd.inService({
      preset: settings.backup as 'postgres' | 'mysql',
      releaseDir: releases.dir(previous),
      host: host.spec.host,
      version: previous,
      target,
      service: settings.backupService,
      project: host.spec.projectName,
      compose: compose.base(releases.project(previous)),
    }),
  );
}
