#!/usr/bin/env bash
# What meetflow's worker adds to the same-shape floor, by cost: runs one `meetflow bench` with
# its floor, records the worker process (`perf record`, as scripts/profile-worker.sh) from its
# start until the floor worker starts, then the floor worker for its whole life, and prints each
# cost's CPU-ms per lifecycle for both and the difference (scripts/profile_groups.py --compare).
#
#   scripts/profile-vs-floor.sh BINARY [bench options…]
#
# BINARY needs symbols and line tables (see scripts/profile-worker.sh). Defaults: `--server
# memory --path cancel --lifecycles 300 --concurrency 20`; the script passes `--sequential 0
# --open-workflows 1 --json --dir …` itself, so both workers run the same lifecycles (each
# recording also holds its worker's start-up and 2 s idle), and takes their number from the
# bench's report. Figures include perf's own cost (DWARF unwinding about doubles a process's
# CPU): compare them with each other, not with the bench's.
#
# PROFILE_KEEP=DIR keeps the run in DIR instead of a temporary folder that is removed at the end:
# the bench's folder, its report and log, and both workers' perf recordings with their `perf
# script` texts (worker.txt, floor.txt) for a closer look. Keeping also spares the next run the
# deletion (ext4 without a journal creates files more slowly for minutes after one;
# docs/performance.md).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$ROOT/scripts/bench-lib.sh"
bin="$(realpath "${1:?usage: profile-vs-floor.sh BINARY [bench options…]}")"
shift
bench_args=("$@")
[ ${#bench_args[@]} -gt 0 ] || bench_args=("${BENCH_LOAD[@]}")
if [ -n "${PROFILE_KEEP:-}" ]; then
  work="$PROFILE_KEEP"
  mkdir -p "$work"
  keep=1
else
  work="$(mktemp -d)"
  keep=0
fi
bench=""
trap '[ -n "$bench" ] && kill "$bench" 2>/dev/null; wait 2>/dev/null; [ "$keep" = 1 ] || rm -rf "$work"' EXIT

"$bin" bench "${bench_args[@]}" --sequential 0 --open-workflows 1 --json --dir "$work/bench" \
  > "$work/bench.json" 2> "$work/bench.log" &
bench=$!
# perf itself in the background (not a function's subshell), so the INT reaches it and it
# writes its file out before the script reads it.
worker="$(bench_process "$bin" worker "$bench" "$work/bench.log")"
perf "${PROFILE_RECORD[@]}" -p "$worker" -o "$work/worker.data" 2>/dev/null &
worker_perf=$!
floor="$(bench_process "$bin" bench-floor-worker "$bench" "$work/bench.log")"
kill -INT "$worker_perf"
wait "$worker_perf" || true
perf "${PROFILE_RECORD[@]}" -p "$floor" -o "$work/floor.data" 2>/dev/null &
floor_perf=$!
wait "$bench"
bench=""
kill -INT "$floor_perf" 2>/dev/null || true
wait "$floor_perf" || true
grep -E "lifecycles/s|worker CPU" "$work/bench.log" >&2 || true
lifecycles="$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["lifecycles"])' \
  "$work/bench.json")"
for side in worker floor; do
  perf script -i "$work/$side.data" --no-inline -F comm,ip,sym 2>/dev/null > "$work/$side.txt"
done
python3 "$ROOT/scripts/profile_groups.py" --compare "$work/worker.txt" "$work/floor.txt" \
  --lifecycles "$lifecycles" --hz "$PROFILE_HZ"
