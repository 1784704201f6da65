#!/usr/bin/env bash
# Whole-process benchmarks of the binary, side by side with `kustomize build`
# of the same overlay (as written by `authstack build`), one markdown table:
#
#   - render --target eks of generated stacks of SIZES components (shaped like
#     examples/shop, all four platforms; hack/genstack), against kustomize;
#   - KRM mode (standard input) with the stack among KRM_ITEMS unrelated
#     ConfigMaps, with --target eks and without (the tree as items);
#   - build of BUILD_N components for all four platforms, over its own
#     unchanged tree and into an empty directory.
#
# Wall time: hyperfine, mean of RUNS runs after warm-up runs. The machine is
# shared and its load drifts between hyperfine's blocks of runs, so the
# ratio is the median over PAIRS rounds that run render and kustomize one
# right after the other; those rounds also give the peak RSS (getrusage,
# /usr/bin/time). Elsewhere the peak RSS is the largest of RSS_RUNS runs.
set -euo pipefail
bin=${AUTHSTACK_BIN:?} kustomize=${KUSTOMIZE:?}
runs=${RUNS:-10} rss_runs=${RSS_RUNS:-3} pairs=${PAIRS:-$runs} sizes=${SIZES:-2 10 50 100}
krm_items=${KRM_ITEMS:-10000} build_n=${BUILD_N:-50}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if ! command -v hyperfine >/dev/null || [ ! -x /usr/bin/time ]; then
  apt-get update -qq && apt-get install -y -qq hyperfine time >/dev/null
fi
go build -o "$tmp/genstack" ./hack/genstack

# mean_s NAME CMD...: mean wall time in seconds over $runs runs; cpu NAME
# is the mean user+system CPU time of the same runs, which a busy machine
# inflates less.
mean_s() {
  local name=$1
  shift
  hyperfine --shell=none --warmup "$(((runs + 4) / 5))" --runs "$runs" --style none \
    --export-csv "$tmp/$name.csv" -n "$name" "$*" >/dev/null 2>&1 </dev/null ||
    { echo "bench: failed: $*" >&2; exit 1; }
  awk -F, 'NR == 2 {print $2}' "$tmp/$name.csv"
}
# mean_stdin_s NAME FILE CMD...: the same with FILE on standard input.
mean_stdin_s() {
  local name=$1 file=$2
  shift 2
  hyperfine --warmup "$(((runs + 4) / 5))" --runs "$runs" --style none \
    --export-csv "$tmp/$name.csv" -n "$name" "$* < $file" >/dev/null 2>&1 ||
    { echo "bench: failed: $* < $file" >&2; exit 1; }
  awk -F, 'NR == 2 {print $2}' "$tmp/$name.csv"
}
# peak_mib [FILE] -- CMD...: the largest max RSS of $rss_runs runs, in MiB.
peak_mib() {
  local in=/dev/null max=0 kib
  [ "$1" != -- ] && in=$1 && shift
  shift
  for _ in $(seq "$rss_runs"); do
    /usr/bin/time -f '%M' -o "$tmp/rss" "$@" <"$in" >/dev/null 2>&1 || { echo "failed: $*" >&2; return 1; }
    kib=$(tail -n 1 "$tmp/rss")
    ((kib > max)) && max=$kib
  done
  awk -v k="$max" 'BEGIN {printf "%.1f", k / 1024}'
}
cpu() { awk -F, 'NR == 2 {printf "%.0f ms", ($5 + $6) * 1000}' "$tmp/$1.csv"; }
# paired "CMD A" "CMD B": PAIRS rounds of A and B one right after the other
# (alternating which goes first), so that both see the same load; writes
# the median of the rounds' wall-time ratios A/B and the peak RSS of each
# (MiB) to $tmp/paired.
paired() {
  local i t0 t1 t2 ra rb pa=0 pb=0
  : >"$tmp/ratios"
  for i in $(seq "$pairs"); do
    if ((i % 2)); then
      t0=$EPOCHREALTIME
      /usr/bin/time -f %M -o "$tmp/rssa" $1 >/dev/null 2>&1
      t1=$EPOCHREALTIME
      /usr/bin/time -f %M -o "$tmp/rssb" $2 >/dev/null 2>&1
      t2=$EPOCHREALTIME
      awk -v a="$t0" -v b="$t1" -v c="$t2" 'BEGIN {print (b - a) / (c - b)}' >>"$tmp/ratios"
    else
      t0=$EPOCHREALTIME
      /usr/bin/time -f %M -o "$tmp/rssb" $2 >/dev/null 2>&1
      t1=$EPOCHREALTIME
      /usr/bin/time -f %M -o "$tmp/rssa" $1 >/dev/null 2>&1
      t2=$EPOCHREALTIME
      awk -v a="$t0" -v b="$t1" -v c="$t2" 'BEGIN {print (c - b) / (b - a)}' >>"$tmp/ratios"
    fi
    ra=$(tail -n 1 "$tmp/rssa") rb=$(tail -n 1 "$tmp/rssb")
    ((ra > pa)) && pa=$ra
    ((rb > pb)) && pb=$rb
  done
  sort -g "$tmp/ratios" | awk -v pa="$pa" -v pb="$pb" '{r[NR] = $1}
    END {m = NR % 2 ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2
         printf "%.2f %.1f %.1f\n", m, pa / 1024, pb / 1024}' >"$tmp/paired"
}
ms() { awk -v s="$1" 'BEGIN {printf "%.0f ms", s * 1000}'; }
verdict() { awk -v v="$1" -v g="$2" 'BEGIN {print (v <= g ? "yes" : "**no**")}'; }

