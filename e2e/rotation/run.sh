#!/usr/bin/env bash
# The rotation proof (docs/rotation.md): real Better Auth servers started
# with the env of the rendered Deployments, on a freshly started PostgreSQL
# (stopped after, even on failure), under load through two rotations.
#
#   AUTHSTACK_BIN=bin/authstack e2e/rotation/run.sh [go test flags]
#
# Better Auth comes from the same pinned install as e2e/better-auth (same
# package.json and lock, same cache directory, installed once for both).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
pins=$root/e2e/better-auth
cache=${AUTHSTACK_CACHE:-$HOME/.cache/authstack}/better-auth

command -v node >/dev/null || { echo "run.sh: node not found: install Node.js 20 or later" >&2; exit 1; }
bin=${AUTHSTACK_BIN:?set AUTHSTACK_BIN to the authstack binary}
[[ $bin = /* ]] || bin=$PWD/$bin
[ -x "$bin" ] || { echo "run.sh: $bin is not an executable (build it first)" >&2; exit 1; }

# The install of e2e/better-auth/run.sh: reinstalled only when the pins change.
hash=$(cat "$pins/package.json" "$pins/package-lock.json" | sha256sum | cut -d' ' -f1)
mkdir -p "$cache"
if [ ! -d "$cache/node_modules" ] || [ "$(cat "$cache/.lock-hash" 2>/dev/null)" != "$hash" ]; then
  cp "$pins/package.json" "$pins/package-lock.json" "$cache/"
  rm -f "$cache/.lock-hash"
  (cd "$cache" && npm ci --no-audit --no-fund --loglevel=error >&2)
  echo "$hash" >"$cache/.lock-hash"
fi
# The app runs from a directory below node_modules, as from its image's WORKDIR.
mkdir -p "$cache/rotation-app"
cp "$here/server.mjs" "$cache/rotation-app/"

export AUTHSTACK_PG_DIR=${TMPDIR:-/tmp}/authstack-postgres-rotation
trap '"$root/hack/postgres.sh" stop' EXIT
url=$("$root/hack/postgres.sh" start)
cd "$root"
ROTATION_DATABASE_URL=$url ROTATION_APP_DIR=$cache/rotation-app AUTHSTACK_BIN=$bin \
  go test -tags rotation -count=1 -v -timeout 20m "$@" ./e2e/rotation/
