#!/usr/bin/env bash
# Whole-process comparison: `authstack render --target eks` of the reference
# stack against `kustomize build` of the same overlay, as written by
# `authstack build`. Wall time from hyperfine (warm-up runs, then RUNS runs
# of each), peak RSS from getrusage. authstack sets GOGC=400 itself, so the
# last two rows compare both at the same collector setting.
set -euo pipefail
bin=${AUTHSTACK_BIN:?} kustomize=${KUSTOMIZE:?} runs=${RUNS:-60}
ref=examples/shop
tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT
"$bin" build -f "$ref" -o "$tree" >/dev/null 2>&1

if ! command -v hyperfine >/dev/null || [ ! -x /usr/bin/time ]; then
  apt-get update -qq && apt-get install -y -qq hyperfine time >/dev/null
fi

render=("$bin" render -f "$ref" --target eks)
build=("$kustomize" build "$tree/overlays/eks")
hyperfine --shell=none --warmup 5 --runs "$runs" --style basic \
  -n "authstack render --target eks" "${render[*]}" \
  -n "kustomize build overlays/eks" "${build[*]}" \
  -n "kustomize build overlays/eks (GOGC=400)" "env GOGC=400 ${build[*]}" \
  -n "authstack render --target eks (GOGC=100)" "env GOGC=100 ${render[*]}"

# peak_kib CMD...: the largest max RSS of 5 runs.
peak_kib() {
  local max=0 kib
  for _ in 1 2 3 4 5; do
    /usr/bin/time -f '%M' -o "$tree/rss" "$@" >/dev/null 2>&1
    kib=$(tail -n 1 "$tree/rss")
    ((kib > max)) && max=$kib
  done
  echo "$max"
}
printf '\n%-34s %14s\n' command "peak RSS KiB"
printf '%-34s %14s\n' "authstack render --target eks" "$(peak_kib "${render[@]}")"
printf '%-34s %14s\n' "kustomize build overlays/eks" "$(peak_kib "${build[@]}")"
