/**
 * Remote scripts. Each is constant text sent on stdin to `bash -euo pipefail -s`
 * (or `sh -eu -s`); every value reaches it as a quoted positional argument
 * ($1, $2, ...), never spliced into the text. Secrets are never arguments:
 * they travel as SFTP-uploaded files or on a command's stdin.
 */

/** $1 project dir, $2 version, $3 mode (deploy | probe). Prints key=value facts about the host. */
export const PREPARE = String.raw`
P="$1"; V="$2"; MODE="$3"
if [ "$MODE" = deploy ]; then
  mkdir -p -- "$P/releases/$V" "$P/.deploy-kit"
  chmod 700 -- "$P/releases/$V"
fi
prev=""
if [ -L "$P/current" ]; then prev=$(basename -- "$(readlink -- "$P/current")"); fi
echo "previous=$prev"
if [ -d "$P/releases/$V" ]; then echo "release_exists=yes"; else echo "release_exists=no"; fi
if docker compose version >/dev/null 2>&1; then echo "compose=v2"
elif command -v docker-compose >/dev/null 2>&1; then echo "compose=v1"
else echo "compose=none"; fi
d="$P"; while [ ! -d "$d" ]; do d=$(dirname -- "$d"); done
echo "free_kb=$(df -Pk -- "$d" | awk 'NR==2 {print $4}')"
if [ -d "$P/.deploy-kit/lock" ]; then echo "locked=yes"; else echo "locked=no"; fi
if [ -f "$P/.deploy-kit/releases.log" ]; then echo "log_lines=$(wc -l < "$P/.deploy-kit/releases.log")"; fi
`;

/** $1 lock dir, $2 owner JSON. mkdir is the atomic test-and-set. */
export const LOCK = String.raw`
L="$1"
mkdir -p -- "$(dirname -- "$L")"
if mkdir -- "$L" 2>/dev/null; then
  printf '%s\n' "$2" > "$L/owner.json.tmp"
  mv -- "$L/owner.json.tmp" "$L/owner.json"
  echo ACQUIRED
  exit 0
fi
if [ ! -d "$L" ]; then
  mkdir -- "$L"  # not a race we lost: show mkdir's own error (permissions, read-only filesystem...)
fi
now=$(date +%s)
if [ -f "$L/owner.json" ]; then
  echo "HELD $(( now - $(stat -c %Y -- "$L/owner.json") ))"
  cat -- "$L/owner.json"
else
  echo "HELD-NO-OWNER $(( now - $(stat -c %Y -- "$L") ))"
fi
`;

/** $1 lock dir, $2 new owner JSON, $3 token of the expired owner. Renaming the dir makes a second taker lose. */
export const TAKE_OVER = String.raw`
L="$1"
grep -qF "\"token\":\"$3\"" "$L/owner.json" 2>/dev/null || { echo CHANGED; exit 0; }
mv -- "$L" "$L.expired.$$" 2>/dev/null || { echo CHANGED; exit 0; }
rm -rf -- "$L.expired.$$"
if mkdir -- "$L" 2>/dev/null; then
  printf '%s\n' "$2" > "$L/owner.json.tmp"
  mv -- "$L/owner.json.tmp" "$L/owner.json"
  echo ACQUIRED
else
  echo CHANGED
fi
`;

/** $1 lock dir, $2 our token. Only our own lock is removed. */
export const UNLOCK = String.raw`
L="$1"
if [ -f "$L/owner.json" ] && grep -qF "\"token\":\"$2\"" "$L/owner.json"; then rm -rf -- "$L"; echo RELEASED; else echo NOT-OURS; fi
`;

/** $1 dir, $2 host label, $3 version, then argv: run argv in dir with DEPLOY_HOST / DEPLOY_VERSION exported for Compose. */
export const IN_DIR = String.raw`
cd -- "$1"
export DEPLOY_HOST="$2" DEPLOY_VERSION="$3"
shift 3
exec "$@"
`;

/**
 * $1 Compose project name: one line per service container (one-offs excluded), found by
 * Compose's labels with the Go CLI, so polling never starts Compose itself:
 * name status health service.
 */
