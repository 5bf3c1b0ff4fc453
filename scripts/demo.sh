#!/usr/bin/env bash
# The catalogue demo in one command: build Nimbus, start it, deploy the catalogue, keep serving.
# Usage: scripts/demo.sh      (Ctrl-C stops the server)
# env:   NIMBUS_PORT (default 8080)   NIMBUS_DATA_DIR (default ./.nimbus at the repository root)
#        NIMBUS_SKIP_BUILD=1 with NIMBUS_BIN=<path> runs an existing binary instead of building one.
set -euo pipefail

cd "$(dirname "$0")/.."  # repository root
example_dir="$PWD/examples/catalog"
port="${NIMBUS_PORT:-8080}"
data_dir="${NIMBUS_DATA_DIR:-./.nimbus}"
endpoint="http://127.0.0.1:${port}"
python=tests/interop/.venv/bin/python
export NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}" no_proxy="127.0.0.1,localhost${no_proxy:+,$no_proxy}"

die() { echo "demo: $*" >&2; exit 1; }
healthy() { curl -fsS --noproxy '*' --max-time 2 "$endpoint/health" >/dev/null 2>&1; }

command -v curl >/dev/null || die "needs curl"
scripts/install-deps.sh
if [[ "${NIMBUS_SKIP_BUILD:-}" == 1 ]]; then
    bin="${NIMBUS_BIN:-.build/release/nimbus}"
else
    swift build -c release
    bin=.build/release/nimbus
fi
[[ -x "$bin" ]] || die "no nimbus executable at $bin"
tests/interop/run.sh --version >/dev/null  # creates tests/interop/.venv with the aliyun-fc2 SDK (for deploy.py)
healthy && die "something already answers on $endpoint; stop it or choose another NIMBUS_PORT"

# The server writes to this terminal; Ctrl-C (or SIGTERM) is forwarded to it as SIGTERM.
"$bin" serve --host 127.0.0.1 --port "$port" --data-dir "$data_dir" &
server=$!
stop() {
    trap - INT TERM EXIT
    if kill -0 "$server" 2>/dev/null; then
        kill -TERM "$server" 2>/dev/null || true
        wait "$server" || true
    fi
}
trap 'stop; exit 130' INT
trap 'stop; exit 143' TERM
trap stop EXIT  # also when a step below fails

for ((i = 0; ; i++)); do  # up to 30 s
    healthy && break
    kill -0 "$server" 2>/dev/null || die "nimbus exited before answering $endpoint/health"
    ((i < 150)) || die "nimbus did not answer $endpoint/health within 30 s"
    sleep 0.2
done

# The project's s.yaml is all it takes; keys come from the data dir's credentials.json.
"$bin" deploy "$example_dir" --endpoint "$endpoint" --data-dir "$data_dir"
cat <<EOF

Try it:
  curl http://catalog.localhost:$port/items            # list-items, through the custom domain
  curl http://catalog.localhost:$port/items/3          # get-item
  curl http://catalog.localhost:$port/                 # the unchanged webapp
  curl $endpoint/2016-08-15/proxy/catalog/stats/
  $bin metrics catalog --data-dir $data_dir --endpoint $endpoint
Console: $endpoint/console (the key pair or the token printed above)
The SDK deploy script does the same: $python examples/catalog/deploy.py --endpoint $endpoint --data-dir $data_dir

Nimbus is serving the catalogue on $endpoint (data in $data_dir). Ctrl-C stops it.
EOF
wait "$server"
