import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { waitFor } from '@deploy-kit/harness';
import { docker } from './helpers';

/**
 * Real database servers for the backup presets: one image (db-image/) with Debian's PostgreSQL
 * and MariaDB, run with host networking on ports only these tests use. The ports are below the
 * kernel's ephemeral range (32768+), where an outgoing connection could hold them, and below
 * the 20000-32000 range of helpers.freePort().
 */
export const DB_PORTS = { postgres: 15432, mariadb: 13306, mariadbHost: 13307 } as const;

const IMAGE_DIR = path.join(__dirname, 'db-image');

/**
 * The test image, tagged by a hash of its recipe: built once (apt-get inside, ≈ 45 s), then
 * every run finds the tag and skips the build; a new recipe's build removes the older tags.
 */
export function dbImage(): string {
  const hash = createHash('sha256');
  for (const file of ['Dockerfile', 'entrypoint.sh'])
    hash.update(fs.readFileSync(path.join(IMAGE_DIR, file)));
  const tag = `local/rd-db:${hash.digest('hex').slice(0, 16)}`;
  try {
    docker(['image', 'inspect', tag]);
    return tag;
  } catch {
    docker(['build', '--network', 'host', '-q', '-t', tag, IMAGE_DIR]);
  }
  // Builds of earlier recipes are 700 MB each: drop them (best effort; one may still be in use).
  for (const old of docker(['images', '--format', '{{.Repository}}:{{.Tag}}', 'local/rd-db']).split('\n'))
    if (old !== '' && old !== tag)
      try {
        docker(['rmi', old]);
      } catch {
        // still used by a container: it goes with the next build
      }
  return tag;
}

/** Fails with a clear sentence when another process already listens on a port these tests need. */
export async function expectPortFree(port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = net.createServer();
    server.once('error', (error) =>
      reject(new Error(`port 127.0.0.1:${port}, reserved for the backup tests, is in use: ${error.message}`)),
    );
    server.listen(port, '127.0.0.1', () => server.close(() => resolve()));
  });
}

/** The container of a Compose service, by Compose's labels. */
export function containerOf(project: string, service: string): string {
  const id = docker([
    'ps',
    '-aq',
    '--filter',
    `label=com.docker.compose.project=${project}`,
    '--filter',
    `label=com.docker.compose.service=${service}`,
  ]).trim();
  if (id === '' || id.includes('\n'))
    throw new Error(`expected one ${service} container in ${project}, got '${id}'`);
  return id;
}

export async function waitHealthy(container: string, timeoutMs = 60_000): Promise<void> {
  await waitFor(
    `${container} healthy`,
    () => docker(['inspect', '--format', '{{.State.Health.Status}}', container]).trim() === 'healthy',
    timeoutMs,
  );
}

/** SQL run as the server's superuser over the container's local socket. */
export function sql(
  container: string,
  kind: 'postgres' | 'mariadb',
  statements: string,
  user = 'shop',
): string {
  return kind === 'postgres'
    ? docker(
        ['exec', '-i', container, 'psql', '-v', 'ON_ERROR_STOP=1', '-qAt', '-U', user, '-d', user],
        statements,
      )
    : docker(['exec', '-i', container, 'mariadb', '--batch', '--skip-column-names'], statements);
}

/** Files in a backups dir: finished dumps and leftovers (temporary files, option files). */
export function backupFiles(dir: string): { dumps: string[]; other: string[] } {
  const all = fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
  return {
    dumps: all.filter((f) => f.endsWith('.sql.gz')),
    other: all.filter((f) => !f.endsWith('.sql.gz')),
  };
}
