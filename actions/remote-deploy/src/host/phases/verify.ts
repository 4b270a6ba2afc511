import { compose } from '../../commands';
import * as retention from '../../commands/retention';
import * as verify from '../../commands/verify';
import {
  MYSQL_OPTION_FILE,
  mysqlOptionFile,
  PGPASS_FILE,
  pgpassFile,
  type MysqlSettings,
} from '../../model/backup';
import { StepFailed } from '../../model/errors';
import type { Host } from '../host';
import type { BackupSettings } from './backup';
import { mediaSuffixes, type MediaSettings } from './media';

/** backup-verify and retention (backup-keep, backup-max-age). */
export interface ProofSettings {
  backupVerify: 'none' | 'restore';
  backupVerifyQuery: string;
  backupVerifyMinRows: number;
  /** 0 = no age limit. */
  backupMaxAgeMinutes: number;
}

/**
 * backup-verify: restore: restore the dump just made into a scratch database on the same server
 * and check it (it restores, it has tables, the user's query counts enough rows). A dump that
 * fails is renamed *.failed-verify (never kept as a backup) and the deploy stops here, before any
 * host changes. `running` is the release whose database service runs (postgres / mysql presets).
 */
export async function verifyBackup(
  host: Host,
  running: string,
  file: string,
  settings: BackupSettings & ProofSettings,
  /** A fresh dump that fails is set aside (*.failed-verify); a named one (restore-backup) is left as it is. */
  setAside = true,
): Promise<void> {
  if (settings.backupVerify !== 'restore') return;
  await host.session.step('backup-verify', async () => {
    const { session, releases } = host;
    const check = { query: settings.backupVerifyQuery, minRows: settings.backupVerifyMinRows };
    const what = `backup-verify of ${file}`;
    let out = '';
    try {
      if (settings.backup === 'postgres-host') {
        const connection = settings.postgres ?? {};
        let passFile = '';
        if (connection.password !== undefined) {
          passFile = `${host.layout.backupsDir}/${PGPASS_FILE}`;
          await (await session.shell()).upload(passFile, pgpassFile(connection.password), 0o600);
        }
        out = (await session.run(what, verify.postgresHost(passFile, file, check, connection), true)).stdout;
      } else if (settings.backup === 'mysql-host') {
        const cnf = `${host.layout.backupsDir}/${MYSQL_OPTION_FILE}`;
        await (await session.shell()).upload(cnf, mysqlOptionFile(settings.mysql as MysqlSettings), 0o600);
        out = (await session.run(what, verify.mysqlHost(cnf, file, check), true)).stdout;
      } else {
        await releases.load(running);
        const r = await session.run(
          what,
          verify.inService({
            preset: settings.backup as 'postgres' | 'mysql',
            releaseDir: releases.dir(running),
            dump: file,
            service: settings.backupService,
            check,
            compose: compose.base(releases.project(running)),
          }),
          true,
        );
        out = r.stdout;
      }
    } catch (error) {
      if (setAside)
        await session
          .run(
            'setting the failed dump aside',
            {
              script: 'mv -f -- "$1" "$1.failed-verify"\n',
              args: [file],
            },
            true,
          )
          .catch(() => undefined);
      throw error instanceof StepFailed
        ? new StepFailed(`the pre-deploy backup did not pass backup-verify: ${error.message}`)
        : error;
    }
    session.log(`backup verified: restored into a scratch database and checked: ${out.trim()}`);
  });
}

/**
 * Retention after each backup: the newest backup-keep dumps and media archives, none older than
 * backup-max-age, but never the dump before `version` (a rollback of this deploy restores it) nor
 * the one before `previous` (a rollback of the release serving now would need it).
 */
export async function pruneBackups(
  host: Host,
  versions: { version: string; previous: string },
  settings: { backupKeep: number; backupMaxAgeMinutes: number } & MediaSettings,
): Promise<void> {
  const both = [...new Set([versions.version, versions.previous].filter(Boolean))];
  const sources = settings.backupVolumes.length + settings.backupPaths.length;
  const kinds = [
    { suffix: '.sql.gz', keep: settings.backupKeep, protect: both.map((v) => `-before-${v}.sql.gz`) },
    // One archive per volume or path per backup: keep that many times backup-keep.
    {
      suffix: '.tar.gz',
      keep: settings.backupKeep * Math.max(1, sources),
      protect: both.flatMap((v) => mediaSuffixes(settings, v)),
    },
  ];
  for (const kind of kinds) {
    const r = await host.session.run(
      'pruning old backups',
      retention.prune({
        backupsDir: host.layout.backupsDir,
        keep: kind.keep,
        maxAgeMinutes: settings.backupMaxAgeMinutes,
        suffix: kind.suffix,
        protect: kind.protect,
      }),
      true,
    );
    if (r.stdout.trim() !== '') host.session.log(r.stdout.trim());
  }
}
