#!/usr/bin/env python3
"""Cold and warm latency of trivial Python, Node.js and custom-runtime functions, through the SDK.

Starts its own `nimbus serve` on a free port with a fresh data dir, deploys the functions, and
prints the median (and p90) of N calls for each case. Usage:

    tests/interop/run.sh --version >/dev/null      # the SDK venv
    tests/interop/.venv/bin/python benchmarks/invoke_latency.py [--bin .build/release/nimbus] [-n 20]
"""

import argparse
import io
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile

import fc2
import requests

PY = 'def handler(event, context):\n    return event\n'
NODE = 'exports.handler = (event, context, callback) => callback(null, event);\n'
CUSTOM = r'''#!/usr/bin/env python3
import os, socket
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
class H(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get('Content-Length') or 0))
        head = 'HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n' % len(body)
        self.wfile.write(head.encode() + body)
    def log_message(self, *a): pass
    def setup(self):
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
ThreadingHTTPServer(('0.0.0.0', int(os.environ['FC_SERVER_PORT'])), H).serve_forever()
'''


def zipped(files):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, 'w') as archive:
        for name, (content, mode) in files.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = mode << 16
            archive.writestr(info, content)
    handle = tempfile.NamedTemporaryFile(suffix='.zip', delete=False)
    handle.write(buffer.getvalue())
    handle.close()
    return handle.name


RUNTIMES = {
    'python3': ('index.handler', {'index.py': (PY, 0o644)}),
    'nodejs20': ('index.handler', {'index.js': (NODE, 0o644)}),
    'custom': ('index.handler', {'bootstrap': (CUSTOM, 0o755)}),
}


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def summary(samples):
    ordered = sorted(samples)
    return 'median %7.1f ms   p90 %7.1f ms' % (statistics.median(ordered) * 1000,
                                                ordered[int(len(ordered) * 0.9) - 1] * 1000)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--bin', default='.build/release/nimbus')
    parser.add_argument('-n', type=int, default=20)
    args = parser.parse_args()
    port = free_port()
    data = tempfile.mkdtemp(prefix='nimbus-bench-')
    env = dict(os.environ, NIMBUS_ACCESS_KEY_ID='AK', NIMBUS_ACCESS_KEY_SECRET='SK', NIMBUS_INSTANCE_IDLE_TIMEOUT='2')
    server = subprocess.Popen([args.bin, 'serve', '--port', str(port), '--data-dir', data], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = 'http://127.0.0.1:%d' % port
    try:
        for _ in range(100):
            try:
                if requests.get(endpoint + '/health', timeout=1).ok:
                    break
            except requests.RequestException:
                time.sleep(0.1)
        client = fc2.Client(endpoint=endpoint, accessKeyID='AK', accessKeySecret='SK')
        client.create_service('bench')
        print('nimbus %s, %d calls each, machine: %d cores' % (args.bin, args.n, os.cpu_count()))
        for runtime, (handler, files) in RUNTIMES.items():
            package = zipped(files)
            cold = []
            for index in range(args.n):
                name = '%s-cold-%d' % (runtime.replace('.', ''), index)
                client.create_function('bench', name, runtime, handler, codeZipFile=package, timeout=30)
                started = time.perf_counter()
                client.invoke_function('bench', name, payload=b'x')
                cold.append(time.perf_counter() - started)
            name = '%s-warm' % runtime.replace('.', '')
            client.create_function('bench', name, runtime, handler, codeZipFile=package, timeout=30)
            client.invoke_function('bench', name, payload=b'x')
            warm = []
            for _ in range(args.n):
                started = time.perf_counter()
                client.invoke_function('bench', name, payload=b'x')
                warm.append(time.perf_counter() - started)
            print('%-9s cold %s | warm %s' % (runtime, summary(cold), summary(warm)))
            time.sleep(3)  # let the cold instances go idle and be reaped
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == '__main__':
    sys.exit(main())
