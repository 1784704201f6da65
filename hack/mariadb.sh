#!/usr/bin/env bash
# Throwaway MariaDB for tests of the MySQL dialect, on loopback, with a
# password-protected user.
#
#   hack/mariadb.sh install install Debian mariadb-server if missing (for the Go
#                           tests, which start their own: internal/testdb)
#   hack/mariadb.sh start   install Debian mariadb-server if missing, start a
#                           server (idempotent), print its mysql:// URL on stdout
#   hack/mariadb.sh url     print the URL of the running server
#   hack/mariadb.sh stop    stop the server and delete its data
#
# AUTHSTACK_MARIADB_DIR  state directory (default ${TMPDIR:-/tmp}/authstack-mariadb)
# AUTHSTACK_MARIADB_PORT first port to try (default 53306)
set -euo pipefail
. "$(dirname "$0")/throwaway-db.sh"

dir=${AUTHSTACK_MARIADB_DIR:-${TMPDIR:-/tmp}/authstack-mariadb}
db=authstack
user=authstack
PATH=$PATH:/usr/sbin

# The server drops root privileges to the mysql user.
run_as=()
[ "$(id -u)" -eq 0 ] && run_as=(--user=mysql)

client() { mariadb --no-defaults --socket="$dir/sock" -uroot "$@"; }

running() { [ -S "$dir/sock" ] && mariadb-admin --no-defaults --socket="$dir/sock" -uroot ping >/dev/null 2>&1; }

url() { echo "mysql://$user:$(cat "$dir/password")@127.0.0.1:$(cat "$dir/port")/$db"; }

install() { command -v mariadbd >/dev/null || apt_install mariadb-server; }

start() {
  install
  if running; then
    log "already running in $dir"
    url
    return
  fi
  rm -rf "$dir"
  mkdir -p "$dir"
  new_password >"$dir/password"
  free_port "${AUTHSTACK_MARIADB_PORT:-53306}" >"$dir/port"
  [ "$(id -u)" -eq 0 ] && chown mysql: "$dir"
  mariadb-install-db --no-defaults "${run_as[@]}" --datadir="$dir/data" \
    --auth-root-authentication-method=normal --skip-test-db >/dev/null
  setsid mariadbd --no-defaults "${run_as[@]}" --datadir="$dir/data" --socket="$dir/sock" \
    --pid-file="$dir/mariadbd.pid" --log-error="$dir/server.log" \
    --bind-address=127.0.0.1 --port="$(cat "$dir/port")" --skip-name-resolve </dev/null >/dev/null 2>&1 &
  for _ in $(seq 120); do running && break; sleep 0.5; done
  running || { log "server did not start; see $dir/server.log"; exit 1; }
  client -e "CREATE DATABASE $db; CREATE USER '$user'@'127.0.0.1' IDENTIFIED BY '$(cat "$dir/password")'; GRANT ALL ON $db.* TO '$user'@'127.0.0.1';"
  log "started on 127.0.0.1:$(cat "$dir/port") (data in $dir)"
  url
}

stop() {
  if running; then
    mariadb-admin --no-defaults --socket="$dir/sock" -uroot shutdown
    log "stopped"
  fi
  rm -rf "$dir"
}

dispatch "$@"
