import { assign, joinScript, type RemoteScript } from './script';

/**
 * Pre-deploy backup scripts. Each writes the gzip'd dump to "$f.tmp" and ends with KEEP_DUMP,
 * which checks it and gives it its final name (retention.ts prunes old dumps afterwards).
 */

/**
 * The end of every backup script: "$f.tmp" holds the gzip'd dump. It must be valid gzip, not
 * empty, and (when TRAILER is set) end with the line a dump tool writes only when it finished;
 * then it gets its final name.
 */
const KEEP_DUMP = String.raw`
gzip -t -- "$f.tmp"
if [ "$(gzip -dc -- "$f.tmp" | head -c 64 | wc -c)" -eq 0 ]; then echo "the dump is empty" >&2; exit 1; fi
if [ -n "$TRAILER" ]; then
  last=$(gzip -dc -- "$f.tmp" | tail -n 1)
  case "$last" in
    "$TRAILER"*) ;;
    *) echo "the dump is incomplete: its last line is not '$TRAILER...'" >&2; exit 1 ;;
  esac
fi
mv -- "$f.tmp" "$f"
echo "backup=$f bytes=$(wc -c < "$f")"
: "$KEEP" # retention runs after the dump is verified (commands/retention.ts)
`;

/** Where and how many dumps are kept, and the file name of this one (without .sql.gz). */
export interface DumpTarget {
  backupsDir: string;
  stamp: string;
  keep: number;
}

/** pg_dump inside a container of the official postgres image (or one using its variables). */
export const PG_DUMP_IN_SERVICE =
  'U="$POSTGRES_USER"; [ -n "$U" ] || U=postgres; D="$POSTGRES_DB"; [ -n "$D" ] || D="$U"; exec pg_dump --clean --if-exists -U "$U" "$D"';

/**
 * mysqldump inside a container of the official mysql or mariadb image: the credentials the
 * image was started with (MARIADB_* before MYSQL_*, as the mariadb image reads them; *_FILE
 * for Docker secrets): root if its password is known, else MYSQL_USER, else root without a
 * password when the image allowed that. The password reaches the dump through MYSQL_PWD in
 * its environment, never its arguments. mariadb-dump first: MariaDB 11 images have no mysqldump.
 */
export const MYSQL_DUMP_IN_SERVICE = String.raw`
pick() { for v in "$@"; do if [ -n "$v" ]; then printf '%s' "$v"; return 0; fi; done; return 0; }
from_file() { if [ -n "$1" ]; then cat -- "$1"; fi; }
DB=$(pick "$MARIADB_DATABASE" "$MYSQL_DATABASE")
USR=$(pick "$MARIADB_USER" "$MYSQL_USER")
PW=$(pick "$MARIADB_PASSWORD" "$MYSQL_PASSWORD" "$(from_file "$MARIADB_PASSWORD_FILE")" "$(from_file "$MYSQL_PASSWORD_FILE")")
ROOTPW=$(pick "$MARIADB_ROOT_PASSWORD" "$MYSQL_ROOT_PASSWORD" "$(from_file "$MARIADB_ROOT_PASSWORD_FILE")" "$(from_file "$MYSQL_ROOT_PASSWORD_FILE")")
EMPTY=$(pick "$MARIADB_ALLOW_EMPTY_ROOT_PASSWORD" "$MYSQL_ALLOW_EMPTY_PASSWORD")
if [ -n "$ROOTPW" ]; then USR=root; PW=$ROOTPW
elif [ -n "$USR" ] && [ -n "$PW" ]; then :
elif [ -n "$EMPTY" ]; then USR=root; PW=
else
  echo "no database credentials in the container's environment: set MYSQL_ROOT_PASSWORD, or MYSQL_USER and MYSQL_PASSWORD (MARIADB_ names and _FILE variants work too)" >&2
  exit 1
fi
if command -v mariadb-dump >/dev/null 2>&1; then T=mariadb-dump
elif command -v mysqldump >/dev/null 2>&1; then T=mysqldump
else echo "neither mariadb-dump nor mysqldump is installed in the container" >&2; exit 1; fi
if [ -n "$DB" ]; then set -- -- "$DB"; else set -- --all-databases; fi
if [ -n "$PW" ]; then MYSQL_PWD=$PW; export MYSQL_PWD; fi
exec "$T" --user="$USR" --single-transaction --quick --routines --triggers --no-tablespaces "$@"
`;

/** What mysqldump and mariadb-dump write last, and only when the dump finished. */
export const MYSQL_DUMP_TRAILER = '-- Dump completed';

/**
 * $1 release dir, $2 host, $3 version, $4 backups dir, $5 stamp, $6 keep, $7 service,
 * $8 dump script (run by sh inside the service's running container, with its environment),
 * $9 first words of a complete dump's last line ('' = not checked), $10 Compose project,
 * then compose argv. The running container is looked up first (with the Go CLI, by Compose's
 * labels): docker-compose v1 exits 1 without a word when asked to exec in a stopped one.
 */