echo "| case | authstack | peak RSS | kustomize build | peak RSS | ratio (paired) | goal | met |"
echo "|---|---|---|---|---|---|---|---|"
for n in $sizes; do
  dir=$tmp/stack$n
  "$tmp/genstack" -n "$n" -o "$dir"
  "$bin" build -f "$dir" -o "$dir/tree" >/dev/null 2>&1
  render=("$bin" render -f "$dir" --target eks)
  kbuild=("$kustomize" build "$dir/tree/overlays/eks")
  a=$(mean_s "render$n" "${render[@]}")
  k=$(mean_s "kustomize$n" "${kbuild[@]}")
  paired "${render[*]}" "${kbuild[*]}"
  read -r ratio ar kr <"$tmp/paired"
  rss_goal=""
  case $n in 2) rss_goal=40 ;; 50) rss_goal=64 ;; esac
  met=$(verdict "$ratio" 0.75)
  goal="≤ 0.75×"
  if [ -n "$rss_goal" ]; then
    goal="$goal, ≤ $rss_goal MiB"
    [ "$(verdict "$ar" "$rss_goal")" = yes ] || met="**no**"
  fi
  echo "| render --target eks, $n components | $(ms "$a") | $ar MiB | $(ms "$k") | $kr MiB | $ratio | $goal | $met |"
done

"$tmp/genstack" -n 2 -krm "$krm_items" >"$tmp/rl.yaml"
size=$(awk -v b="$(wc -c <"$tmp/rl.yaml")" 'BEGIN {printf "%.1f MB", b / 1e6}')
for mode in "--target eks" ""; do
  a=$(mean_stdin_s "krm$mode" "$tmp/rl.yaml" "$bin" $mode)
  ar=$(peak_mib "$tmp/rl.yaml" -- "$bin" $mode)
  met=$([ "$(verdict "$a" 1)" = yes ] && [ "$(verdict "$ar" 128)" = yes ] && echo yes || echo "**no**")
  echo "| KRM ${mode:-(tree)}, stack + $krm_items ConfigMaps ($size) | $(ms "$a") (CPU $(cpu "krm$mode")) | $ar MiB | | | | ≤ 1 s, ≤ 128 MiB | $met |"
done

dir=$tmp/stack$build_n
[ -d "$dir" ] || "$tmp/genstack" -n "$build_n" -o "$dir"
build=("$bin" build -f "$dir" -o "$tmp/build")
"${build[@]}" >/dev/null 2>&1
a=$(mean_s build "${build[@]}")
ar=$(peak_mib -- "${build[@]}")
echo "| build, $build_n components × 4 platforms, unchanged tree | $(ms "$a") (CPU $(cpu build)) | $ar MiB | | | | ≤ 0.5 s | $(verdict "$a" 0.5) |"
# Into an empty directory: every file written and synced. Each run builds
# into a new directory, and none is deleted before the end: on ext4 without
# a journal (this machine's root filesystem) the kernel skips inodes deleted
# in the last minutes when it allocates one, so creating files right after
# removing a tree measures the removal (270 ms for Write alone, against 18
# ms on tmpfs and 76 ms on ext4 with a journal; docs/performance.md).
# Mean wall and CPU time of $runs runs after one warm-up, as hyperfine's.
mkdir -p "$tmp/fresh"
: >"$tmp/fresh.times"
for i in $(seq 0 "$runs"); do
  t0=$EPOCHREALTIME
  /usr/bin/time -f '%U %S' -o "$tmp/fresh.cpu" "$bin" build -f "$dir" -o "$tmp/fresh/$i" >/dev/null 2>&1 ||
    { echo "bench: failed: build into an empty directory" >&2; exit 1; }
  t1=$EPOCHREALTIME
  ((i > 0)) && echo "$t0 $t1 $(tail -n 1 "$tmp/fresh.cpu")" >>"$tmp/fresh.times"
done
a=$(awk '{s += $2 - $1} END {print s / NR}' "$tmp/fresh.times")
c=$(awk '{s += $3 + $4} END {printf "%.0f ms", s / NR * 1000}' "$tmp/fresh.times")
echo "| build, $build_n components × 4 platforms, empty directory | $(ms "$a") (CPU $c) | | | | | ≤ 0.5 s | $(verdict "$a" 0.5) |"
echo
echo "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), kustomize $("$kustomize" version 2>/dev/null | head -1); mean of $runs runs; ratio: median of $pairs paired rounds; load average $(cut -d' ' -f1-3 /proc/loadavg)"
