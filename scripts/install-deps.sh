#!/usr/bin/env bash
# Installs the system packages Nimbus builds and tests with (Debian). Safe to run again.
set -euo pipefail
# openssl and curl: the HTTPS custom-domain test makes a certificate and calls it as a user would.
# chromium and chromium-driver: the console test drives a real browser.
# passt (pasta): instances reach the internet from their own network namespaces; iproute2: the network
# tests build an "outside" network namespace to reach.
# python3-pip: `nimbus build` runs /usr/bin/python3 -m pip, the python3 runtime's own interpreter.
packages=(libsqlite3-dev zlib1g-dev bubblewrap passt iproute2 util-linux procps openssl curl chromium chromium-driver
    python3-pip)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
# npm for `nimbus build`: NodeSource's nodejs ships its own npm, which Debian's npm package conflicts with.
command -v npm >/dev/null || missing+=(npm)
if ((${#missing[@]})); then
    echo "installing: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