export const BACKUP_IN_SERVICE = joinScript(
  String.raw`
cd -- "$1" || exit
export DEPLOY_HOST="$2" DEPLOY_VERSION="$3"
B="$4"; STAMP="$5"; KEEP="$6"; SVC="$7"; DUMP="$8"; TRAILER="$9"
shift 9
PROJECT="$1"
shift
running=$(docker ps -q --filter "label=com.docker.compose.project=$PROJECT" --filter "label=com.docker.compose.service=$SVC" --filter "label=com.docker.compose.oneoff=False" --filter status=running)
if [ -z "$running" ]; then
  echo "service $SVC has no running container in project $PROJECT (release $DEPLOY_VERSION): the dump runs inside it; check backup-service" >&2
  exit 1
fi
mkdir -p -- "$B"
chmod 700 -- "$B"
f="$B/$STAMP.sql.gz"
trap 'rm -f "$f.tmp"' EXIT
"$@" exec -T "$SVC" sh -c "$DUMP" | gzip > "$f.tmp"
`,
  KEEP_DUMP,
);

/** The postgres / mysql presets: the dump runs inside the current release's database service. */
export function inService(options: {
  preset: 'postgres' | 'mysql';
  releaseDir: string;
  host: string;
  version: string;
  target: DumpTarget;
  service: string;
  project: string;
  /** The compose argv prefix of the current release. */
  compose: readonly string[];
}): RemoteScript {
  const { preset, target } = options;
  const [dump, trailer] =
    preset === 'mysql' ? [MYSQL_DUMP_IN_SERVICE, MYSQL_DUMP_TRAILER] : [PG_DUMP_IN_SERVICE, ''];
  return {
    script: BACKUP_IN_SERVICE,
    args: [
      options.releaseDir,
      options.host,
      options.version,
      target.backupsDir,
      target.stamp,
      String(target.keep),
      options.service,
      dump,
      trailer,
      options.project,
      ...options.compose,
    ],
  };
}

/**
 * $1 option file (uploaded mode 0600, removed here whatever happens), $2 backups dir, $3 stamp,
 * $4 keep, $5 database. mysqldump on the host, its whole connection from the option file
 * (--defaults-file: exactly those settings, not the host's my.cnf); "--" so the database
 * name can never be read as an option.
 */
export const BACKUP_MYSQL_HOST = joinScript(
  String.raw`
CNF="$1"; B="$2"; STAMP="$3"; KEEP="$4"; DB="$5"
`,
  assign('TRAILER', MYSQL_DUMP_TRAILER),
  String.raw`
f="$B/$STAMP.sql.gz"
trap 'rm -f "$CNF" "$f.tmp"' EXIT
if command -v mariadb-dump >/dev/null 2>&1; then T=mariadb-dump
elif command -v mysqldump >/dev/null 2>&1; then T=mysqldump
else echo "neither mariadb-dump nor mysqldump is installed on this host (install mariadb-client or mysql-client)" >&2; exit 1; fi
# Oracle's mysqldump 8 reads column statistics that a MariaDB server does not have; a backup does not need them.
help=$("$T" --help 2>/dev/null || true)
set --
case "$help" in *--column-statistics*) set -- --column-statistics=0 ;; esac
mkdir -p -- "$B"
chmod 700 -- "$B"
"$T" --defaults-file="$CNF" --single-transaction --quick --routines --triggers --no-tablespaces "$@" -- "$DB" | gzip > "$f.tmp"
`,
  KEEP_DUMP,
);

/** mysql-host: `optionFile` is already uploaded (0600); the script removes it whatever happens. */
export function mysqlHost(optionFile: string, target: DumpTarget, database: string): RemoteScript {
  return {
    script: BACKUP_MYSQL_HOST,
    args: [optionFile, target.backupsDir, target.stamp, String(target.keep), database],
  };
}

/**
 * $1 password file ('' = none; uploaded mode 0600, removed here whatever happens), $2 backups
 * dir, $3 stamp, $4 keep, then $5 PGHOST, $6 PGPORT, $7 PGUSER, $8 PGDATABASE ('' = libpq's
 * default). pg_dump on the host itself; the settings were read from the env file on the
 * runner, as data, and the password reaches pg_dump only through its password file.
 */
export const BACKUP_POSTGRES_HOST = joinScript(
  String.raw`
PASSFILE="$1"; B="$2"; STAMP="$3"; KEEP="$4"; TRAILER=""
f="$B/$STAMP.sql.gz"
trap 'rm -f "$PASSFILE" "$f.tmp"' EXIT  # rm -f "" (no password file) is a no-op
if [ -n "$5" ]; then export PGHOST="$5"; fi
if [ -n "$6" ]; then export PGPORT="$6"; fi
if [ -n "$7" ]; then export PGUSER="$7"; fi
if [ -n "$8" ]; then export PGDATABASE="$8"; fi
if [ -n "$PASSFILE" ]; then export PGPASSFILE="$PASSFILE"; fi
command -v pg_dump >/dev/null 2>&1 || { echo "pg_dump is not installed on this host" >&2; exit 1; }
mkdir -p -- "$B"
chmod 700 -- "$B"
pg_dump --no-password --clean --if-exists | gzip > "$f.tmp"
`,
  KEEP_DUMP,
);

/** postgres-host: `passFile` ('' = none) is already uploaded (0600); the script removes it. */
export function postgresHost(
  passFile: string,
  target: DumpTarget,
  settings: { host?: string; port?: number; user?: string; database?: string },
): RemoteScript {
  return {
    script: BACKUP_POSTGRES_HOST,
    args: [
      passFile,
      target.backupsDir,
      target.stamp,
      String(target.keep),
      settings.host ?? '',
      settings.port === undefined ? '' : String(settings.port),
      settings.user ?? '',
      settings.database ?? '',
    ],
  };
}
