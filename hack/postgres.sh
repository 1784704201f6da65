#!/usr/bin/env bash
# Throwaway PostgreSQL for tests, on loopback, with password authentication.
#
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

log() { echo "postgres.sh: $*" >&2; }

bindir() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$d" ] && echo "$d"
}

install() {
  bindir >/dev/null && return
  if [ "$(id -u)" -ne 0 ]; then
    log "postgresql is not installed; run as root or: apt-get install -y postgresql"
    exit 1
  fi
  log "installing postgresql (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
}

# as_owner runs a server command as the data directory's owner: postgres
# refuses to run as root.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

running() { [ -f "$data/postmaster.pid" ] && as_owner "$(bindir)/pg_ctl" status -D "$data" >/dev/null 2>&1; }

url() {
  echo "postgres://$user:$(cat "$dir/password")@127.0.0.1:$(cat "$dir/port")/$db?sslmode=disable"
}

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
  od -An -tx1 -N16 /dev/urandom | tr -d ' \n' >"$dir/password"
  port=${AUTHSTACK_PG_PORT:-55432}
  while port_in_use "$port"; do port=$((port + 1)); done
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

case ${1:-} in
  start) start ;;
  url) running && url ;;
  stop) stop ;;
  *)
    echo "usage: $0 start|url|stop" >&2
    exit 2
    ;;
esac
