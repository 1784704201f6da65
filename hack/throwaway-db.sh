# Shared helpers for hack/postgres.sh and hack/mariadb.sh; sourced.

log() { echo "$(basename "$0"): $*" >&2; }

# apt_install installs Debian packages.
apt_install() {
  if [ "$(id -u)" -ne 0 ]; then
    log "$* not installed; run as root or: apt-get install -y $*"
    exit 1
  fi
  log "installing $* (apt-get)"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
}

# free_port prints the first port from $1 up on which nothing listens.
free_port() {
  local port=$1
  while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
  echo "$port"
}

new_password() { od -An -tx1 -N16 /dev/urandom | tr -d ' \n'; }

# dispatch runs the sourcing script's install, start, url or stop function.
dispatch() {
  case ${1:-} in
    install) install ;;
    start) start ;;
    url) running && url ;;
    stop) stop ;;
    *)
      echo "usage: $0 install|start|url|stop" >&2
      exit 2
      ;;
  esac
}
