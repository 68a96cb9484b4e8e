#!/usr/bin/env bash
# Validates the Kubernetes manifests in deploy/k8s (CI): every object against its schema
# (Kubernetes' strict schemas; the KEDA and Prometheus Operator CRDs), the facts the objects
# and the worker's TOML must share, then a self-test that breaks copies of the manifests and
# fails unless each break is caught. Needs the Python test peers (scripts/setup.sh installs
# them into .venv). See scripts/check_deploy.py for exactly what is checked.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
exec "$ROOT/.venv/bin/python" "$ROOT/scripts/check_deploy.py" --self-test "$ROOT/deploy/k8s"
