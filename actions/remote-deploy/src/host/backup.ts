import type { ExecResult } from '@deploy-kit/shared/ssh';
import {
  backupInService,
  describeBackup,
  MYSQL_OPTION_FILE,
  mysqlOptionFile,
  PGPASS_FILE,
  pgpassFile,
  type MysqlSettings,
} from '../model/backup';
import { backup as backupCmd, compose } from '../commands';
import type { HostCore } from './core';
import { releaseDir } from '../model/layout';

/**
 * The pre-deploy backup on this host: in the current release's database service (postgres,
 * mysql), or on the host itself (postgres-host, mysql-host). Any failure throws before the
 * deploy changes anything.
 */
export async function backupHost(host: HostCore): Promise<void> {
  const { inputs, layout } = host;
  const preset = inputs.backup;
  if (preset === 'none') return;
  const target = {
    backupsDir: layout.backupsDir,
    stamp: `${new Date().toISOString().replace(/[:.]/g, '-')}-before-${inputs.version}`,
    keep: inputs.backupKeep,
  };
  const what = `pre-deploy backup '${preset}' (${describeBackup(preset, inputs.backupService)})`;
  if (backupInService(preset) && !host.previous) {
    host.log('no current release: nothing to back up');
    return;
  }
  const newRelease = releaseDir(layout, inputs.version);
  await host.step('backup', async () => {
    let r: ExecResult;
    if (preset === 'postgres-host') {
      const settings = inputs.postgres ?? {};
      // The password travels as a 0600 password file over SFTP; the script removes it.
      let passFile = '';
      if (settings.password !== undefined) {
        passFile = `${newRelease}/${PGPASS_FILE}`;
        await (await host.shell()).upload(passFile, pgpassFile(settings.password), 0o600);
      }
      r = await host.run(what, backupCmd.postgresHost(passFile, target, settings));
    } else if (preset === 'mysql-host') {
      const settings = inputs.mysql as MysqlSettings;
      // The connection (password included) travels as a 0600 option file over SFTP; the script removes it.
      const cnf = `${newRelease}/${MYSQL_OPTION_FILE}`;
      await (await host.shell()).upload(cnf, mysqlOptionFile(settings), 0o600);
      r = await host.run(what, backupCmd.mysqlHost(cnf, target, settings.database));
    } else {
      const previous = host.previous;
      await host.loadReleaseFiles(previous);
      r = await host.run(
        what,
        backupCmd.inService({
          preset: preset as 'postgres' | 'mysql',
          releaseDir: releaseDir(layout, previous),
          host: host.spec.host,
          version: previous,
          target,
          service: inputs.backupService,
          project: host.spec.projectName,
          compose: compose.base(host.project(previous)),
        }),
      );
    }
    host.recordBackup(/backup=(\S+)/.exec(r.stdout)?.[1]);
  });
}
