#!/usr/bin/env bash
# Every test: set up (installs what is missing, starts PostgreSQL), the TypeScript client's tests
# (scripts/test-ts.sh), then the whole workspace's tests. Each end-to-end test starts and stops
# its own Temporal dev server and Graph emulator.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/scripts/setup.sh"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/meetflow/target}"
cd "$ROOT"
scripts/test-ts.sh
cargo test --workspace --no-fail-fast "$@"
