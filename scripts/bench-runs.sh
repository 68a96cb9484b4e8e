#!/usr/bin/env bash
# Repeated `meetflow bench` runs and the multiple of their means (scripts/bench_runs.py): one run's
# worker-to-floor multiple moves by ±15 % and more on a shared 2-core box, so a target or a
# before/after comparison is read from several.
#
#   scripts/bench-runs.sh [-n RUNS] BINARY [BINARY…] [-- bench options…]
#
# With several binaries (e.g. before and after a change, release builds) it alternates them run
# by run, so each sees the box's slow and fast minutes alike, and summarises each apart. Default
# bench options: `--server memory --path cancel --lifecycles 300 --concurrency 20`; the script
# adds `--open-workflows 1 --json --dir …`. Each run gets a new folder under
# BENCH_RUNS_DIR (default .meetflow/bench-runs/<time>) and nothing is deleted: on ext4 without a
# journal a deletion makes file creation dearer for minutes after (docs/performance.md), which
# would land in the next run's worker CPU. Remove old folders well before measuring.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$ROOT/scripts/bench-lib.sh"
runs=5
if [ "${1:-}" = "-n" ]; then
  runs="${2:?-n needs a number}"
  shift 2
fi
binaries=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
  binaries+=("$(realpath "$1")")
  shift
done
[ "${1:-}" = "--" ] && shift
[ ${#binaries[@]} -gt 0 ] || { sed -n '2,14p' "$0" >&2; exit 2; }
bench_args=("$@")
[ ${#bench_args[@]} -gt 0 ] || bench_args=("${BENCH_LOAD[@]}")
out="${BENCH_RUNS_DIR:-$ROOT/.meetflow/bench-runs/$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$out"
echo "bench-runs: $runs × ${#binaries[@]} binaries, ${bench_args[*]}, in $out" >&2

reports=()
for run in $(seq 1 "$runs"); do
  for b in "${!binaries[@]}"; do
    label="$(basename "${binaries[$b]}")"
    [ ${#binaries[@]} -gt 1 ] && label="$b:$label"
    dir="$out/${b}-run-$run"
    "${binaries[$b]}" bench "${bench_args[@]}" --open-workflows 1 --json --dir "$dir" \
      > "$dir.json" 2> "$dir.log" || { cat "$dir.log" >&2; exit 1; }
    { grep -h "worker CPU" "$dir.log" || echo "no floor figures (see $dir.log)"; } \
      | sed "s|^ *|bench-runs: $label run $run: |" >&2
    reports+=("$label=$dir.json")
  done
done
python3 "$ROOT/scripts/bench_runs.py" "${reports[@]}"
