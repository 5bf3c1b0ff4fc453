#!/usr/bin/env python3
"""What a function's output costs: a python3 handler writing lines to stdout on Nimbus, against the
same loop writing to a pipe that a local reader drains (the baseline, measured in the same run).

    tests/interop/.venv/bin/python benchmarks/log_output.py [--bin .build/release/nimbus ...] [--flood-s 8]

Several --bin run one after the other, alternating, with the server at its defaults. For each:
- the time the handler spends writing 20,000 lines of 100 B and 5,000 of 1 KB (the pipe holds only
  64 KB, so a function writes no faster than Nimbus reads), the lines that reached the function's
  log with the call's request id, and Nimbus's CPU seconds for it;
- a flood: one function writing 1 KB lines as fast as it can for --flood-s seconds, beside a quiet
  function called back to back; Nimbus's share of a core during the flood, and the quiet
  function's p50/p99 alone and during the flood.
Prints a markdown table.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile

from benchlib.measure import cpu_seconds, percentile
from benchlib.net import KeepAlive
from local_nimbus import local_nimbus

# The loop both sides run: the handler on Nimbus, and bare python -u writing to a pipe.
WRITE_LINES = '''
    line = "x" * (size - 1) + "\\n"
    write = sys.stdout.write
    started = time.perf_counter()
    for _ in range(count):
        write(line)
    sys.stdout.flush()
    took = "%.6f" % (time.perf_counter() - started)
'''

WRITER = ('import sys, time\ndef handler(event, context):\n    count, size = (int(x) for x in event.decode().split())'
          + WRITE_LINES + '    return took\n')

FLOODER = '''import sys, time
def handler(event, context):
    seconds = float(event.decode())
    line = "f" * 1023 + "\\n"
    block = line * 64
    written = 0
    stop = time.monotonic() + seconds
    while time.monotonic() < stop:
        sys.stdout.write(block)
        written += len(block)
    sys.stdout.flush()
    return str(written)
'''

QUIET = 'def handler(event, context):\n    return "ok"\n'

BARE = ('import sys, time\ndef main():\n    count, size = int(sys.argv[1]), int(sys.argv[2])' + WRITE_LINES
        + '    sys.stderr.write(took)\nmain()\n')

CASES = ((20000, 100), (5000, 1024))


def package(workdir, name, source):
    path = os.path.join(workdir, name + '.zip')
    with zipfile.ZipFile(path, 'w') as archive:
        archive.writestr('index.py', source)
    return path


def server_pid(endpoint):
    port = endpoint.rsplit(':', 1)[1].encode()
    for pid in os.listdir('/proc'):
        if pid.isdigit():
            try:
                cmdline = open('/proc/%s/cmdline' % pid, 'rb').read().split(b'\0')
            except OSError:
                continue
            if b'serve' in cmdline and port in cmdline:
                return int(pid)
    raise RuntimeError('nimbus process not found')


def bare(count, size):
    """The loop writing into a pipe that this process drains as fast as it can; unbuffered (-u), as
    Nimbus runs python3 functions, so every line is a write."""
    out = subprocess.run([sys.executable, '-u', '-c', BARE, str(count), str(size)], capture_output=True, timeout=60)
    assert len(out.stdout) == count * size
    return float(out.stderr)


def logged(data_dir, function, request_id, expected, timeout=30):
    """Lines of the call that reached the function's log file with its id, once all are in (or at the
    timeout). Read from the files: the logs API answers at most 10,000 lines."""
    base = os.path.join(data_dir, 'logs', 'bench', function + '.log')
    deadline = time.monotonic() + timeout
    while True:
        kept = 0
        for path in (base + '.1', base):
            if os.path.exists(path):
                with open(path) as handle:
                    for raw in handle:
                        line = json.loads(raw)
                        kept += line.get('requestId') == request_id and line['text'].startswith('x')
        if kept >= expected or time.monotonic() > deadline:
            return kept
        time.sleep(0.2)


def quiet_latencies(endpoint, client, seconds):
    path = '/2016-08-15/services/bench/functions/quiet/invocations'
    headers = client._build_common_headers('POST', path, {})
    connection = KeepAlive(int(endpoint.rsplit(':', 1)[1]))
    samples = []
    stop = time.monotonic() + seconds
    while time.monotonic() < stop:
        started = time.perf_counter()
        status, _, _ = connection.request('POST', path, b'', headers)
        samples.append((time.perf_counter() - started) * 1000)
        assert status == 200
    connection.close()
    return samples


def measure(binary, workdir, flood_seconds):
    result = {}
    data_dir = tempfile.mkdtemp(prefix='nimbus-logbench-data-')
    with local_nimbus(binary, data_dir=data_dir) as (endpoint, client):
        pid = server_pid(endpoint)
        client.create_service('bench')
        for name, source in (('writer', WRITER), ('flooder', FLOODER), ('quiet', QUIET)):
            client.create_function('bench', name, 'python3', 'index.handler', timeout=120,
                                   codeZipFile=package(workdir, name, source))
            client.invoke_function('bench', name, payload=b'1 10' if name == 'writer' else b'0')
        for count, size in CASES:
            # Three calls back to back: the first also meets the standbys refilling after the deploys.
            calls = []
            for _ in range(3):
                cpu = cpu_seconds([pid])
                response = client.invoke_function('bench', 'writer', payload=('%d %d' % (count, size)).encode())
                calls.append((float(response.data), cpu_seconds([pid]) - cpu, response.headers['x-fc-request-id']))
            # The last call's: the earlier ones' may be rotated out of the two 8 MB files by now.
            kept = logged(data_dir, 'writer', calls[-1][2], count)
            seconds, cpu, _ = sorted(calls)[1]
            result[(count, size)] = {'seconds': seconds, 'cpu': cpu, 'kept': kept, 'first': calls[0][0]}

        alone = quiet_latencies(endpoint, client, 3)
        done = {}

        def flood():
            done['bytes'] = int(client.invoke_function('bench', 'flooder', payload=str(flood_seconds).encode()).data)
        thread = threading.Thread(target=flood)
        cpu = cpu_seconds([pid])
        started = time.monotonic()
        thread.start()
        time.sleep(0.5)
        during = quiet_latencies(endpoint, client, flood_seconds - 1)
        thread.join()
        elapsed = time.monotonic() - started
        cpu = cpu_seconds([pid]) - cpu
        result['flood'] = {'mb': done['bytes'] / 1e6, 'seconds': elapsed, 'cpu_share': cpu / elapsed,
                           'alone': alone, 'during': during}
    return result


def ms(samples, p):
    return percentile(sorted(samples), p)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--bin', action='append', default=None)
    parser.add_argument('--flood-s', type=float, default=8)
    args = parser.parse_args()
    binaries = args.bin or ['.build/release/nimbus']
    workdir = tempfile.mkdtemp(prefix='nimbus-logbench-')
    base = {case: statistics.median(bare(*case) for _ in range(5)) for case in CASES}
    runs = [(binary, measure(binary, workdir, args.flood_s)) for binary in binaries]
    print('| | ' + ' | '.join(b for b, _ in runs) + ' |')
    print('|---|' + '---|' * len(runs))
    for count, size in CASES:
        mb = count * size / 1e6
        print('| %d lines of %d B: bare python -u to a pipe | %s |' % (
            count, size, ' | '.join('%.3f s (%.0f MB/s)' % (base[(count, size)], mb / base[(count, size)])
                                    for _ in runs)))
        print('| on Nimbus, median of 3 calls back to back: handler writing, lines of the last logged with its id,'
              ' Nimbus CPU; the first call | %s |' % ' | '.join(
                  '%.3f s (%.1f MB/s, %.1fx bare), %d/%d, %.2f s; %.3f s' % (
                      r[(count, size)]['seconds'], mb / r[(count, size)]['seconds'],
                      r[(count, size)]['seconds'] / base[(count, size)], r[(count, size)]['kept'], count,
                      r[(count, size)]['cpu'], r[(count, size)]['first']) for _, r in runs))
    print('| flood of 1 KB lines: MB written in its seconds, Nimbus share of a core | %s |' % ' | '.join(
        '%.0f MB in %.1f s (%.0f MB/s), %.0f%%' % (r['flood']['mb'], r['flood']['seconds'],
                                                 r['flood']['mb'] / r['flood']['seconds'],
                                                 100 * r['flood']['cpu_share']) for _, r in runs))
    print('| quiet function p50/p99 alone, during the flood (ms) | %s |' % ' | '.join(
        '%.2f/%.2f, %.2f/%.2f' % (ms(r['flood']['alone'], 50), ms(r['flood']['alone'], 99),
                                  ms(r['flood']['during'], 50), ms(r['flood']['during'], 99)) for _, r in runs))


if __name__ == '__main__':
    main()
