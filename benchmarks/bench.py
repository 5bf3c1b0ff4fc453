#!/usr/bin/env python3
"""Nimbus's benchmark suite: every scenario beside its baseline, measured in the same run.

Run it through `benchmarks/run.sh` (installs wrk and nginx, builds, makes the SDK venv). Directly:

    tests/interop/.venv/bin/python benchmarks/bench.py --bin .build/release/nimbus [--quick] [--only http,cold]

It starts its own `nimbus serve` processes (fresh data dirs, 127.0.0.1 only), deploys its fixture
functions, prints one table per scenario and writes JSON (and a Markdown copy of the tables).

Scenarios (names for --only/--skip): http, invoke, payload, cold, burst, density.
"""

# The scenarios live in benchmarks/scenarios (one module each), what they share in benchmarks/benchlib; every
# `nimbus serve` is started by tests/nimbus_serve.py (benchlib/servers.py).

import argparse
import os
import shutil
import signal
import sys

from benchlib.suite import Suite
from scenarios import SCENARIOS

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--bin', default=os.path.join(REPO, '.build/release/nimbus'))
    parser.add_argument('--json', default=os.path.join(HERE, 'results', 'latest.json'))
    parser.add_argument('--quick', action='store_true', help='shorter runs and smaller sizes (development)')
    parser.add_argument('--only', type=lambda s: s.split(','), default=[])
    parser.add_argument('--skip', type=lambda s: s.split(','), default=[])
    parser.add_argument('--connections', type=int, default=16, help='wrk connections for throughput')
    parser.add_argument('--cold', type=int, default=10, help='cold starts per runtime')
    parser.add_argument('--cold-spacing', type=float, default=0.5, help='seconds between cold-start samples')
    parser.add_argument('--burst', type=int, default=200, help='concurrent first calls')
    parser.add_argument('--hold-ms', type=int, default=1000, help='how long each burst call keeps its instance')
    parser.add_argument('--functions', type=int, default=1000)
    parser.add_argument('--warm', type=int, default=200)
    args = parser.parse_args()
    if not shutil.which('wrk'):
        sys.exit('wrk is not installed (benchmarks/run.sh installs it)')
    if not os.access(args.bin, os.X_OK):
        sys.exit('no nimbus binary at %s' % args.bin)
    suite = Suite(args, SCENARIOS)

    def terminate(signum, frame):
        raise KeyboardInterrupt()

    signal.signal(signal.SIGTERM, terminate)
    try:
        return suite.run()
    except KeyboardInterrupt:  # run() has stopped what it started
        print('\ninterrupted', file=sys.stderr)
        shutil.rmtree(suite.workdir, ignore_errors=True)
        return 130


if __name__ == '__main__':
    sys.exit(main())
