import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InputError } from '@deploy-kit/shared';
import {
  backupInService,
  BACKUP_PRESETS,
  describeBackup,
  mysqlOptionFile,
  mysqlSettingsFromEnv,
  optionValue,
  pgpassFile,
  postgresSettingsFromEnv,
} from '../../../actions/remote-deploy/src/model/backup';
import * as S from '../../../actions/remote-deploy/src/commands/backup';

describe('postgres-host connection from the env file', () => {
  test("libpq's variables, quotes and comments understood; unset ones keep libpq's defaults", () => {
    const env = [
      'PGHOST=db.internal # primary',
      'PGPORT=5433',
      "PGPASSWORD='p:ss\\w#rd'",
      'PGDATABASE=',
    ].join('\n');
    expect(postgresSettingsFromEnv(env)).toEqual({
      host: 'db.internal',
      port: 5433,
      user: undefined,
      password: 'p:ss\\w#rd',
      database: undefined,
    });
    expect(postgresSettingsFromEnv('')).toEqual({});
  });
  test('a bad port or a password with a line break is an input error', () => {
    expect(() => postgresSettingsFromEnv('PGPORT=5432x')).toThrow(
      /PGPORT in 'env-file' must be a port number/,
    );
    expect(() => postgresSettingsFromEnv('PGPASSWORD="a\\nb"')).toThrow(
      /PGPASSWORD in 'env-file' contains a line break/,
    );
  });
  test('the password file matches any server and escapes \\ and : as libpq reads them', () => {
    expect(pgpassFile('p:ss\\w#rd')).toBe('*:*:*:*:p\\:ss\\\\w#rd\n');
  });
});

describe('mysql-host connection from the env file', () => {
  test('the client and image variable names, quotes and comments understood', () => {
    const env = [
      'APP_SECRET=x',
      'MYSQL_HOST=db.internal # the primary',
      'MYSQL_TCP_PORT=3307',
      'MYSQL_UNIX_PORT=',
      "MYSQL_USER='shop'",
      'MYSQL_PWD="p#ss w$$rd"',
      'MYSQL_PASSWORD=ignored-when-MYSQL_PWD-is-set',
      'export MYSQL_DATABASE=shop_prod',
    ].join('\n');
    expect(mysqlSettingsFromEnv(env)).toEqual({
      host: 'db.internal',
      port: 3307,
      socket: undefined,
      user: 'shop',
      password: 'p#ss w$rd',
      database: 'shop_prod',
    });
  });

  test('MYSQL_PASSWORD (the official images’ name) when MYSQL_PWD is absent; read as Compose reads it, nothing run', () => {
    // Compose expands ${HOME} from the file (unset here) and keeps a `$(` literal: the same values
    // the database container gets from this file.
    const s = mysqlSettingsFromEnv("MYSQL_DATABASE=shop\nMYSQL_PASSWORD='$(id)`id`${HOME}'\n");
    expect(s.password).toBe('$(id)`id`${HOME}');
    expect(mysqlSettingsFromEnv('MYSQL_DATABASE=shop\nMYSQL_PASSWORD="a${HOME}b$$c"\n').password).toBe(
      'ab$c',
    );
    expect(mysqlSettingsFromEnv('MYSQL_DATABASE=shop\nMYSQL_PASSWORD=$(id)\n').password).toBe('$(id)');
    expect(s.host).toBeUndefined();
    expect(s.port).toBeUndefined();
  });

  test.each([
    ['MYSQL_USER=shop\n', /needs MYSQL_DATABASE .* in 'env-file'/],
    ['MYSQL_DATABASE=\n', /needs MYSQL_DATABASE/],
    ['MYSQL_DATABASE=a.b\n', /MYSQL_DATABASE in 'env-file' must be a database name/],
    ['MYSQL_DATABASE=../etc\n', /must be a database name/],
    [`MYSQL_DATABASE=${'x'.repeat(65)}\n`, /at most 64 characters/],
    ['MYSQL_DATABASE="a\\nb"\n', /control characters/],
    ['MYSQL_DATABASE=shop\nMYSQL_TCP_PORT=33o6\n', /MYSQL_TCP_PORT in 'env-file' must be a port number/],
    ['MYSQL_DATABASE=shop\nMYSQL_TCP_PORT=70000\n', /must be a port number/],
  ])('%j is refused', (text, message) => {
    expect(() => mysqlSettingsFromEnv(text)).toThrow(InputError);
    expect(() => mysqlSettingsFromEnv(text)).toThrow(message);
  });

  test('a database name that looks like an option is accepted as data (the script ends options with --)', () => {
    expect(mysqlSettingsFromEnv('MYSQL_DATABASE=--all-databases\n').database).toBe('--all-databases');
  });
});

