#!/bin/bash
# `postgres` or `mariadb`: initialise on first start from the same variables as the official
# images (only what the backup presets rely on), then exec the server on 127.0.0.1 (host network).
set -euo pipefail

sql_string() { # a value as a MariaDB string literal
  local s=${1//\\/\\\\}
  printf "'%s'" "${s//\'/\\\'}"
}
first() { local v; for v in "$@"; do if [ -n "$v" ]; then printf '%s' "$v"; return; fi; done; }

case "${1:-}" in
postgres)
  bin=/usr/lib/postgresql/15/bin
  export PGDATA=${PGDATA:-/var/lib/postgresql/data}
  user=${POSTGRES_USER:-postgres}
  db=${POSTGRES_DB:-$user}
  mkdir -p "$PGDATA" /var/run/postgresql
  chown postgres: "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA"
  if [ ! -s "$PGDATA/PG_VERSION" ]; then
    pw=$(mktemp)
    printf '%s\n' "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD is required}" > "$pw"
    chown postgres "$pw"
    setpriv --reuid=postgres --regid=postgres --init-groups "$bin/initdb" -D "$PGDATA" -U "$user" --pwfile="$pw" \
      --auth-local=trust --auth-host=scram-sha-256 >/dev/null
    rm -f "$pw"
    if [ "$db" != postgres ]; then
      printf 'CREATE DATABASE "%s";\n' "$db" |
        setpriv --reuid=postgres --regid=postgres --init-groups "$bin/postgres" --single -D "$PGDATA" -j postgres >/dev/null
    fi
  fi
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$bin/postgres" -D "$PGDATA" -p "${PGPORT:-5432}" \
    -c listen_addresses=127.0.0.1 -k /var/run/postgresql
  ;;
mariadb)
  mkdir -p /run/mysqld
  chown mysql: /run/mysqld
  init=()
  if [ ! -d /var/lib/mysql/mysql ]; then
    mariadb-install-db --user=mysql --datadir=/var/lib/mysql --skip-test-db >/dev/null
    db=$(first "${MARIADB_DATABASE:-}" "${MYSQL_DATABASE:-}")
    user=$(first "${MARIADB_USER:-}" "${MYSQL_USER:-}")
    pass=$(first "${MARIADB_PASSWORD:-}" "${MYSQL_PASSWORD:-}")
    root=$(first "${MARIADB_ROOT_PASSWORD:-}" "${MYSQL_ROOT_PASSWORD:-}")
    {
      # root keeps socket authentication (as in the official image), so the tests can administer it
      if [ -n "$root" ]; then
        echo "ALTER USER 'root'@'localhost' IDENTIFIED VIA unix_socket OR mysql_native_password USING PASSWORD($(sql_string "$root"));"
      fi
      if [ -n "$db" ]; then echo "CREATE DATABASE IF NOT EXISTS \`$db\`;"; fi
      if [ -n "$user" ]; then
        echo "CREATE USER '$user'@'%' IDENTIFIED BY $(sql_string "$pass");"
        if [ -n "$db" ]; then echo "GRANT ALL ON \`$db\`.* TO '$user'@'%';"; fi
      fi
    } > /run/mysqld/init.sql
    chown mysql: /run/mysqld/init.sql
    init=(--init-file=/run/mysqld/init.sql)
  fi
  exec mariadbd --user=mysql --datadir=/var/lib/mysql --socket=/run/mysqld/mysqld.sock \
    --port="${MYSQL_TCP_PORT:-3306}" --bind-address=127.0.0.1 --skip-name-resolve "${init[@]}"
  ;;
*)
  echo "usage: db-entrypoint postgres|mariadb" >&2
  exit 2
  ;;
esac
