#!/usr/bin/env bash
# Runs the Python interoperability suite (official aliyun-fc2 and alibabacloud_fc_open20210406 SDKs against a
# real nimbus server).
# Usage: tests/interop/run.sh [extra pytest args]   env: NIMBUS_BIN (default .build/debug/nimbus)
set -euo pipefail

# Resolve a relative NIMBUS_BIN against the caller's cwd before moving to the repo root.
if [[ -n "${NIMBUS_BIN:-}" && "${NIMBUS_BIN}" != /* ]]; then
    NIMBUS_BIN="$(pwd)/${NIMBUS_BIN}"
fi

cd "$(dirname "$0")/../.."
export NIMBUS_BIN="${NIMBUS_BIN:-$(pwd)/.build/debug/nimbus}"

venv=tests/interop/.venv
if [[ ! -x "$venv/bin/python" ]]; then
    python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r tests/interop/requirements.txt

exec "$venv/bin/python" -m pytest -q tests/interop "$@"
