"""What bench.py's scenarios (benchmarks/scenarios) share; the other benchmark scripts use some of it too.

fixtures: credentials, API prefix, fixture function code. measure: statistics, formatting, /proc and cgroups.
net: ports, HTTP clients, an instance's host port. wrk: load runs. servers: Nimbus (through tests/nimbus_serve.py),
the nginx proxy baseline, other Nimbus servers on the host. baselines: programs run unsandboxed on the host.
report: tables, machine description, targets, Markdown. suite: the run of the scenarios.
"""

import os
import sys

# tests/nimbus_serve.py, the one launcher of `nimbus serve` (shared with the tests)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), 'tests'))
