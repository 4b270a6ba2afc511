import { media } from '../../commands';
import type { Host } from '../host';

/** backup-volumes and backup-paths. */
export interface MediaSettings {
  backupVolumes: readonly string[];
  backupPaths: readonly string[];
  /** The service whose running image (it has tar) reads the volumes. */
  migrateService: string;
}

/** What names an archive: the volume, or the directory's path with / as _. */
export function mediaLabel(source: string): string {
  return source.replace(/^\/+|\/+$/g, '').replace(/[^A-Za-z0-9._-]+/g, '_') || 'root';
}

/** The archives' name endings for a release (retention protects them like the dumps). */
export function mediaSuffixes(settings: MediaSettings, version: string): string[] {
  return [...settings.backupVolumes, ...settings.backupPaths].map(
    (s) => `-before-${version}.${mediaLabel(s)}.tar.gz`,
  );
}

/**
 * Archive every media volume and directory before the switch, next to the dump: verified (gzip and
 * a full tar listing) before it counts; any failure stops the deploy before any host changes.
 * Returns the archives.
 */
export async function backupMedia(host: Host, stamp: string, settings: MediaSettings): Promise<string[]> {
  if (settings.backupVolumes.length + settings.backupPaths.length === 0) return [];
  return host.session.step('backup-media', async () => {
    const out: string[] = [];
    const dir = host.layout.backupsDir;
    for (const v of settings.backupVolumes) {
      const file = `${dir}/${stamp}.${mediaLabel(v)}.tar.gz`;
      const r = await host.session.run(
        `archiving volume ${v}`,
        media.volume({
          backupsDir: dir,
          file,
          volume: v,
          project: host.spec.projectName,
          service: settings.migrateService,
        }),
        true,
      );
      host.session.log(r.stdout.trim());
      out.push(file);
    }
    for (const p of settings.backupPaths) {
      const file = `${dir}/${stamp}.${mediaLabel(p)}.tar.gz`;
      const r = await host.session.run(`archiving ${p}`, media.path(dir, file, p), true);
      host.session.log(r.stdout.trim());
      out.push(file);
    }
    return out;
  });
}
