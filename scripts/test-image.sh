#!/usr/bin/env bash
# The worker image, checked without a registry (CI): builds the release binary, makes an image
# FROM scratch with buildah holding the binary, the shared libraries `ldd` lists (and the
# loader), the CA bundle and a writable /tmp for user 10001, with the entrypoint, user and
# ports of deploy/Dockerfile. Then, with podman:
#   1. `meetflow --version` in the image prints the version of the binary that went in;
#   2. `meetflow worker` in the image, against a Temporal dev server on the host, becomes ready
#      (/readyz: the server lists it among the task queue's pollers) and exits 0 on SIGTERM.
# deploy/Dockerfile builds the same layout from a Rust image and distroless where a registry is
# reachable; this script is how a machine without one checks it.
#
# Containers run with runc and explicit rlimits: on the project's machines (a container with a
# hybrid cgroup v1 layout and no CAP_SYS_RESOURCE) crun refuses hybrid cgroups and podman's
# default rlimits (nofile 1048576, nproc at the host's maximum) cannot be set.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/meetflow/target}"
cd "$ROOT"

log() { printf 'test-image: %s\n' "$*" >&2; }
fail() { log "FAILED: $*"; exit 1; }

for tool in buildah podman runc; do
  command -v "$tool" >/dev/null || fail "$tool is not installed (scripts/setup.sh installs it)"
done
TEMPORAL="$ROOT/.venv/bin/temporal"
[ -x "$TEMPORAL" ] || fail "no Temporal CLI at $TEMPORAL (run scripts/setup.sh)"

# IMAGE_PROFILE=debug packs the debug build instead: CI does, because a release build (the
# Temporal SDK, then the whole binary as one LTO unit) took 18 min from clean on 2 cores beside
# another build, and what this checks (the image's layout, libraries, user, entrypoint and
# ports) doesn't depend on the optimisation level.
PROFILE="${IMAGE_PROFILE:-release}"
case "$PROFILE" in
  release) log "building the release binary"; cargo build --release --locked --quiet -p meetflow ;;
  debug) log "building the debug binary"; cargo build --locked --quiet -p meetflow ;;
  *) fail "IMAGE_PROFILE must be release or debug, not $PROFILE" ;;
esac
BIN="$CARGO_TARGET_DIR/$PROFILE/meetflow"
IMAGE="localhost/meetflow:test-image"
WORK="$(mktemp -d)"
CONTAINER="meetflow-test-image-$$"
TEMPORAL_PID=""
cleanup() {
  podman --runtime runc rm -f "$CONTAINER" >/dev/null 2>&1 || true
  podman rmi -f "$IMAGE" >/dev/null 2>&1 || true
  [ -n "${CTR:-}" ] && buildah rm "$CTR" >/dev/null 2>&1 || true
  [ -n "$TEMPORAL_PID" ] && kill "$TEMPORAL_PID" 2>/dev/null && wait "$TEMPORAL_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

log "building $IMAGE from scratch"
CTR="$(buildah from scratch)"
buildah copy --quiet "$CTR" "$BIN" /usr/local/bin/meetflow >/dev/null
# At the paths the binary asks for, the content of the files they resolve to.
for lib in $(ldd "$BIN" | grep -o '/[^ ]*'); do
  buildah copy --quiet "$CTR" "$(readlink -f "$lib")" "$lib" >/dev/null
done
buildah copy --quiet "$CTR" /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ >/dev/null
mkdir "$WORK/tmp"
buildah copy --quiet --chown 10001:10001 "$CTR" "$WORK/tmp" /tmp >/dev/null
buildah config --user 10001:10001 --workingdir /tmp --env MEETFLOW_LOG_FORMAT=json \
  --port 8081 --port 8082 --port 8090 --port 9464 \
  --entrypoint '["/usr/local/bin/meetflow", "worker"]' --cmd '' "$CTR"
buildah commit --quiet --rm "$CTR" "$IMAGE" >/dev/null
CTR=""

run() {
  podman --runtime runc run --ulimit nofile=1024:1024 --ulimit nproc=4096:4096 "$@"
}

want="$("$BIN" --version)"
got="$(run --rm --entrypoint /usr/local/bin/meetflow "$IMAGE" --version)" \
  || fail "meetflow --version did not run in the image"
[ "$got" = "$want" ] || fail "meetflow --version in the image printed '$got', expected '$want'"
log "ok: meetflow --version in the image: $got"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
TEMPORAL_PORT="$(free_port)"
HEALTH_PORT="$(free_port)"
"$TEMPORAL" server start-dev --headless --ip 127.0.0.1 --port "$TEMPORAL_PORT" \
  --log-level warn >"$WORK/temporal.log" 2>&1 &
TEMPORAL_PID=$!
# The worker does not wait for a server that is not up yet: it exits.
for _ in $(seq 1 120); do
  (exec 3<>"/dev/tcp/127.0.0.1/$TEMPORAL_PORT") 2>/dev/null && break
  sleep 0.5
done
(exec 3<>"/dev/tcp/127.0.0.1/$TEMPORAL_PORT") 2>/dev/null \
  || fail "the Temporal dev server did not listen within 60 s: $(cat "$WORK/temporal.log")"

run -d --name "$CONTAINER" --network host \
  -e TEMPORAL_ADDRESS="127.0.0.1:$TEMPORAL_PORT" \
  -e MEETFLOW_WORKER__HEALTH_LISTEN="127.0.0.1:$HEALTH_PORT" \
  -e MEETFLOW_WORKER__GRACEFUL_SHUTDOWN_SECS=2 \
  "$IMAGE" >/dev/null || fail "meetflow worker did not start in the image"

status() {
  python3 - "$1" <<'EOF'
import sys, urllib.request, urllib.error
try:
    print(urllib.request.urlopen(sys.argv[1], timeout=5).status)
except urllib.error.HTTPError as e:
    print(e.code)
except OSError:
    print(0)
EOF
}
ready=""
for _ in $(seq 1 120); do
  if [ "$(status "http://127.0.0.1:$HEALTH_PORT/readyz")" = 200 ]; then ready=1; break; fi
  [ "$(podman --runtime runc inspect -f '{{.State.Running}}' "$CONTAINER")" = true ] || break
  sleep 0.5
done
if [ -z "$ready" ]; then
  podman --runtime runc logs "$CONTAINER" >&2 || true
  fail "meetflow worker in the image did not become ready (/readyz) within 60 s"
fi
[ "$(status "http://127.0.0.1:$HEALTH_PORT/healthz")" = 200 ] || fail "/healthz did not answer 200"
log "ok: meetflow worker in the image polls the dev server (/readyz 200, /healthz 200)"

podman --runtime runc stop --time 20 "$CONTAINER" >/dev/null
code="$(podman --runtime runc inspect -f '{{.State.ExitCode}}' "$CONTAINER")"
if [ "$code" != 0 ]; then
  podman --runtime runc logs "$CONTAINER" >&2 || true
  fail "meetflow worker exited $code on SIGTERM, expected 0"
fi
log "ok: meetflow worker in the image exited 0 on SIGTERM"
echo "test-image: 3 passed, 0 failed"
