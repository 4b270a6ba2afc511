import { joinScript, type RemoteScript } from './script';

/**
 * backup-verify: restore: each pre-deploy dump is restored into a scratch database on the same
 * server (dropped afterwards whatever happens) and checked: it restores without an error, it has
 * tables, and the user's query (if any) counts at least MIN rows. Every script prints
 * `verified=<dump> tables=<n> rows=<n>` and fails with one sentence otherwise.
 */

/** What every verify script checks after the restore: $TABLES, $ROWS, $MIN, $Q, $F are set. */
const CHECK_COUNTS = String.raw`
case "$TABLES" in '' | *[!0-9]*) echo "could not count the tables of the restored dump: '$TABLES'" >&2; exit 1 ;; esac
if [ "$TABLES" -eq 0 ]; then echo "the restored dump has no tables (a dump of the wrong database?)" >&2; exit 1; fi
if [ -n "$Q" ]; then
  case "$ROWS" in '' | *[!0-9]*) echo "backup-verify-query did not return a number: '$ROWS'" >&2; exit 1 ;; esac
  if [ "$ROWS" -lt "$MIN" ]; then echo "backup-verify-query returned $ROWS, fewer than $MIN (a dump of the wrong database, or of an emptied one?)" >&2; exit 1; fi
fi
echo "verified=$F tables=$TABLES rows=$ROWS"
`;

/** The dump must be complete gzip before anything else. */
const GZIP_OK = String.raw`
gzip -t -- "$F" 2>/dev/null || { echo "the dump $F is not valid gzip (truncated or corrupted)" >&2; exit 1; }
`;

/**
 * $1 password file ('' = none; removed), $2 dump, $3 query, $4 min rows, $5 PGHOST, $6 PGPORT,
 * $7 PGUSER, $8 PGDATABASE. psql on the host; the scratch database is made on the same server.
 */
export const VERIFY_POSTGRES_HOST = joinScript(
  String.raw`
PASSFILE="$1"; F="$2"; Q="$3"; MIN="$4"
if [ -n "$5" ]; then export PGHOST="$5"; fi
if [ -n "$6" ]; then export PGPORT="$6"; fi
if [ -n "$7" ]; then export PGUSER="$7"; fi
if [ -n "$8" ]; then export PGDATABASE="$8"; fi
if [ -n "$PASSFILE" ]; then export PGPASSFILE="$PASSFILE"; fi
S="dk_verify_$$_$(date +%s)"
ERR=$(mktemp)
cleanup() {
  psql --no-password -X -q -c "DROP DATABASE IF EXISTS \"$S\"" >/dev/null 2>&1 || true
  rm -f "$PASSFILE" "$ERR"
}
trap cleanup EXIT
`,
  GZIP_OK,
  String.raw`
psql --no-password -X -q -v ON_ERROR_STOP=1 -c "CREATE DATABASE \"$S\"" >/dev/null
if ! gzip -dc -- "$F" | psql --no-password -X -q -v ON_ERROR_STOP=1 --single-transaction -d "$S" >/dev/null 2>"$ERR"; then
  echo "the dump does not restore into a scratch database: $(tail -n 3 "$ERR")" >&2
  exit 1
fi
TABLES=$(psql --no-password -X -At -d "$S" -c "SELECT count(*) FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema')")
ROWS=""
if [ -n "$Q" ]; then ROWS=$(psql --no-password -X -At -v ON_ERROR_STOP=1 -d "$S" -c "$Q" 2>"$ERR" | head -n 1) || true; fi
`,
  CHECK_COUNTS,
);

export function postgresHost(
  passFile: string,
  dump: string,
  check: { query: string; minRows: number },
  settings: { host?: string; port?: number; user?: string; database?: string },
): RemoteScript {
  return {
    script: VERIFY_POSTGRES_HOST,
    args: [
      passFile,
      dump,
      check.query,
      String(check.minRows),
      settings.host ?? '',
      settings.port === undefined ? '' : String(settings.port),
      settings.user ?? '',
      settings.database ?? '',
    ],
  };
}

/**
 * Run inside the database container (sh -c, the dump on stdin; $1 query, $2 min rows, $3 dump
 * name for messages): as the official postgres image's POSTGRES_USER.
 */
export const VERIFY_POSTGRES_IN_CONTAINER = joinScript(
  String.raw`
Q="$1"; MIN="$2"; F="$3"
U="$POSTGRES_USER"; [ -n "$U" ] || U=postgres
S="dk_verify_$$"
trap 'psql -X -q -U "$U" -d postgres -c "DROP DATABASE IF EXISTS \"$S\"" >/dev/null 2>&1 || true' EXIT
psql -X -q -v ON_ERROR_STOP=1 -U "$U" -d postgres -c "CREATE DATABASE \"$S\"" >/dev/null
if ! psql -X -q -v ON_ERROR_STOP=1 --single-transaction -U "$U" -d "$S" >/dev/null 2>/tmp/dk-verify.err; then
  echo "the dump does not restore into a scratch database: $(tail -n 3 /tmp/dk-verify.err)" >&2
  exit 1
fi
TABLES=$(psql -X -At -U "$U" -d "$S" -c "SELECT count(*) FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema')")
ROWS=""
if [ -n "$Q" ]; then ROWS=$(psql -X -At -U "$U" -d "$S" -c "$Q" 2>/dev/null | head -n 1) || true; fi
`,
  CHECK_COUNTS,
);

