#!/usr/bin/env bash
# The whole test suite: format lint, Swift tests (core, store contract, live server) and the
# Python SDK interop suite against a real `nimbus serve`. Installs what it needs.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh

echo "== swift format lint"
swift format lint --strict -r Sources Tests Package.swift

echo "== swift build"
swift build --build-tests

echo "== swift test"
swift test --skip-build

echo "== runtime shims (python3, nodejs) against their contract"
tests/interop/run.sh --version >/dev/null  # makes the virtualenv with pytest
tests/interop/.venv/bin/python -m pytest -q -p no:cacheprovider tests/runtimes

echo "== interop: aliyun-fc2 against nimbus serve"
NIMBUS_BIN="$PWD/.build/debug/nimbus" tests/interop/run.sh
