#!/usr/bin/env python3
"""What recording an invocation costs: the same warm sync invocation of a trivial python3 function
against Nimbus with metering on and with NIMBUS_METERING=off, in alternating rounds of the same run.

    tests/interop/.venv/bin/python benchmarks/metering_overhead.py [--bin .build/release/nimbus] [--rounds 3]

Prints p50/p99 at one connection, throughput at 16, and Nimbus's CPU time per request. Needs wrk.
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import zipfile

from benchlib.wrk import wrk, wrk_script
from local_nimbus import local_nimbus

TRIVIAL = 'def handler(event, context):\n    return "ok"\n'


def server_pid(endpoint):
    port = endpoint.rsplit(':', 1)[1]
    for pid in os.listdir('/proc'):
        if not pid.isdigit():
            continue
        try:
            cmdline = open('/proc/%s/cmdline' % pid, 'rb').read().split(b'\0')
        except OSError:
            continue
        if b'serve' in cmdline and port.encode() in cmdline:
            return int(pid)
    raise RuntimeError('nimbus process not found')


def measure(binary, workdir, seconds, metering):
    package = os.path.join(workdir, 'f.zip')
    with zipfile.ZipFile(package, 'w') as archive:
        archive.writestr('index.py', TRIVIAL)
    with local_nimbus(binary, NIMBUS_METERING='on' if metering else 'off') as (endpoint, client):
        client.create_service('bench')
        client.create_function('bench', 'trivial', 'python3', 'index.handler', codeZipFile=package)
        client.invoke_function('bench', 'trivial')
        path = '/2016-08-15/services/bench/functions/trivial/invocations'
        headers = client._build_common_headers('POST', path, {})
        headers.pop('content-length', None)
        script = wrk_script(workdir, 'POST', '{}', headers)
        pid = server_pid(endpoint)
        cpu = {'nimbus': lambda: [pid]}
        latency = wrk(endpoint + path, script, threads=1, connections=1, seconds=seconds, cpu_of=cpu)
        load = wrk(endpoint + path, script, threads=2, connections=16, seconds=seconds, cpu_of=cpu)
        return latency, load


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--bin', default='.build/release/nimbus')
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--seconds', type=int, default=4)
    args = parser.parse_args()
    if not shutil.which('wrk'):
        sys.exit('wrk is missing: run benchmarks/run.sh once, or apt-get install wrk')
    workdir = tempfile.mkdtemp(prefix='nimbus-metering-')
    results = {True: [], False: []}
    for _ in range(args.rounds):
        for metering in (False, True):
            results[metering].append(measure(os.path.abspath(args.bin), workdir, args.seconds, metering))

    def med(metering, index, key, sub=None):
        values = [r[index][key][sub] if sub else r[index][key] for r in results[metering]]
        return statistics.median(values)

    print('Metering overhead: warm sync invocation of a trivial python3 function, %d rounds of %d s, medians'
          % (args.rounds, args.seconds))
    print('%-34s %14s %14s %8s' % ('', 'metering off', 'metering on', 'on/off'))
    rows = [('p50 latency, 1 connection (us)', 0, 'p50', None), ('p99 latency, 1 connection (us)', 0, 'p99', None),
            ('throughput, 16 connections (req/s)', 1, 'rps', None),
            ('nimbus CPU per request, c16 (us)', 1, 'cpu_us_per_req', 'nimbus')]
    for label, index, key, sub in rows:
        off, on = med(False, index, key, sub), med(True, index, key, sub)
        print('%-34s %14.1f %14.1f %8.3f' % (label, off, on, on / off if off else float('nan')))
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == '__main__':
    main()