/**
 * Run inside the MariaDB/MySQL container (sh -c, the dump on stdin; $1 query, $2 min rows, $3
 * dump name): as root over the socket with the image's root password, else its user.
 */
export const VERIFY_MYSQL_IN_CONTAINER = joinScript(
  String.raw`
Q="$1"; MIN="$2"; F="$3"
pick() { for v in "$@"; do if [ -n "$v" ]; then printf '%s' "$v"; return 0; fi; done; return 0; }
USR=$(pick "$MARIADB_USER" "$MYSQL_USER")
PW=$(pick "$MARIADB_PASSWORD" "$MYSQL_PASSWORD")
ROOTPW=$(pick "$MARIADB_ROOT_PASSWORD" "$MYSQL_ROOT_PASSWORD")
if command -v mariadb >/dev/null 2>&1; then C=mariadb; else C=mysql; fi
# A scratch database needs CREATE on *.*: root (its password, or the official images' socket
# login for root in the container), else the image's user, which may lack it.
if [ -n "$ROOTPW" ]; then USR=root; PW=$ROOTPW
elif "$C" --user=root -e 'SELECT 1' >/dev/null 2>&1; then USR=root; PW=
fi
if [ -n "$PW" ]; then MYSQL_PWD=$PW; export MYSQL_PWD; fi
S="dk_verify_$$"
trap '"$C" --user="$USR" -e "DROP DATABASE IF EXISTS \`$S\`" >/dev/null 2>&1 || true' EXIT
"$C" --user="$USR" -e "CREATE DATABASE \`$S\`"
if ! "$C" --user="$USR" "$S" >/dev/null 2>/tmp/dk-verify.err; then
  echo "the dump does not restore into a scratch database: $(tail -n 3 /tmp/dk-verify.err)" >&2
  exit 1
fi
TABLES=$("$C" --user="$USR" --batch --skip-column-names -e "SELECT count(*) FROM information_schema.tables WHERE table_schema = '$S'")
ROWS=""
if [ -n "$Q" ]; then ROWS=$("$C" --user="$USR" --batch --skip-column-names "$S" -e "$Q" 2>/dev/null | head -n 1) || true; fi
`,
  CHECK_COUNTS,
);

/** $1 release dir, $2 dump, $3 service, $4 in-container script, $5 query, $6 min rows, then compose argv. */
export const VERIFY_IN_SERVICE = joinScript(
  String.raw`
cd -- "$1" || exit
F="$2"; SVC="$3"; CHECK="$4"; Q="$5"; MIN="$6"
shift 6
`,
  GZIP_OK,
  String.raw`
gzip -dc -- "$F" | "$@" exec -T "$SVC" sh -c "$CHECK" sh "$Q" "$MIN" "$F"
`,
);

export function inService(options: {
  preset: 'postgres' | 'mysql';
  releaseDir: string;
  dump: string;
  service: string;
  check: { query: string; minRows: number };
  compose: readonly string[];
}): RemoteScript {
  const inside = options.preset === 'mysql' ? VERIFY_MYSQL_IN_CONTAINER : VERIFY_POSTGRES_IN_CONTAINER;
  return {
    script: VERIFY_IN_SERVICE,
    args: [
      options.releaseDir,
      options.dump,
      options.service,
      inside,
      options.check.query,
      String(options.check.minRows),
      ...options.compose,
    ],
  };
}

/**
 * $1 option file (0600, removed), $2 dump, $3 query, $4 min rows. mariadb/mysql on the host with
 * the option file's connection; the scratch database is made on the same server.
 */
export const VERIFY_MYSQL_HOST = joinScript(
  String.raw`
CNF="$1"; F="$2"; Q="$3"; MIN="$4"
if command -v mariadb >/dev/null 2>&1; then C=mariadb; else C=mysql; fi
S="dk_verify_$$_$(date +%s)"
ERR=$(mktemp)
cleanup() {
  "$C" --defaults-file="$CNF" -e "DROP DATABASE IF EXISTS \`$S\`" >/dev/null 2>&1 || true
  rm -f "$CNF" "$ERR"
}
trap cleanup EXIT
`,
  GZIP_OK,
  String.raw`
"$C" --defaults-file="$CNF" -e "CREATE DATABASE \`$S\`"
if ! gzip -dc -- "$F" | "$C" --defaults-file="$CNF" --database="$S" >/dev/null 2>"$ERR"; then
  echo "the dump does not restore into a scratch database: $(tail -n 3 "$ERR")" >&2
  exit 1
fi
TABLES=$("$C" --defaults-file="$CNF" --batch --skip-column-names -e "SELECT count(*) FROM information_schema.tables WHERE table_schema = '$S'")
ROWS=""
if [ -n "$Q" ]; then ROWS=$("$C" --defaults-file="$CNF" --batch --skip-column-names --database="$S" -e "$Q" 2>"$ERR" | head -n 1) || true; fi
`,
  CHECK_COUNTS,
);

export function mysqlHost(
  optionFile: string,
  dump: string,
  check: { query: string; minRows: number },
): RemoteScript {
  return { script: VERIFY_MYSQL_HOST, args: [optionFile, dump, check.query, String(check.minRows)] };
}
