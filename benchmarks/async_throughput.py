#!/usr/bin/env python3
"""Async invocation throughput: durable enqueue (202s per second, each a committed SQLite row) and end to end
(enqueue to finished events per second) with a trivial Python function, each beside the same function's warm
sync invocation throughput measured in the same run. Load comes from wrk replaying SDK-signed requests.

    tests/interop/.venv/bin/python benchmarks/async_throughput.py [--bin .build/release/nimbus] [--seconds 5]

Needs wrk (benchmarks/run.sh installs it, or `apt-get install wrk`).
"""

import argparse
import os
import shutil
import sqlite3
import sys
import tempfile
import time
import zipfile

from benchlib.wrk import wrk, wrk_script
from local_nimbus import local_nimbus

TRIVIAL = 'def handler(event, context):\n    return "ok"\n'
PARKED = 'import time\ndef handler(event, context):\n    time.sleep(25)\n'


def package(source):
    path = os.path.join(tempfile.mkdtemp(), 'f.zip')
    with zipfile.ZipFile(path, 'w') as archive:
        archive.writestr('index.py', source)
    return path


def signed(client, method, path, extra=None):
    headers = client._build_common_headers(method, path, dict(extra or {}))
    headers.pop('content-length', None)
    return headers


def load(endpoint, client, workdir, function, seconds, connections, asynchronous):
    path = '/2016-08-15/services/bench/functions/%s/invocations' % function
    extra = {'x-fc-invocation-type': 'Async'} if asynchronous else None
    script = wrk_script(workdir, 'POST', '{"n":1}', signed(client, 'POST', path, extra))
    return wrk(endpoint + path, script, threads=2, connections=connections, seconds=seconds)


def rows(database, sql):
    with sqlite3.connect('file:%s?mode=ro' % database, uri=True, timeout=30) as db:
        return db.execute(sql).fetchall()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--bin', default='.build/release/nimbus')
    parser.add_argument('--seconds', type=int, default=5)
    parser.add_argument('--connections', type=int, default=16)
    args = parser.parse_args()
    if not shutil.which('wrk'):
        sys.exit('wrk is missing: run benchmarks/run.sh once, or apt-get install wrk')
    workdir = tempfile.mkdtemp(prefix='nimbus-async-bench-')

    # 1. Enqueue alone: dispatching limited to one event at a time, parked in a 25 s call, so the figure is
    #    the queue's (HTTP + signature + one committed INSERT per event), not the function's.
    data = tempfile.mkdtemp(prefix='nimbus-')
    with local_nimbus(args.bin, data_dir=data, NIMBUS_ASYNC_CONCURRENCY='1') as (endpoint, client):
        client.create_service('bench')
        client.create_function('bench', 'parked', 'python3', 'index.handler', codeZipFile=package(PARKED), timeout=30)
        client.create_function('bench', 'trivial', 'python3', 'index.handler', codeZipFile=package(TRIVIAL))
        client.invoke_function('bench', 'trivial')
        sync = load(endpoint, client, workdir, 'trivial', args.seconds, args.connections, False)
        enqueue = load(endpoint, client, workdir, 'parked', args.seconds, args.connections, True)
        stored = rows(os.path.join(data, 'nimbus.sqlite'), "SELECT count(*) FROM async_events")[0][0]
    accepted = enqueue['requests'] - enqueue['errors']

    # 2. End to end: events enqueued as fast as wrk sends them while 32 run at once; measured from the first
    #    event's enqueue to the last one's end, from the stored rows.
    data = tempfile.mkdtemp(prefix='nimbus-')
    with local_nimbus(args.bin, data_dir=data) as (endpoint, client):
        client.create_service('bench')
        client.create_function('bench', 'trivial', 'python3', 'index.handler', codeZipFile=package(TRIVIAL))
        client.invoke_function('bench', 'trivial')
        flood = load(endpoint, client, workdir, 'trivial', args.seconds, args.connections, True)
        database = os.path.join(data, 'nimbus.sqlite')
        deadline = time.monotonic() + 300
        while rows(database, "SELECT count(*) FROM async_events WHERE status NOT IN ('Succeeded', 'Failed')")[0][0]:
            if time.monotonic() > deadline:
                sys.exit('the queue did not drain within 300 s')
            time.sleep(0.5)
        (total, succeeded, first, last, last_enqueued, latency_ms) = rows(database, """
            SELECT count(*), sum(status = 'Succeeded'), min(enqueued_time), max(end_time), max(enqueued_time),
                   avg(started_time - enqueued_time) * 1000 FROM async_events""")[0]
        drained = rows(database, "SELECT count(*) FROM async_events WHERE end_time > %f" % last_enqueued)[0][0]

    print('Async invocation throughput (%s, %d connections, %d s each, trivial python3 function)' % (
        args.bin, args.connections, args.seconds))
    print('%-46s %12s %10s %10s' % ('scenario', 'per second', 'p50 ms', 'p99 ms'))
    print('%-46s %12.0f %10.2f %10.2f' % ('warm sync invocation (baseline)', sync['rps'], sync['p50'] / 1000.0,
                                           sync['p99'] / 1000.0))
    print('%-46s %12.0f %10.2f %10.2f' % ('async enqueue: 202 after a committed row', enqueue['rps'],
                                           enqueue['p50'] / 1000.0, enqueue['p99'] / 1000.0))
    print('%-46s %12.0f %10s %10s' % ('async end to end: enqueued -> finished', total / (last - first), '', ''))
    print('%-46s %12.0f %10s %10s' % ('async drain once enqueueing stopped', drained / (last - last_enqueued),
                                       '', ''))
    print()
    # wrk drops requests still in flight when its time is up; the server may have committed those, so rows can
    # exceed the 202s wrk counted, never fall short of them.
    print('enqueue / sync: %.2fx; 202s counted by wrk %d, rows stored %d (every 202 is a row: %s)' % (
        enqueue['rps'] / sync['rps'], accepted, stored, 'yes' if stored >= accepted else 'NO'))
    print('end to end: %d events (%d succeeded) in %.2f s; enqueued at %.0f/s while running; '
          'mean wait in queue %.0f ms; %d drained after the load' % (
              total, succeeded, last - first, flood['rps'], latency_ms, drained))
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == '__main__':
    main()
