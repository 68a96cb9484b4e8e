#!/usr/bin/env bash
# The TypeScript client (clients/typescript): generate its types from proto/, compile with tsc
# (strict), type-check its README's example, then run its tests with Node's test runner against
# `meetflow dev --ephemeral` stacks on free ports — the binary scripts/setup.sh built, found
# through CARGO_TARGET_DIR as scripts/meetflow finds it. Run after scripts/setup.sh (which
# installs the npm packages).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/meetflow/target}"
DIR="$ROOT/clients/typescript"
[ -d "$DIR/node_modules" ] || { echo "clients/typescript has no node_modules: run scripts/setup.sh" >&2; exit 1; }
[ -x "$CARGO_TARGET_DIR/debug/meetflow" ] || { echo "meetflow is not built: run scripts/setup.sh" >&2; exit 1; }
cd "$DIR"
npm run --silent build
npm run --silent check-readme
npm test --silent
