#!/usr/bin/env bash
# The embedded default: set up once, then `meetflow dev` (Temporal dev server + Web UI, Graph
# emulator, SQLite, mail outbox, worker — all on loopback). Extra arguments go to `meetflow dev`.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/scripts/setup.sh" --dev
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/meetflow/target}"
cd "$ROOT"
exec "$ROOT/scripts/meetflow" dev "$@"