export const CONTAINER_STATES = String.raw`
ids=$(docker ps -aq --filter "label=com.docker.compose.project=$1" --filter "label=com.docker.compose.oneoff=False")
if [ -z "$ids" ]; then echo "NO-CONTAINERS"; exit 0; fi
set -f
docker inspect --format '{{.Name}} {{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}} {{index .Config.Labels "com.docker.compose.service"}}' $ids
`;

/** $1 URL: fetched on the host itself (curl, else busybox/GNU wget). */
export const HTTP_GET = String.raw`
if command -v curl >/dev/null 2>&1; then exec curl -fsS --max-time 5 -- "$1"; else exec wget -q -T 5 -O - -- "$1"; fi
`;

/** $1 project dir, $2 version: point current at the release atomically (rename over the symlink). */
export const SWITCH_LINK = String.raw`
cd -- "$1"
ln -sfn -- "releases/$2" .current.tmp
mv -T .current.tmp current
`;

/** $1 log file, $2 one JSON line. Append-only. */
export const RECORD = String.raw`
mkdir -p -- "$(dirname -- "$1")"
printf '%s\n' "$2" >> "$1"
`;

/** $1 log file. */
export const READ_LOG = String.raw`
if [ -f "$1" ]; then cat -- "$1"; fi
`;

/** Images, one per argument: local | registry | missing. */
export const IMAGES_EXIST = String.raw`
for img in "$@"; do
  if docker image inspect "$img" >/dev/null 2>&1; then echo "$img local"
  elif docker manifest inspect --insecure "$img" >/dev/null 2>&1; then echo "$img registry"
  else echo "$img missing"; fi
done
`;

/**
 * The end of every backup script: "$f.tmp" holds the gzip'd dump. It must be valid gzip, not
 * empty, and (when TRAILER is set) end with the line a dump tool writes only when it finished;
 * then it gets its final name and only the newest KEEP dumps stay.
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
ls -1t -- "$B"/*.sql.gz | tail -n +$((KEEP + 1)) | xargs -r rm -f --
`;

/**
 * $1 release dir, $2 host, $3 version, $4 backups dir, $5 stamp, $6 keep, $7 service,
 * $8 dump script (run by sh inside the service's running container, with its environment),
 * $9 first words of a complete dump's last line ('' = not checked), $10 Compose project,
 * then compose argv. The running container is looked up first (with the Go CLI, by Compose's
 * labels): docker-compose v1 exits 1 without a word when asked to exec in a stopped one.
 */
