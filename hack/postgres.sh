#!/usr/bin/env bash
# Throwaway PostgreSQL for tests, on loopback, with password authentication.
#
#   hack/postgres.sh install install Debian postgresql if missing (for the Go
#                            tests, which start their own: internal/testdb)
#   hack/postgres.sh start   install Debian postgresql if missing, start a
#                            server (idempotent), print its URL on stdout
#   hack/postgres.sh url     print the URL of the running server
#   hack/postgres.sh stop    stop the server and delete its data
#
# AUTHSTACK_PG_DIR  state directory (default ${TMPDIR:-/tmp}/authstack-postgres);
#                   use distinct directories for servers that run at once
# AUTHSTACK_PG_PORT first port to try (default 55432)
# Progress goes to stderr, so `url=$(hack/postgres.sh start)` works.
set -euo pipefail

dir=${AUTHSTACK_PG_DIR:-${TMPDIR:-/tmp}/authstack-postgres}
data=$dir/data
db=authstack
user=authstack

. "$(dirname "$0")/throwaway-db.sh"

# bindir prints the newest server's bin directory: Debian keeps initdb and
# pg_ctl off PATH.
bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

# as_owner runs a server command as the data directory's owner: postgres
# refuses to run as root.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

running() { [ -f "$data/postmaster.pid" ] && as_owner "$(bindir)/pg_ctl" status -D "$data" >/dev/null 2>&1; }

url() {
  echo "postgres://$user:$(cat "$dir/password")@127.0.0.1:$(cat "$dir/port")/$db?sslmode=disable"
}

install() { [ -n "$(bindir)" ] || apt_install postgresql; }

start() {
  install
  local bin port
  bin=$(bindir)
  if running; then
    log "already running in $dir"
    url
    return
  fi
  rm -rf "$dir"
  mkdir -p "$dir"
  new_password >"$dir/password"
  port=$(free_port "${AUTHSTACK_PG_PORT:-55432}")
  echo "$port" >"$dir/port"
  # The server user reads the password file for initdb, then it is root's.
  [ "$(id -u)" -eq 0 ] && chown -R postgres: "$dir"
  as_owner "$bin/initdb" -D "$data" -U "$user" --pwfile="$dir/password" \
    --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
  as_owner "$bin/pg_ctl" start -D "$data" -w -t 60 -l "$dir/server.log" \
    -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir -c fsync=off" >/dev/null
  as_owner "$bin/createdb" -h "$dir" -p "$port" -U "$user" "$db"
  log "started on 127.0.0.1:$port (data in $dir)"
  url
}

stop() {
  if running; then
    as_owner "$(bindir)/pg_ctl" stop -D "$data" -m fast -w >/dev/null
    log "stopped"
  fi
  rm -rf "$dir"
}

dispatch "$@"