describe('MySQL option file', () => {
  test('values are double-quoted with the escapes the client undoes', () => {
    expect(optionValue('plain')).toBe('"plain"');
    expect(optionValue('a#b c')).toBe('"a#b c"');
    expect(optionValue('q"b\\s')).toBe('"q\\"b\\\\s"');
    expect(optionValue('l1\nl2\r\t\b')).toBe('"l1\\nl2\\r\\t\\b"');
    expect(optionValue("it's $x ;")).toBe('"it\'s $x ;"');
  });

  test('one [client] group with only the settings given; never more lines than settings', () => {
    expect(
      mysqlOptionFile({
        host: '127.0.0.1',
        port: 3306,
        user: 'shop',
        password: 'x"\ny',
        database: 'shop',
      }),
    ).toBe(
      [
        '# written by deploy-kit for one pre-deploy mysqldump; removed when it ends',
        '[client]',
        'host="127.0.0.1"',
        'port=3306',
        'user="shop"',
        'password="x\\"\\ny"',
        '',
      ].join('\n'),
    );
    expect(mysqlOptionFile({ database: 'shop', socket: '/run/mysqld/mysqld.sock' })).toBe(
      '# written by deploy-kit for one pre-deploy mysqldump; removed when it ends\n[client]\nsocket="/run/mysqld/mysqld.sock"\n',
    );
  });
});

describe('presets', () => {
  test('names, where they run, and what the log calls them', () => {
    expect(BACKUP_PRESETS).toEqual(['none', 'postgres', 'postgres-host', 'mysql', 'mysql-host']);
    expect(BACKUP_PRESETS.filter(backupInService)).toEqual(['postgres', 'mysql']);
    expect(describeBackup('mysql', 'db')).toBe('mysqldump in service db');
    expect(describeBackup('mysql-host', 'db')).toBe('mysqldump on the host');
    expect(describeBackup('postgres', 'pg')).toBe('pg_dump in service pg');
    expect(describeBackup('postgres-host', 'db')).toBe('pg_dump on the host');
  });

  test.each([
    ['BACKUP_IN_SERVICE', S.BACKUP_IN_SERVICE],
    ['BACKUP_POSTGRES_HOST', S.BACKUP_POSTGRES_HOST],
    ['BACKUP_MYSQL_HOST', S.BACKUP_MYSQL_HOST],
    ['MYSQL_DUMP_IN_SERVICE', S.MYSQL_DUMP_IN_SERVICE],
  ])('%s parses (bash -n) and verifies what it keeps', (name, script) => {
    const r = spawnSync('bash', ['-n'], { input: script, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    if (name.startsWith('BACKUP_')) {
      expect(script).toContain('gzip -t -- "$f.tmp"');
      expect(script).toMatch(/trap 'rm -f [^']*"\$f\.tmp"' EXIT/);
      // Retention runs after the dump is verified: commands/retention.ts.
      expect(script).not.toContain('rm -f --');
    }
  });
});

/**
 * Which credentials the in-container mysql preset picks from the image's environment. The
 * dump tool here records its arguments and MYSQL_PWD instead of dumping: what is checked is
 * the snippet's choice, and that the password is in the environment, never in the arguments.
 */
describe('mysql preset inside the container: credentials from the image variables', () => {
  let bin: string;
  beforeAll(() => {
    bin = fs.mkdtempSync(path.join(os.tmpdir(), 'rd-mysqldump-'));
    fs.writeFileSync(
      path.join(bin, 'mariadb-dump'),
      '#!/bin/sh\nprintf "argv=%s\\n" "$*"\nprintf "pwd=%s\\n" "${MYSQL_PWD-<unset>}"\n',
      { mode: 0o755 },
    );
    fs.writeFileSync(path.join(bin, 'root-secret'), 'from-file\n');
  });
  afterAll(() => fs.rmSync(bin, { recursive: true, force: true }));

  const run = (env: Record<string, string>): { status: number | null; out: string; err: string } => {
    const r = spawnSync('sh', ['-c', S.MYSQL_DUMP_IN_SERVICE], {
      env: { PATH: `${bin}:/usr/bin:/bin`, ...env },
      encoding: 'utf8',
    });
    return { status: r.status, out: r.stdout, err: r.stderr };
  };
  const opts = '--single-transaction --quick --routines --triggers --no-tablespaces';

  test('root when its password is known (MARIADB_ before MYSQL_)', () => {
    const r = run({
      MYSQL_ROOT_PASSWORD: 'mysql-root',
      MARIADB_ROOT_PASSWORD: 'maria-root',
      MYSQL_USER: 'shop',
      MYSQL_PASSWORD: 'app',
      MYSQL_DATABASE: 'shop',
    });
    expect(r.out).toBe(`argv=--user=root ${opts} -- shop\npwd=maria-root\n`);
  });

  test('the app user when root’s password is random; *_FILE read like the images do', () => {
    expect(run({ MYSQL_USER: 'shop', MYSQL_PASSWORD: 'app', MYSQL_DATABASE: 'shop' }).out).toBe(
      `argv=--user=shop ${opts} -- shop\npwd=app\n`,
    );
    expect(run({ MYSQL_ROOT_PASSWORD_FILE: path.join(bin, 'root-secret') }).out).toBe(
      `argv=--user=root ${opts} --all-databases\npwd=from-file\n`,
    );
  });

  test('root without a password only when the image allowed it; otherwise a clear refusal', () => {
    expect(run({ MARIADB_ALLOW_EMPTY_ROOT_PASSWORD: '1', MARIADB_DATABASE: 'shop' }).out).toBe(
      `argv=--user=root ${opts} -- shop\npwd=<unset>\n`,
    );
    const none = run({ MYSQL_USER: 'shop', MYSQL_DATABASE: 'shop' });
    expect(none.status).toBe(1);
    expect(none.out).toBe('');
    expect(none.err).toMatch(/no database credentials in the container's environment/);
  });
});
