#!/usr/bin/env bash
# Whole-process comparison: `authstack render --target eks` of the reference
# stack against `kustomize build` of the same overlay, as written by
# `authstack build`: mean wall time over N runs and peak RSS.
set -euo pipefail
bin=${AUTHSTACK_BIN:?} kustomize=${KUSTOMIZE:?} n=${N:-30}
ref=examples/shop
tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT
"$bin" build -f "$ref" -o "$tree" >/dev/null 2>&1

# mean_ms CMD...: mean wall-clock milliseconds of N runs.
mean_ms() {
  local start end
  start=$(date +%s%N)
  for _ in $(seq "$n"); do "$@" >/dev/null 2>&1; done
  end=$(date +%s%N)
  echo $(( (end - start) / n / 1000000 ))
}
# peak_kb CMD...: the largest max RSS of 5 runs, from getrusage.
peak_kb() {
  local max=0 kb
  for _ in 1 2 3 4 5; do
    /usr/bin/time -f '%M' -o "$tree/rss" "$@" >/dev/null 2>&1
    kb=$(tail -n 1 "$tree/rss")
    (( kb > max )) && max=$kb
  done
  echo "$max"
}
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }

printf '%-34s %8s %12s\n' command "mean ms" "peak RSS KiB"
printf '%-34s %8s %12s\n' "authstack render --target eks" \
  "$(mean_ms "$bin" render -f "$ref" --target eks)" "$(peak_kb "$bin" render -f "$ref" --target eks)"
printf '%-34s %8s %12s\n' "kustomize build overlays/eks" \
  "$(mean_ms "$kustomize" build "$tree/overlays/eks")" "$(peak_kb "$kustomize" build "$tree/overlays/eks")"