export const BACKUP_IN_SERVICE = String.raw`
cd -- "$1"
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
${KEEP_DUMP}`;

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
 * $1 option file (uploaded mode 0600, removed here whatever happens), $2 backups dir, $3 stamp,
 * $4 keep, $5 database. mysqldump on the host, its whole connection from the option file
 * (--defaults-file: exactly those settings, not the host's my.cnf); "--" so the database
 * name can never be read as an option.
 */
export const BACKUP_MYSQL_HOST = String.raw`
CNF="$1"; B="$2"; STAMP="$3"; KEEP="$4"; DB="$5"; TRAILER="${MYSQL_DUMP_TRAILER}"
f="$B/$STAMP.sql.gz"
trap 'rm -f "$CNF" "$f.tmp"' EXIT
if command -v mariadb-dump >/dev/null 2>&1; then T=mariadb-dump
elif command -v mysqldump >/dev/null 2>&1; then T=mysqldump
else echo "neither mariadb-dump nor mysqldump is installed on this host (install mariadb-client or mysql-client)" >&2; exit 1; fi
# Oracle's mysqldump 8 reads column statistics that a MariaDB server does not have; a backup does not need them.
help=$("$T" --help 2>/dev/null || true)
extra=""
case "$help" in *--column-statistics*) extra="--column-statistics=0" ;; esac
mkdir -p -- "$B"
chmod 700 -- "$B"
"$T" --defaults-file="$CNF" --single-transaction --quick --routines --triggers --no-tablespaces $extra -- "$DB" | gzip > "$f.tmp"
${KEEP_DUMP}`;

/** Load a gzip'd `docker save` stream from stdin (no-registry mode). Constant: no arguments. */
export const LOAD_IMAGES = ['sh', '-c', 'gunzip | docker load'];

/**
 * $1 password file ('' = none; uploaded mode 0600, removed here whatever happens), $2 backups
 * dir, $3 stamp, $4 keep, then $5 PGHOST, $6 PGPORT, $7 PGUSER, $8 PGDATABASE ('' = libpq's
 * default). pg_dump on the host itself; the settings were read from the env file on the
 * runner, as data, and the password reaches pg_dump only through its password file.
 */
export const BACKUP_POSTGRES_HOST = String.raw`
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
${KEEP_DUMP}`;

/**
 * $1 test | reload: nginx on the host, as the login user if it is root, else through
 * `sudo -n` (a NOPASSWD sudoers rule for exactly these commands): a host nginx runs as root,
 * so a plain user can neither read all of its configuration (nginx -t) nor signal it (reload).
 * Exit 3 with NO-NGINX / NEEDS-ROOT <why> on stdout when it cannot be done at all.
 */
export const NGINX_HOST = String.raw`
MODE="$1"
NGINX=$(command -v nginx 2>/dev/null || true)
if [ -z "$NGINX" ] && [ -x /usr/sbin/nginx ]; then NGINX=/usr/sbin/nginx; fi
if [ -z "$NGINX" ]; then echo "NO-NGINX"; exit 3; fi
if [ "$MODE" = test ]; then set -- "$NGINX" -t; else set -- "$NGINX" -s reload; fi
if [ "$(id -u)" != 0 ]; then
  if ! command -v sudo >/dev/null 2>&1; then echo "NEEDS-ROOT no-sudo $NGINX"; exit 3; fi
  if ! sudo -n -l "$@" >/dev/null 2>&1; then echo "NEEDS-ROOT sudo-refused $NGINX"; exit 3; fi
  set -- sudo -n "$@"
fi
"$@" 2>&1
`;

/**
 * Run inside an nginx container as `sh -c SCRIPT nginx-reload test|reload`. The master's
 * process title is "nginx: master process <its command line>": its -c, -p and -e say which
 * configuration it runs, so `nginx -t` tests that one and not the compiled-in default (images
 * often start nginx with -c). reload sends SIGHUP to that master and waits for a new worker:
 * nginx keeps its old configuration, silently, when a reload fails (a port it cannot bind).
 * Exit 3 with NO-MASTER when no nginx master runs there, 4 with NO-NEW-WORKER.
 */
export const NGINX_CONTAINER = String.raw`
MODE="$1"
master=""
cmd=""
for d in /proc/[0-9]*; do
  t=$(tr '\0' ' ' < "$d/cmdline" 2>/dev/null) || continue
  case "$t" in
    "nginx: master process "*)
      master=$(basename "$d")
      cmd=$(printf '%s\n' "$t" | sed 's/^nginx: master process //')
      break ;;
  esac
done
if [ -z "$master" ]; then echo "NO-MASTER"; exit 3; fi
set -f
set -- $cmd
shift
opts=""
while [ "$#" -gt 0 ]; do
  case "$1" in
    -c|-p|-e) if [ "$#" -ge 2 ]; then opts="$opts $1 $2"; shift; fi ;;
    -c?*|-p?*|-e?*) opts="$opts $1" ;;
    -g) while [ "$#" -gt 1 ]; do shift; case "$1" in *";") break ;; esac; done ;;
  esac
  shift
done
set +f
# Children of the master, from /proc/<pid>/stat: "pid (comm) state ppid ...".
children() {
  for d in /proc/[0-9]*; do
    ppid=$(sed 's/.*) //' "$d/stat" 2>/dev/null | cut -d' ' -f2) || continue
    if [ "$ppid" = "$master" ]; then basename "$d"; fi
  done
}
if [ "$MODE" = test ]; then
  echo "nginx master $master: nginx -t$opts"
  exec nginx -t $opts 2>&1
fi
before=" $(children | tr '\n' ' ') "
kill -HUP "$master"
end=$(($(date +%s) + 10))
while [ "$(date +%s)" -le "$end" ]; do
  for p in $(children); do
    case "$before" in *" $p "*) ;; *) echo "nginx master $master reloaded (new worker $p)"; exit 0 ;; esac
  done
  sleep 0.2
done
echo "NO-NEW-WORKER $master"
exit 4
`;
