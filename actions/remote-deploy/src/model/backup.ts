import { InputError } from '@deploy-kit/shared';
import { readEnvFile } from './env-file';

/** The `backup` input. */
export const BACKUP_PRESETS = ['none', 'postgres', 'postgres-host', 'mysql', 'mysql-host'] as const;
export type BackupPreset = (typeof BACKUP_PRESETS)[number];

/** Presets that dump inside the running database container of the current release. */
export function backupInService(preset: BackupPreset): boolean {
  return preset === 'postgres' || preset === 'mysql';
}

/** What a preset runs, for log lines and error messages. */
export function describeBackup(preset: BackupPreset, service: string): string {
  switch (preset) {
    case 'postgres':
      return `pg_dump in service ${service}`;
    case 'postgres-host':
      return 'pg_dump on the host';
    case 'mysql':
      return `mysqldump in service ${service}`;
    case 'mysql-host':
      return 'mysqldump on the host';
    default:
      return 'no backup';
  }
}

/**
 * Connection of the `mysql-host` preset, from the env file. The names are the ones the
 * MySQL/MariaDB client itself reads (MYSQL_HOST, MYSQL_TCP_PORT, MYSQL_UNIX_PORT, MYSQL_PWD)
 * plus the official images' MYSQL_USER, MYSQL_PASSWORD and MYSQL_DATABASE, so one env file
 * serves both the database container and the host's dump.
 */
export interface MysqlSettings {
  host?: string;
  port?: number;
  socket?: string;
  user?: string;
  password?: string;
  database: string;
}

/** Name of the option file uploaded next to the release's .env for one dump, then removed. */
export const MYSQL_OPTION_FILE = '.deploy-kit-mysqldump.cnf';

/**
 * Settings of the host presets, read from env-file text as Compose reads it (the same values the
 * database container gets from that file): as data, nothing run; empty values count as unset.
 */
function envSettings(text: string, inputName: string) {
  const env = readEnvFile(text, inputName);
  const get = (name: string): string | undefined => {
    const value = env.get(name);
    return value === undefined || value === '' ? undefined : value;
  };
  const port = (name: string): number | undefined => {
    const text = get(name);
    if (text === undefined) return undefined;
    const n = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
    if (!(n >= 1 && n <= 65535))
      throw new InputError(`${name} in '${inputName}' must be a port number (1-65535).`);
    return n;
  };
  return { get, port };
}

/** Read the `mysql-host` connection from env-file text. */
export function mysqlSettingsFromEnv(text: string, inputName = 'env-file'): MysqlSettings {
  const { get, port } = envSettings(text, inputName);
  const database = get('MYSQL_DATABASE');
  if (database === undefined)
    throw new InputError(
      `'backup: mysql-host' needs MYSQL_DATABASE (the database to dump) in '${inputName}'.`,
    );
  // MySQL's own rule for database names: at most 64 characters, no / \ or . (and we refuse control characters).
  if (database.length > 64 || /[/\\.\p{Cc}]/u.test(database))
    throw new InputError(
      `MYSQL_DATABASE in '${inputName}' must be a database name (at most 64 characters, no / \\ . or control characters).`,
    );
  return {
    host: get('MYSQL_HOST'),
    port: port('MYSQL_TCP_PORT'),
    socket: get('MYSQL_UNIX_PORT'),
    user: get('MYSQL_USER'),
    // MYSQL_PWD is the client's own variable; MYSQL_PASSWORD is the official images' name.
    password: get('MYSQL_PWD') ?? get('MYSQL_PASSWORD'),
    database,
  };
}

const OPTION_ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  '"': '\\"',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
};

/**
 * A value in a MySQL option file: double-quoted (so `#` is not a comment and spaces are kept),
 * with the escapes the client's option-file reader undoes (\\ \" \n \r \t \b).
 */
export function optionValue(value: string): string {
  return `"${value.replace(/[\\"\n\r\t\b]/g, (c) => OPTION_ESCAPES[c] as string)}"`;
}

/**
 * The option file mysqldump reads with --defaults-file: the whole connection, the password
 * included, so none of it is on a command line or in an environment.
 */
export function mysqlOptionFile(settings: MysqlSettings): string {
  const lines = ['# written by deploy-kit for one pre-deploy mysqldump; removed when it ends', '[client]'];
  if (settings.host !== undefined) lines.push(`host=${optionValue(settings.host)}`);
  if (settings.port !== undefined) lines.push(`port=${settings.port}`);
  if (settings.socket !== undefined) lines.push(`socket=${optionValue(settings.socket)}`);
  if (settings.user !== undefined) lines.push(`user=${optionValue(settings.user)}`);
  if (settings.password !== undefined) lines.push(`password=${optionValue(settings.password)}`);
  return `${lines.join('\n')}\n`;
}

/**
 * Connection of the `postgres-host` preset: libpq's own variables (PGHOST, PGPORT, PGUSER,
 * PGPASSWORD, PGDATABASE) from the env file; unset ones keep libpq's defaults.
 */
export interface PostgresSettings {
  host?: string;
  port?: number;
  user?: string;
  password?: string;
  database?: string;
}

/** Name of the password file uploaded next to the release's .env for one pg_dump, then removed. */
export const PGPASS_FILE = '.deploy-kit-pgpass';

/** Read the `postgres-host` connection from env-file text. */
export function postgresSettingsFromEnv(text: string, inputName = 'env-file'): PostgresSettings {
  const { get, port } = envSettings(text, inputName);
  const password = get('PGPASSWORD');
  // A pgpass line cannot carry a line break (libpq reads the file line by line).
  if (password !== undefined && /[\r\n]/.test(password))
    throw new InputError(
      `PGPASSWORD in '${inputName}' contains a line break, which pg_dump's password file cannot carry.`,
    );
  return {
    host: get('PGHOST'),
    port: port('PGPORT'),
    user: get('PGUSER'),
    password,
    database: get('PGDATABASE'),
  };
}

/**
 * The password file pg_dump reads through PGPASSFILE: one line matching any host, port,
 * database and user, with `\` and `:` escaped as libpq's reader expects. The password is
 * then never in an argument or an environment on the host.
 */
export function pgpassFile(password: string): string {
  return `*:*:*:*:${password.replace(/[\\:]/g, (c) => `\\${c}`)}\n`;
}
