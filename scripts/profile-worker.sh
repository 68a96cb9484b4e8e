#!/usr/bin/env bash
# Profiles the worker under `meetflow bench` load: runs the bench with the given binary, attaches
# `perf record` (Debian linux-perf; software clock, DWARF call graphs) to the bench's worker
# process for SECONDS, then prints the CPU shares by cost (scripts/profile_groups.py).
#
#   scripts/profile-worker.sh BINARY [SECONDS] [bench options…]
#
# BINARY needs symbols and line tables: build it with
#   CARGO_PROFILE_RELEASE_DEBUG=line-tables-only CARGO_PROFILE_RELEASE_STRIP=none \
#     cargo build --release -p meetflow
# Defaults: 25 s of a `--server memory --path cancel --lifecycles 300 --concurrency 20` run. The
# script itself passes `--sequential 5 --open-workflows 1 --no-floor --dir …` (a short run, no
# footprint or floor phase): bench options must not repeat those.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$ROOT/scripts/bench-lib.sh"
bin="$(realpath "${1:?usage: profile-worker.sh BINARY [SECONDS] [bench options…]}")"
seconds="${2:-25}"
shift $(( $# >= 2 ? 2 : 1 ))
bench_args=("$@")
[ ${#bench_args[@]} -gt 0 ] || bench_args=("${BENCH_LOAD[@]}")
work="$(mktemp -d)"
trap 'kill "$bench" 2>/dev/null || true; wait "$bench" 2>/dev/null || true; rm -rf "$work"' EXIT

"$bin" bench "${bench_args[@]}" --sequential 5 --open-workflows 1 --no-floor \
  --dir "$work/bench" > "$work/bench.log" 2>&1 &
bench=$!
worker="$(bench_process "$bin" worker "$bench" "$work/bench.log")"
perf "${PROFILE_RECORD[@]}" -p "$worker" -o "$work/perf.data" -- sleep "$seconds" 2>/dev/null
wait "$bench"
grep -E "lifecycles/s|CPU-seconds" "$work/bench.log" >&2 || true
perf script -i "$work/perf.data" --no-inline -F comm,ip,sym 2>/dev/null \
  | python3 "$ROOT/scripts/profile_groups.py"
