# Sourced by the scripts that drive `meetflow bench` (profile-worker.sh, profile-vs-floor.sh,
# bench-runs.sh): their default load, how they find a bench's worker processes and how they
# record them with perf (Debian linux-perf; software clock, DWARF call graphs, so it works where
# hardware counters are not exposed).

# The load docs/performance.md's worker-CPU figures are measured under (issue #14).
BENCH_LOAD=(--server memory --path cancel --lifecycles 300 --concurrency 20)

PROFILE_HZ=1999
PROFILE_RECORD=(record -q -e cpu-clock -F "$PROFILE_HZ" --call-graph dwarf,32768)

# bench_process BINARY ARGS BENCH_PID LOG: prints the pid of the newest process of BINARY whose
# arguments start with ARGS once one runs (waiting up to 10 min); fails, showing the bench's LOG,
# if the bench ends first.
bench_process() {
  local bin=$1 args=$2 bench=$3 log=$4 pid
  for _ in $(seq 1 6000); do
    pid="$(pgrep -f -n "^$bin $args" || true)"
    [ -n "$pid" ] && { echo "$pid"; return 0; }
    kill -0 "$bench" 2>/dev/null || { cat "$log" >&2; return 1; }
    sleep 0.1
  done
  echo "$(basename "$0"): the bench started no '$args' process" >&2
  return 1
}
