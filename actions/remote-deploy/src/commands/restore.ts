import { joinScript, type RemoteScript } from './script';

/**
 * Restoring a pre-deploy dump (on-irreversible: restore). PostgreSQL only: the dump was made
 * with --clean --if-exists; the public schema is dropped and made again first, in the same
 * transaction, so tables a newer release created do not survive the restore either.
 */

const PG_RESET = 'DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;';

/**
 * $1 password file ('' = none; removed whatever happens), $2 dump, $3 PGHOST, $4 PGPORT,
 * $5 PGUSER, $6 PGDATABASE. psql on the host, one transaction: all of the dump or nothing.
 */
export const RESTORE_POSTGRES_HOST = joinScript(
  String.raw`
PASSFILE="$1"; F="$2"
trap 'rm -f "$PASSFILE"' EXIT
if [ -n "$3" ]; then export PGHOST="$3"; fi
if [ -n "$4" ]; then export PGPORT="$4"; fi
if [ -n "$5" ]; then export PGUSER="$5"; fi
if [ -n "$6" ]; then export PGDATABASE="$6"; fi
if [ -n "$PASSFILE" ]; then export PGPASSFILE="$PASSFILE"; fi
command -v psql >/dev/null 2>&1 || { echo "psql is not installed on this host" >&2; exit 1; }
gzip -t -- "$F"
`,
  `{ echo '${PG_RESET}'; gzip -dc -- "$F"; } | psql --no-password -X -q -v ON_ERROR_STOP=1 --single-transaction >/dev/null`,
  'echo "restored=$F"',
);

export function postgresHost(
  passFile: string,
  dump: string,
  settings: { host?: string; port?: number; user?: string; database?: string },
): RemoteScript {
  return {
    script: RESTORE_POSTGRES_HOST,
    args: [
      passFile,
      dump,
      settings.host ?? '',
      settings.port === undefined ? '' : String(settings.port),
      settings.user ?? '',
      settings.database ?? '',
    ],
  };
}

/** psql inside the official postgres image's container, as its POSTGRES_USER / POSTGRES_DB. */
export const PSQL_IN_SERVICE =
  'U="$POSTGRES_USER"; [ -n "$U" ] || U=postgres; D="$POSTGRES_DB"; [ -n "$D" ] || D="$U"; exec psql -X -q -v ON_ERROR_STOP=1 --single-transaction -U "$U" "$D" >/dev/null';

/** $1 release dir, $2 dump, $3 service, $4 psql script (PSQL_IN_SERVICE), then compose argv: the dump into the running service. */
export const RESTORE_IN_SERVICE = joinScript(
  String.raw`
cd -- "$1" || exit
F="$2"; SVC="$3"; PSQL="$4"
shift 4
gzip -t -- "$F"
`,
  `{ echo '${PG_RESET}'; gzip -dc -- "$F"; } | "$@" exec -T "$SVC" sh -c "$PSQL"`,
  'echo "restored=$F"',
);

export function inService(
  releaseDir: string,
  dump: string,
  service: string,
  composeArgv: readonly string[],
): RemoteScript {
  return { script: RESTORE_IN_SERVICE, args: [releaseDir, dump, service, PSQL_IN_SERVICE, ...composeArgv] };
}

/**
 * $1 release dir, $2 service to keep (the database), then compose argv: stop every other
 * service of the project (the app's writers), before a restore.
 */
export const STOP_WRITERS = String.raw`
cd -- "$1" || exit
KEEP="$2"
shift 2
services=$("$@" config --services | grep -vxF -- "$KEEP" || true)
if [ -n "$services" ]; then
  # shellcheck disable=SC2086 # one service name per word
  "$@" stop $services
fi
echo "stopped: $services"
`;

export function stopWriters(releaseDir: string, keep: string, composeArgv: readonly string[]): RemoteScript {
  return { script: STOP_WRITERS, args: [releaseDir, keep, ...composeArgv] };
}
