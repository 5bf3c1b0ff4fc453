#!/usr/bin/env python3
"""Cold and warm calls of trivial python3, nodejs20 and custom functions beside the bare
interpreter, in one run.

A cold start is a call to a function with no instance, measured at the client (the official SDK,
signing included). Samples are spaced so the standby pool refills between them, as it would
between real first calls; `--spacing 0` measures back-to-back starts instead. Usage:

    tests/interop/run.sh --version >/dev/null     # the SDK venv
    tests/interop/.venv/bin/python benchmarks/cold_start.py [--bin .build/release/nimbus] [-n 30]
"""

import argparse
import io
import os
import statistics
import subprocess
import tempfile
import time
import zipfile

from local_nimbus import local_nimbus

CUSTOM = r'''#!/usr/bin/python3
import os, socket
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
class H(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get('Content-Length') or 0))
        self.wfile.write(b'HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n' % len(body) + body)
    def log_message(self, *args): pass
ThreadingHTTPServer(('127.0.0.1', int(os.environ['FC_SERVER_PORT'])), H).serve_forever()
'''

CODE = {
    'python3': ('index.py', 'def handler(event, context):\n    return event\n', ['/usr/bin/python3', '-c', 'pass']),
    'nodejs20': ('index.js', 'exports.handler = (e, c, cb) => cb(null, e);\n', ['/usr/bin/node', '-e', '0']),
    'custom': ('bootstrap', CUSTOM, ['/usr/bin/python3', '-c', 'pass']),
}


def percentile(samples, fraction):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def row(label, samples):
    return '%-40s median %7.1f ms   p99 %7.1f ms   (n=%d)' % (
        label, statistics.median(samples) * 1000, percentile(samples, 0.99) * 1000, len(samples))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--bin', default='.build/release/nimbus')
    parser.add_argument('-n', type=int, default=30)
    parser.add_argument('--spacing', type=float, default=0.4, help='seconds between cold samples')
    args = parser.parse_args()
    with local_nimbus(args.bin, NIMBUS_INSTANCE_IDLE_TIMEOUT='5') as (_, client):
        client.create_service('cold')
        print('nimbus %s, %d cores, %d samples each, %.1f s apart' % (args.bin, os.cpu_count(), args.n, args.spacing))
        for runtime, (name, source, bare) in CODE.items():
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, 'w') as archive:
                info = zipfile.ZipInfo(name)
                info.external_attr = 0o755 << 16
                archive.writestr(info, source)
            package = tempfile.NamedTemporaryFile(suffix='.zip', delete=False)
            package.write(buffer.getvalue())
            package.close()
            baseline, cold, warm, modes = [], [], [], {}
            for index in range(args.n):
                started = time.perf_counter()
                subprocess.run(bare, check=True)
                baseline.append(time.perf_counter() - started)
                function = '%s-%d' % (runtime.replace('.', ''), index)
                client.create_function('cold', function, runtime, 'index.handler', codeZipFile=package.name)
                time.sleep(args.spacing)
                started = time.perf_counter()
                response = client.invoke_function('cold', function, payload=b'x')
                cold.append(time.perf_counter() - started)
                started = time.perf_counter()
                client.invoke_function('cold', function, payload=b'x')
                warm.append(time.perf_counter() - started)
                header = response.headers.get('x-nimbus-cold-start', '')
                mode = 'standby' if 'mode=standby' in header else 'spawn'
                modes[mode] = modes.get(mode, 0) + 1
            print(row('bare `%s`' % ' '.join(bare), baseline))
            print(row('%s cold start (%s)' % (runtime, ', '.join('%s %d' % kv for kv in sorted(modes.items()))), cold))
            print(row('%s warm call (the second)' % runtime, warm))
            print('  cold/bare ratio of medians: %.2fx' % (statistics.median(cold) / statistics.median(baseline)))


if __name__ == '__main__':
    main()
