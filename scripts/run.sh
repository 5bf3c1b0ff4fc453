#!/usr/bin/env bash
# Builds Nimbus (release) and runs it in the foreground on http://127.0.0.1:${NIMBUS_PORT:-8080}.
# The first start generates credentials and prints them with a ready-to-paste SDK snippet.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -c release  # nimbus and nimbus-init, which starts every instance
exec .build/release/nimbus serve "$@"
