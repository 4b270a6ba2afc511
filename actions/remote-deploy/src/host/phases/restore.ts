import { compose } from '../../commands';
import * as restore from '../../commands/restore';
import { PGPASS_FILE, pgpassFile } from '../../model/backup';
import type { Host } from '../host';
import type { BackupSettings } from './backup';

/**
 * Stop the app's writers on this host (every service of `version`'s project but the database
 * service), so nothing writes between the restore and the previous release starting.
 */
export async function stopWriters(host: Host, version: string, keep: string): Promise<void> {
  await host.session.step('stop-writers', async () => {
    await host.releases.load(version);
    const r = await host.session.run(
      'stopping the writers',
      restore.stopWriters(host.releases.dir(version), keep, compose.base(host.releases.project(version))),
      true,
    );
    host.session.log(r.stdout.trim());
  });
}

/**
 * Restore the pre-deploy dump `file` (PostgreSQL presets): on the host with psql (postgres-host)
 * or inside the running database service of `version` (postgres). One transaction.
 */
export async function restoreBackup(
  host: Host,
  version: string,
  file: string,
  settings: BackupSettings,
): Promise<void> {
  await host.session.step('restore', async () => {
    const { session, releases } = host;
    if (settings.backup === 'postgres-host') {
      const connection = settings.postgres ?? {};
      let passFile = '';
      if (connection.password !== undefined) {
        passFile = `${releases.dir(version)}/${PGPASS_FILE}`;
        await (await session.shell()).upload(passFile, pgpassFile(connection.password), 0o600);
      }
      await session.run(`restoring ${file}`, restore.postgresHost(passFile, file, connection));
    } else if (settings.backup === 'postgres') {
      await releases.load(version);
      await session.run(
        `restoring ${file}`,
        restore.inService(
          releases.dir(version),
          file,
          settings.backupService,
          compose.base(releases.project(version)),
        ),
      );
    } else throw new Error(`restoring a '${settings.backup}' backup is not supported`);
    session.log(`database restored from ${file}`);
  });
}

/** The time a dump was started, from its name (<ISO time with - for : and .>-before-<version>.sql.gz). */
export function backupTime(file: string): string | undefined {
  const m = /(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})-(\d{3})Z-before-/.exec(file);
  return m ? `${m[1]}T${m[2]}:${m[3]}:${m[4]}.${m[5]}Z` : undefined;
}
