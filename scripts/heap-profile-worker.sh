#!/usr/bin/env bash
# Heap-profiles the worker under `meetflow bench` load with heaptrack (Debian heaptrack): the
# bench starts its worker with heaptrack's preload library (`--worker-env`), and heaptrack's
# interpreter writes the profile while the bench runs. heaptrack's own `-p` (attach with gdb)
# fails on CPUs whose register state gdb 13 cannot write (AMX), hence the preload.
#
#   scripts/heap-profile-worker.sh BINARY OUTPUT [bench options…]
#
# Writes OUTPUT.zst (read it with `heaptrack_print OUTPUT.zst`, e.g. `--print-peaks` or
# `--flamegraph-cost-type peak -F stacks.txt`) and OUTPUT.bench.log (the bench's lines; its
# CPU and RSS figures include heaptrack's cost). BINARY needs symbols: see
# scripts/profile-worker.sh. Defaults: `--server memory --path cancel --lifecycles 100
# --sequential 5 --no-floor --open-workflows 1000`.
set -euo pipefail
bin="$(realpath "${1:?usage: heap-profile-worker.sh BINARY OUTPUT [bench options…]}")"
out="$(realpath -m "${2:?usage: heap-profile-worker.sh BINARY OUTPUT [bench options…]}")"
shift 2
bench_args=("$@")
[ ${#bench_args[@]} -gt 0 ] || bench_args=(--server memory --path cancel --lifecycles 100
  --sequential 5 --no-floor --open-workflows 1000)
libexec=/usr/lib/heaptrack/libexec
preload=/usr/lib/heaptrack/libheaptrack_preload.so
[ -r "$preload" ] || { echo "heap-profile-worker: $preload missing (apt-get install heaptrack)" >&2; exit 1; }
work="$(mktemp -d)"
mkfifo "$work/fifo"
"$libexec/heaptrack_interpret" < "$work/fifo" | zstd -q -c > "$out.zst" &
interpreter=$!
# A bench that fails before its worker opens the FIFO would leave the interpreter waiting: open
# it once from here, so the interpreter sees end of file either way.
trap '{ exec 3<>"$work/fifo"; exec 3>&-; }; wait "$interpreter" 2>/dev/null || true; rm -rf "$work"' EXIT
"$bin" bench "${bench_args[@]}" --dir "$work/bench" \
  --worker-env "LD_PRELOAD=$preload" --worker-env "DUMP_HEAPTRACK_OUTPUT=$work/fifo" \
  > "$out.bench.log" 2>&1 || { cat "$out.bench.log" >&2; exit 1; }
echo "heap-profile-worker: $out.zst (heaptrack_print $out.zst)" >&2
