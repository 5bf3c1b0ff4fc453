#!/usr/bin/env python3
"""Scale-out and back to zero: a steady load at 10x one instance's capacity, then silence.

The function holds each call 100 ms with instanceConcurrency 1, so one instance serves 10 calls/s;
the load is 100 calls/s for 10 s. It prints the instance count every half second while the load
runs and after it stops (idle timeout 3 s here), and the calls' outcome. Usage:

    tests/interop/.venv/bin/python benchmarks/scaling.py [--bin .build/release/nimbus]
"""

import argparse
import concurrent.futures
import os
import statistics
import tempfile
import threading
import time
import zipfile

import fc2

from local_nimbus import local_nimbus

SRC = 'import time\ndef handler(event, context):\n    time.sleep(0.1)\n    return "ok"\n'


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--bin', default='.build/release/nimbus')
    parser.add_argument('--rate', type=int, default=100)
    parser.add_argument('--seconds', type=int, default=10)
    args = parser.parse_args()
    with local_nimbus(args.bin, NIMBUS_INSTANCE_IDLE_TIMEOUT='3', NIMBUS_INSTANCE_MAX_PER_FUNCTION='40') as (
        endpoint, client
    ):
        client.create_service('scale')
        package = os.path.join(tempfile.mkdtemp(), 'f.zip')
        with zipfile.ZipFile(package, 'w') as archive:
            archive.writestr('index.py', SRC)
        client.create_function('scale', 'steady', 'python3', 'index.handler', codeZipFile=package, timeout=30)
        results, latencies, lock = {'ok': 0, 'failed': 0}, [], threading.Lock()

        def one():
            started = time.perf_counter()
            try:
                fc2.Client(endpoint=endpoint, accessKeyID='AK', accessKeySecret='SK').invoke_function('scale', 'steady')
                outcome = 'ok'
            except Exception:
                outcome = 'failed'
            with lock:
                results[outcome] += 1
                latencies.append(time.perf_counter() - started)

        def count():
            return len(client.list_instances('scale', 'LATEST', 'steady').data['instances'])

        timeline = []
        begin = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(max_workers=200) as pool:
            next_tick, sent = begin, 0
            while time.monotonic() - begin < args.seconds:
                now = time.monotonic()
                while sent < (now - begin) * args.rate:
                    pool.submit(one)
                    sent += 1
                if now >= next_tick:
                    timeline.append((now - begin, count()))
                    next_tick += 0.5
                time.sleep(0.005)
        load_end = time.monotonic()
        while time.monotonic() - load_end < 15:
            instances = count()
            timeline.append((time.monotonic() - begin, instances))
            if instances == 0:
                break
            time.sleep(0.5)
        print('load: %d calls/s for %d s against a function that serves 10 calls/s per instance' % (args.rate, args.seconds))
        print('calls: %d ok, %d failed; latency median %.0f ms, p99 %.0f ms' % (
            results['ok'], results['failed'], statistics.median(latencies) * 1000,
            sorted(latencies)[int(0.99 * (len(latencies) - 1))] * 1000))
        print('instances over time (s: count): ' + ', '.join('%.1f: %d' % point for point in timeline))
        zero = [t for t, n in timeline if n == 0 and t > args.seconds]
        print('back to zero instances %.1f s after the load stopped' % (zero[0] - args.seconds) if zero
              else 'not back to zero within 15 s')


if __name__ == '__main__':
    main()
