#!/usr/bin/env bash
# Installs the pinned yaml-language-server outside the repository and runs
# validate.mjs beside it:
#
#   test/editors/run.sh SCHEMA.json FILE...
#
# node_modules lives in ${AUTHSTACK_CACHE:-$HOME/.cache/authstack}/editors
# and is reinstalled only when package.json or package-lock.json change.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${AUTHSTACK_CACHE:-$HOME/.cache/authstack}/editors

command -v node >/dev/null || { echo "run.sh: node not found: install Node.js 20 or later" >&2; exit 1; }

hash=$(cat "$here/package.json" "$here/package-lock.json" | sha256sum | cut -d' ' -f1)
mkdir -p "$cache"
if [ ! -d "$cache/node_modules" ] || [ "$(cat "$cache/.lock-hash" 2>/dev/null)" != "$hash" ]; then
  cp "$here/package.json" "$here/package-lock.json" "$cache/"
  rm -f "$cache/.lock-hash"
  (cd "$cache" && npm ci --no-audit --no-fund --loglevel=error >&2)
  echo "$hash" >"$cache/.lock-hash"
fi
# The script imports its packages relative to itself: it runs from the cache.
cp "$here/validate.mjs" "$cache/"
exec node "$cache/validate.mjs" "$@"
