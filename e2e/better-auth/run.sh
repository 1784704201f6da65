#!/usr/bin/env bash
# Installs the pinned Better Auth outside the repository and runs a script
# from e2e/better-auth beside it.
#
#   e2e/better-auth/run.sh e2e       jwks-purge against real Better Auth on a
#                                    freshly started PostgreSQL (stopped after,
#                                    even on failure); needs AUTHSTACK_BIN
#   e2e/better-auth/run.sh vectors   regenerate testdata/better-auth/vectors.json
#   e2e/better-auth/run.sh install   only install (test/runtime builds its app
#                                    image from this node_modules)
#
# node_modules lives in ${AUTHSTACK_CACHE:-$HOME/.cache/authstack}/better-auth
# and is reinstalled only when package.json or package-lock.json change.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cache=${AUTHSTACK_CACHE:-$HOME/.cache/authstack}/better-auth

command -v node >/dev/null || { echo "run.sh: node not found: install Node.js 20 or later" >&2; exit 1; }

install() {
  local hash
  hash=$(cat "$here/package.json" "$here/package-lock.json" | sha256sum | cut -d' ' -f1)
  mkdir -p "$cache"
  if [ -d "$cache/node_modules" ] && [ "$(cat "$cache/.lock-hash" 2>/dev/null)" = "$hash" ]; then
    return
  fi
  cp "$here/package.json" "$here/package-lock.json" "$cache/"
  rm -f "$cache/.lock-hash"
  (cd "$cache" && npm ci --no-audit --no-fund --loglevel=error >&2)
  echo "$hash" >"$cache/.lock-hash"
}

install
# The scripts import their packages relative to themselves, so they run
# from the cache, next to node_modules.
cp "$here"/*.mjs "$cache/"

case ${1:-} in
  install)
    ;;
  e2e)
    bin=${AUTHSTACK_BIN:?set AUTHSTACK_BIN to the authstack binary}
    [[ $bin = /* ]] || bin=$PWD/$bin
    [ -x "$bin" ] || { echo "run.sh: $bin is not an executable (build it first)" >&2; exit 1; }
    export AUTHSTACK_PG_DIR=${TMPDIR:-/tmp}/authstack-postgres-e2e
    trap '"$root/hack/postgres.sh" stop' EXIT
    url=$("$root/hack/postgres.sh" start)
    DATABASE_URL=$url AUTHSTACK_BIN=$bin node "$cache/e2e.mjs"
    ;;
  vectors)
    node "$cache/vectors.mjs" >"$root/testdata/better-auth/vectors.json.tmp"
    mv "$root/testdata/better-auth/vectors.json.tmp" "$root/testdata/better-auth/vectors.json"
    ;;
  *)
    echo "usage: $0 e2e|vectors|install" >&2
    exit 2
    ;;
esac
