#!/usr/bin/env bash
# Nimbus's benchmark suite in one command (see docs/benchmarks.md):
#
#   benchmarks/run.sh                  # install wrk + nginx, build release, run every scenario (~2.5 min + build)
#   benchmarks/run.sh --quick          # shorter runs and smaller sizes (~1 min)
#   benchmarks/run.sh --only http,cold # some scenarios: http, invoke, payload, cold, burst, density
#
# Environment: NIMBUS_SKIP_BUILD=1 uses an existing binary, NIMBUS_BIN (default .build/release/nimbus);
# NIMBUS_PYTHON / NIMBUS_NODE as for `nimbus serve`. Output: a table per scenario on stdout,
# benchmarks/results/latest.json and latest.md. Needs root (Nimbus sandboxes instances), Debian packages,
# Swift, Python 3 and Node.js. Every server it starts listens on 127.0.0.1 and is stopped at exit.
set -euo pipefail

if [[ -n "${NIMBUS_BIN:-}" && "${NIMBUS_BIN}" != /* ]]; then NIMBUS_BIN="$(pwd)/${NIMBUS_BIN}"; fi
cd "$(dirname "$0")/.."
root=$(pwd)

if [[ $(id -u) -ne 0 ]]; then
    echo "benchmarks/run.sh: run as root (Nimbus runs instances in bubblewrap sandboxes with cgroups)" >&2
    exit 1
fi

# 1. What the suite needs from Debian: Nimbus's own build/sandbox packages, then wrk and nginx.
scripts/install-deps.sh
missing=()
command -v wrk >/dev/null || missing+=(wrk)
[[ -x /usr/sbin/nginx ]] || missing+=(nginx)
command -v node >/dev/null || missing+=(nodejs)
python3 -c 'import ensurepip' 2>/dev/null || missing+=(python3-venv)
if ((${#missing[@]})); then
    echo "installing: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# 2. Release build (nimbus and nimbus-init), unless told to use an existing binary.
if [[ "${NIMBUS_SKIP_BUILD:-0}" == 1 ]]; then
    NIMBUS_BIN="${NIMBUS_BIN:-$root/.build/release/nimbus}"
    echo "using $NIMBUS_BIN (NIMBUS_SKIP_BUILD=1)"
else
    swift build -c release
    NIMBUS_BIN="${NIMBUS_BIN:-$root/.build/release/nimbus}"
fi
[[ -x "$NIMBUS_BIN" ]] || { echo "no nimbus binary at $NIMBUS_BIN" >&2; exit 1; }

# 3. The official Python SDK (aliyun-fc2), in the interop suite's virtualenv.
venv=tests/interop/.venv
if ! "$venv/bin/python" -c 'import fc2' 2>/dev/null; then
    tests/interop/run.sh --version >/dev/null
fi

# 4. Run. bench.py stops what it starts; the trap also kills, by process group, every server it recorded.
pidfile=$(mktemp /tmp/nimbus-bench-pids.XXXXXX)
bench=""
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    if [[ -n "$bench" ]] && kill -0 "$bench" 2>/dev/null; then
        kill -TERM "$bench" 2>/dev/null || true
        for _ in $(seq 1 100); do kill -0 "$bench" 2>/dev/null || break; sleep 0.1; done
    fi
    while read -r pid; do
        [[ -n "$pid" ]] || continue
        kill -TERM -- "-$pid" 2>/dev/null || true
    done <"$pidfile"
    sleep 0.5
    while read -r pid; do
        [[ -n "$pid" ]] || continue
        kill -KILL -- "-$pid" 2>/dev/null || true
    done <"$pidfile"
    rm -f "$pidfile"
    exit "$status"
}
trap cleanup EXIT INT TERM

NIMBUS_BENCH_PIDFILE="$pidfile" "$venv/bin/python" -u benchmarks/bench.py --bin "$NIMBUS_BIN" "$@" &
bench=$!
wait "$bench"

# The event path and metering, each beside its own baseline (docs/benchmarks.md, docs/events.md).
if [[ -z "${NIMBUS_BENCH_SKIP_EXTRA:-}" ]]; then
    echo
    "$venv/bin/python" -u benchmarks/async_throughput.py --bin "$NIMBUS_BIN" | tee benchmarks/results/async-latest.txt
    echo
    "$venv/bin/python" -u benchmarks/metering_overhead.py --bin "$NIMBUS_BIN" | tee benchmarks/results/metering-latest.txt
fi
