#!/usr/bin/env python3
"""Nimbus's benchmark suite: every scenario beside its baseline, measured in the same run.

Run it through `benchmarks/run.sh` (installs wrk and nginx, builds, makes the SDK venv). Directly:

    tests/interop/.venv/bin/python benchmarks/bench.py --bin .build/release/nimbus [--quick] [--only http,cold]

It starts its own `nimbus serve` processes (fresh data dirs, 127.0.0.1 only), deploys its fixture
functions, prints one table per scenario and writes JSON (and a Markdown copy of the tables).

Scenarios (names for --only/--skip): http, invoke, payload, cold, burst, density.
"""

import argparse
import datetime
import glob
import http.client
import json
import math
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import zipfile

import fc2

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
ACCESS_KEY_ID = 'BENCHKEYID'
ACCESS_KEY_SECRET = 'bench-secret'
ACCOUNT_ID = '1000000000000001'
API = '/2016-08-15'
WRK_TIMEOUT = '5s'

# --------------------------------------------------------------------------------------------
# Fixture functions

# The trivial custom runtime: nginx answering "ok" (and its own port on .../port), single worker.
# NGX_DIR lets the same script run unsandboxed for the baselines; in the sandbox /tmp is private.
NGINX_BOOTSTRAP = r'''#!/bin/sh
d=${NGX_DIR:-/tmp}
cat > "$d/nginx.conf" <<CONF
worker_processes 1;
pid $d/nginx.pid;
error_log stderr warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $d/body; proxy_temp_path $d/proxy; fastcgi_temp_path $d/fcgi;
  uwsgi_temp_path $d/uwsgi; scgi_temp_path $d/scgi;
  keepalive_requests 100000000;
  server {
    listen 127.0.0.1:$FC_SERVER_PORT;
    location ~ /port\$ { return 200 "$FC_SERVER_PORT"; }
    location / { return 200 "ok"; }
  }
}
CONF
exec /usr/sbin/nginx -p "$d" -e stderr -c "$d/nginx.conf" -g 'daemon off;'
'''

# Echo server for the payload scenario (Node.js streams the body back; nginx can't echo).
ECHO_BOOTSTRAP = '#!/bin/sh\nexec /usr/bin/node /code/echo.js\n'
ECHO_JS = r'''const http = require('http');
const port = Number(process.env.FC_SERVER_PORT);
http.createServer((req, res) => {
  if (req.url.endsWith('/port')) { res.end(String(port)); return; }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    res.writeHead(200, {'content-type': 'application/octet-stream', 'content-length': body.length});
    res.end(body);
  });
}).listen(port, '127.0.0.1');
'''

# python3: an event handler that echoes (or names the port its runtime listens on, read from /proc/self,
# since the shim hides FC_SERVER_PORT from user code), and a WSGI answer behind an HTTP trigger.
PY_HANDLER = r'''import os
import time


def _listening_ports():
    inodes = set()
    for fd in os.listdir('/proc/self/fd'):
        try:
            target = os.readlink('/proc/self/fd/' + fd)
        except OSError:
            continue
        if target.startswith('socket:['):
            inodes.add(target[8:-1])
    ports = []
    for table in ('/proc/self/net/tcp', '/proc/self/net/tcp6'):
        try:
            with open(table) as handle:
                for line in list(handle)[1:]:
                    fields = line.split()
                    if fields[3] == '0A' and fields[9] in inodes:
                        ports.append(str(int(fields[1].rsplit(':', 1)[1], 16)))
        except OSError:
            pass
    return ports


def handler(event, second):
    if isinstance(event, dict):  # WSGI environ: an HTTP-trigger call
        second('200 OK', [('Content-Type', 'text/plain')])
        return [b'ok']
    if event == b'port':
        return ','.join(_listening_ports())
    if event.startswith(b'hold:'):  # the burst: keep the instance busy this many ms
        time.sleep(int(event[5:]) / 1000.0)
    return event
'''
NODE_HANDLER = r'''const fs = require('fs');

function listeningPorts() {
  const inodes = new Set();
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    try {
      const target = fs.readlinkSync('/proc/self/fd/' + fd);
      if (target.startsWith('socket:[')) inodes.add(target.slice(8, -1));
    } catch (e) {}
  }
  const ports = [];
  for (const table of ['/proc/self/net/tcp', '/proc/self/net/tcp6']) {
    let text = '';
    try { text = fs.readFileSync(table, 'utf8'); } catch (e) { continue; }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length > 9 && f[3] === '0A' && inodes.has(f[9])) ports.push(String(parseInt(f[1].split(':')[1], 16)));
    }
  }
  return ports;
}

exports.handler = (event, context, callback) => {
  callback(null, String(event) === 'port' ? listeningPorts().join(',') : event);
};
'''


def make_zip(path, files):
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as archive:
        for name, (content, mode) in files.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = mode << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content)
    return path


# --------------------------------------------------------------------------------------------
# Small utilities


def percentile(values, p):
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100.0 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def accepts(port):
    try:
        with socket.create_connection(('127.0.0.1', port), timeout=0.2):
            return True
    except OSError:
        return False


def wait_port(port, deadline_s=10.0, interval=0.001):
    deadline = time.perf_counter() + deadline_s
    while time.perf_counter() < deadline:
        if accepts(port):
            return True
        time.sleep(interval)
    return False


def http_once(port, method, path, body=None, headers=None, timeout=30):
    conn = http.client.HTTPConnection('127.0.0.1', port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


class KeepAlive:
    """One persistent HTTP/1.1 connection with TCP_NODELAY, for timing loops."""

    def __init__(self, port, timeout=60):
        self.port = port
        self.timeout = timeout
        self.conn = None

    def request(self, method, path, body=None, headers=None):
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection('127.0.0.1', self.port, timeout=self.timeout)
                self.conn.connect()
                self.conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            try:
                self.conn.request(method, path, body=body, headers=headers or {})
                response = self.conn.getresponse()
                return response.status, response.headers, response.read()
            except (http.client.HTTPException, ConnectionError, BrokenPipeError):
                self.close()
                if attempt:
                    raise
        raise RuntimeError('unreachable')

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


CLOCK_TICKS = os.sysconf('SC_CLK_TCK')
MONITOR = None  # ForeignServers, while the suite runs


def cpu_seconds(pids):
    total = 0
    for pid in pids:
        try:
            with open('/proc/%d/stat' % pid) as handle:
                fields = handle.read().rsplit(')', 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, IndexError, ValueError):
            pass
    return total / CLOCK_TICKS


def context_switches(pids):
    """Voluntary + involuntary context switches of every thread of these processes."""
    total = 0
    for pid in pids:
        for status in glob.glob('/proc/%d/task/*/status' % pid):
            try:
                with open(status) as handle:
                    for line in handle:
                        if line.startswith(('voluntary_ctxt_switches', 'nonvoluntary_ctxt_switches')):
                            total += int(line.split()[1])
            except OSError:
                pass
    return total


def children(pid):
    try:
        with open('/proc/%d/task/%d/children' % (pid, pid)) as handle:
            return [int(p) for p in handle.read().split()]
    except OSError:
        return []


def proc_kb(pid, field, source='status'):
    """A `kB` field of /proc/<pid>/status (VmRSS, VmHWM) or smaps_rollup (Pss)."""
    try:
        with open('/proc/%d/%s' % (pid, source)) as handle:
            for line in handle:
                if line.startswith(field + ':'):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def cold_start(headers):
    """Nimbus's report that a call started its instance: `x-nimbus-cold-start: reason=..; mode=..; start-ms=..`
    (since 0d245d6) or `x-nimbus-cold-start-ms` (before). Returns {'mode': .., 'start_ms': ..} or None."""
    value = headers.get('x-nimbus-cold-start')
    if value:
        fields = dict(part.strip().split('=', 1) for part in value.split(';') if '=' in part)
        try:
            return {'mode': fields.get('mode', '?'), 'reason': fields.get('reason'),
                    'start_ms': float(fields.get('start-ms', 'nan'))}
        except ValueError:
            return {'mode': fields.get('mode', '?'), 'reason': fields.get('reason'), 'start_ms': None}
    value = headers.get('x-nimbus-cold-start-ms')
    if value:
        return {'mode': 'spawn', 'reason': None, 'start_ms': float(value)}
    return None


def fmt(value, digits=1):
    if value is None:
        return '-'
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    return ('%.' + str(digits) + 'f') % value


# --------------------------------------------------------------------------------------------
# Cgroups of Nimbus's instances (to find and measure them)


def cgroup_folders(pattern):
    """Instance cgroup folders (memory controller, or the unified hierarchy) matching `i-<pattern>`, under
    Nimbus's parent (`nimbus`, or `nimbus-<data dir digest>` since each server has its own)."""
    found = []
    for base in ('/sys/fs/cgroup/memory', '/sys/fs/cgroup', '/sys/fs/cgroup/unified'):
        found.extend(glob.glob(os.path.join(base, 'nimbus*', 'i-' + pattern)))
        if found:
            break
    return sorted(found)


def parent_pid(pid):
    return proc_kb(pid, 'PPid')  # not kB, but the same "Name:\tvalue" line


def instance_cgroups(function_prefix, server_pid):
    """Cgroups of the running instances of one Nimbus whose function name starts with `function_prefix`.
    The cgroup holds the sandbox (bwrap and the program); its nimbus-init, outside it, is Nimbus's child."""
    return [folder for folder in cgroup_folders(function_prefix + '*')
            if any(parent_pid(parent_pid(pid)) == server_pid for pid in cgroup_pids(folder))]


def instance_processes(folder):
    """The processes of one instance: its cgroup's, plus the nimbus-init outside it that started them."""
    pids = set(cgroup_pids(folder))
    for pid in list(pids):
        parent = parent_pid(pid)
        if parent and parent not in pids:
            try:
                with open('/proc/%d/comm' % parent) as handle:
                    if handle.read().strip() == 'nimbus-init':
                        pids.add(parent)
            except OSError:
                pass
    return sorted(pids)


def cgroup_memory_bytes(folder):
    for name in ('memory.usage_in_bytes', 'memory.current'):
        try:
            with open(os.path.join(folder, name)) as handle:
                return int(handle.read().strip())
        except OSError:
            continue
    return None


def cgroup_pids(folder):
    pids = []
    for folder_ in {folder, folder.replace('/memory/', '/pids/', 1)}:
        try:
            with open(os.path.join(folder_, 'cgroup.procs')) as handle:
                pids.extend(int(p) for p in handle.read().split())
        except OSError:
            pass
    return sorted(set(pids))


def host_port(server_pid, port):
    """The host's port for an instance port a function reported. An instance listens in a network
    namespace of its own; Nimbus (and this suite) reach it on the host port its nimbus-init relays
    from (`--relay HOST:PORT`). An instance in the host's namespace (an older Nimbus) is its own port."""
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % entry) as handle:
                parent = int(handle.read().rsplit(')', 1)[1].split()[1])
            with open('/proc/%s/cmdline' % entry, 'rb') as handle:
                argv = handle.read().decode(errors='replace').split('\0')
        except (OSError, ValueError, IndexError):
            continue
        if parent != server_pid or not argv[0].endswith('nimbus-init') or '--relay' not in argv:
            continue
        relayed = argv[argv.index('--relay') + 1].split(':')
        if len(relayed) == 2 and int(relayed[1]) == port:
            return int(relayed[0])
    return port


def pids_listening(port):
    """Processes holding the listening socket of a loopback port (an instance's server)."""
    inodes = set()
    for table in ('/proc/net/tcp', '/proc/net/tcp6'):
        try:
            with open(table) as handle:
                next(handle)
                for line in handle:
                    fields = line.split()
                    if fields[3] == '0A' and int(fields[1].rsplit(':', 1)[1], 16) == port:
                        inodes.add('socket:[%s]' % fields[9])
        except OSError:
            pass
    pids = []
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            if any(os.readlink(fd) in inodes for fd in glob.glob('/proc/%s/fd/*' % entry)):
                pids.append(int(entry))
        except OSError:
            continue
    return pids


# --------------------------------------------------------------------------------------------
# Processes this suite starts


def spawn(argv, **options):
    """Popen in a new process group, recorded (for run.sh's trap) in $NIMBUS_BENCH_PIDFILE."""
    process = subprocess.Popen(argv, start_new_session=True, **options)
    pidfile = os.environ.get('NIMBUS_BENCH_PIDFILE')
    if pidfile:
        with open(pidfile, 'a') as handle:
            handle.write('%d\n' % process.pid)
    return process


class Nimbus:
    """A `nimbus serve` on a free port with a fresh data dir; stopped (and its instances) on exit."""

    def __init__(self, binary, workdir, name, extra_env=None):
        self.binary = binary
        self.port = free_port()
        self.data = os.path.join(workdir, 'nimbus-%s' % name)
        shutil.rmtree(self.data, ignore_errors=True)
        os.makedirs(self.data)
        env = dict(os.environ)
        for key in list(env):
            if key.startswith('NIMBUS_') and key not in ('NIMBUS_PYTHON', 'NIMBUS_NODE', 'NIMBUS_BWRAP'):
                del env[key]
        env.update(NIMBUS_ACCESS_KEY_ID=ACCESS_KEY_ID, NIMBUS_ACCESS_KEY_SECRET=ACCESS_KEY_SECRET,
                   NIMBUS_ACCOUNT_ID=ACCOUNT_ID)
        env.update(extra_env or {})
        self.log_path = os.path.join(workdir, 'nimbus-%s.log' % name)
        self.log = open(self.log_path, 'wb')
        self.process = spawn(
            [binary, 'serve', '--host', '127.0.0.1', '--port', str(self.port), '--data-dir', self.data],
            env=env, stdout=self.log, stderr=subprocess.STDOUT)
        if MONITOR is not None:
            MONITOR.mine.add(self.process.pid)
        self.endpoint = 'http://127.0.0.1:%d' % self.port
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError('nimbus exited at start (see %s)' % self.log_path)
            try:
                status, _, body = http_once(self.port, 'GET', '/health', timeout=1)
                if status == 200:
                    self.health = json.loads(body)
                    break
            except OSError:
                pass
            time.sleep(0.05)
        else:
            self.stop()
            raise RuntimeError('nimbus did not answer /health within 30 s')
        self.client = fc2.Client(endpoint=self.endpoint, accessKeyID=ACCESS_KEY_ID,
                                 accessKeySecret=ACCESS_KEY_SECRET, Timeout=120)

    @property
    def pid(self):
        return self.process.pid

    def warnings(self):
        """Warning and error lines Nimbus has logged so far."""
        try:
            with open(self.log_path, errors='replace') as handle:
                return [line.strip() for line in handle if ' warning ' in line or ' error ' in line]
        except OSError:
            return []

    def rss_mb(self):
        return proc_kb(self.pid, 'VmRSS') / 1024.0

    def cpu(self):
        return cpu_seconds([self.pid])

    def signed(self, method, path, extra=None):
        """Headers exactly as the official SDK builds and signs them (Date fixed: valid 15 minutes)."""
        headers = self.client._build_common_headers(method, path, dict(extra or {}))
        headers.pop('content-length', None)
        return headers

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.log.close()


def nimbus_servers():
    """PIDs of every `nimbus serve` process on the host."""
    found = set()
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open('/proc/%s/cmdline' % entry, 'rb') as handle:
                argv = handle.read().split(b'\0')
        except OSError:
            continue
        if len(argv) > 1 and os.path.basename(argv[0]) == b'nimbus' and argv[1] == b'serve':
            found.add(int(entry))
    return found


class ForeignServers(threading.Thread):
    """Watches for `nimbus serve` processes this suite did not start. Each one that starts removes every
    instance cgroup under /sys/fs/cgroup/*/nimbus (Cgroups.removeLeftovers), killing our instances."""

    def __init__(self):
        super().__init__(daemon=True)
        self.mine = set()
        self.seen = nimbus_servers()
        self.started = 0
        self.stopping = threading.Event()

    def run(self):
        while not self.stopping.wait(0.5):
            current = nimbus_servers()
            self.started += len(current - self.seen - self.mine)
            self.seen |= current


class NginxProxy:
    """nginx as a plain reverse proxy to one upstream port (HTTP/1.1 keepalive upstream)."""

    def __init__(self, workdir, upstream_port):
        self.dir = os.path.join(workdir, 'nginx-proxy')
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)
        os.chmod(self.dir, 0o777)  # workers run as nobody and may buffer bodies here
        self.port = free_port()
        d = self.dir
        conf = '''worker_processes auto;
pid %(d)s/nginx.pid;
error_log stderr warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path %(d)s/body; proxy_temp_path %(d)s/proxy; fastcgi_temp_path %(d)s/fcgi;
  uwsgi_temp_path %(d)s/uwsgi; scgi_temp_path %(d)s/scgi;
  keepalive_requests 100000000;
  client_max_body_size 64m;
  upstream fn {
    server 127.0.0.1:%(up)d;
    keepalive 64;
    keepalive_requests 100000000;
  }
  server {
    listen 127.0.0.1:%(port)d;
    location / {
      proxy_pass http://fn;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
''' % {'d': d, 'up': upstream_port, 'port': self.port}
        with open(os.path.join(d, 'nginx.conf'), 'w') as handle:
            handle.write(conf)
        self.log = open(os.path.join(d, 'error.log'), 'wb')
        self.process = spawn(
            ['nginx', '-p', d, '-e', 'stderr', '-c', os.path.join(d, 'nginx.conf'), '-g', 'daemon off;'],
            stdout=self.log, stderr=subprocess.STDOUT)
        if not wait_port(self.port, 10):
            self.stop()
            raise RuntimeError('nginx reverse proxy did not start (see %s/error.log)' % d)

    def pids(self):
        return [self.process.pid] + children(self.process.pid)

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.log.close()


# --------------------------------------------------------------------------------------------
# wrk


class InstanceLost(Exception):
    """The instance under test went away mid-scenario; the scenario is run again once."""


WRK_REPORT = r'''
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"bytes":%d,"connect":%d,"read":%d,"write":%d,"status":%d,' ..
    '"timeout":%d,"p50":%d,"p90":%d,"p99":%d,"p999":%d,"mean":%.1f,"max":%d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9),
    latency.mean, latency.max))
end
'''


def lua_string(text):
    return '"' + text.replace('\\', '\\\\').replace('"', '\\"').replace('\n', '\\n') + '"'


def wrk_script(workdir, method='GET', body=None, headers=None):
    lines = ['wrk.method = %s' % lua_string(method)]
    if body is not None:
        lines.append('wrk.body = %s' % lua_string(body))
    for name, value in (headers or {}).items():
        if name.lower() in ('host', 'content-length'):
            continue
        lines.append('wrk.headers[%s] = %s' % (lua_string(name), lua_string(value)))
    handle = tempfile.NamedTemporaryFile('w', suffix='.lua', dir=workdir, delete=False)
    handle.write('\n'.join(lines) + '\n' + WRK_REPORT)
    handle.close()
    return handle.name


def wrk(url, script, threads, connections, seconds, cpu_of=None):
    """Runs wrk; returns its numbers (latencies in µs) plus CPU seconds per request of watched processes."""
    before = {name: cpu_seconds(pids()) for name, pids in (cpu_of or {}).items()}
    switches_before = {name: context_switches(pids()) for name, pids in (cpu_of or {}).items()}
    command = ['wrk', '-t%d' % threads, '-c%d' % connections, '-d%ds' % seconds, '--timeout', WRK_TIMEOUT,
               '-s', script, url]
    out = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 30)
    after = {name: cpu_seconds(pids()) for name, pids in (cpu_of or {}).items()}
    switches_after = {name: context_switches(pids()) for name, pids in (cpu_of or {}).items()}
    match = re.search(r'^WRKJSON (\{.*\})$', out.stdout, re.M)
    if not match:
        raise RuntimeError('wrk gave no report: %s %s' % (out.stdout[-500:], out.stderr[-500:]))
    result = json.loads(match.group(1))
    result['rps'] = result['requests'] / (result['duration_us'] / 1e6)
    result['errors'] = sum(result[k] for k in ('connect', 'read', 'write', 'status', 'timeout'))
    if result['requests']:
        result['cpu_us_per_req'] = {name: (after[name] - before[name]) * 1e6 / result['requests'] for name in before}
        result['switches_per_req'] = {name: (switches_after[name] - switches_before[name]) / result['requests']
                                      for name in before}
    return result


def merge_rounds(rounds):
    """Median over rounds of each figure (rounds alternate targets, so drift hits all of them alike)."""
    merged = {}
    for key in ('rps', 'p50', 'p90', 'p99', 'p999', 'mean', 'max'):
        merged[key] = statistics.median(r[key] for r in rounds)
    merged['requests'] = sum(r['requests'] for r in rounds)
    merged['errors'] = sum(r['errors'] for r in rounds)
    names = set()
    for r in rounds:
        names.update(r.get('cpu_us_per_req', {}))
    for key in ('cpu_us_per_req', 'switches_per_req'):
        merged[key] = {name: statistics.median(r[key][name] for r in rounds if name in r.get(key, {}))
                       for name in names}
    merged['rounds'] = rounds
    return merged


# --------------------------------------------------------------------------------------------
# The suite


class Suite:
    def __init__(self, args):
        self.args = args
        self.binary = os.path.abspath(args.bin)
        self.workdir = tempfile.mkdtemp(prefix='nimbus-bench-')
        os.chmod(self.workdir, 0o755)
        self.quick = args.quick
        self.results = {}
        self.tables = []
        self.notes = []
        self.cleanups = []
        self.zips = {
            'nginx': make_zip(os.path.join(self.workdir, 'nginx.zip'), {'bootstrap': (NGINX_BOOTSTRAP, 0o755)}),
            'echo': make_zip(os.path.join(self.workdir, 'echo.zip'),
                             {'bootstrap': (ECHO_BOOTSTRAP, 0o755), 'echo.js': (ECHO_JS, 0o644)}),
            'python3': make_zip(os.path.join(self.workdir, 'py.zip'), {'index.py': (PY_HANDLER, 0o644)}),
            'nodejs20': make_zip(os.path.join(self.workdir, 'node.zip'), {'index.js': (NODE_HANDLER, 0o644)}),
        }
        self.main = None
        self.last_density = None

    # ---- output

    def table(self, scenario, title, columns, rows, notes=()):
        self.tables.append({'scenario': scenario, 'title': title, 'columns': columns, 'rows': rows,
                            'notes': list(notes)})
        widths = [max(len(str(c)), *(len(str(r[i])) for r in rows)) if rows else len(str(c))
                  for i, c in enumerate(columns)]
        print('\n## %s' % title)
        print('  '.join(str(c).ljust(w) for c, w in zip(columns, widths)))
        print('  '.join('-' * w for w in widths))
        for row in rows:
            print('  '.join(str(v).ljust(w) for v, w in zip(row, widths)))
        for note in notes:
            print('  * ' + note)
        sys.stdout.flush()

    # ---- fixtures

    def main_nimbus(self):
        if self.main is None:
            self.main = Nimbus(self.binary, self.workdir, 'main', {
                'NIMBUS_INSTANCE_MAX_PER_FUNCTION': str(self.args.burst),
                'NIMBUS_INSTANCE_MAX': str(self.args.burst + 100),  # the platform cap (0877998 and later)
                'NIMBUS_INSTANCE_IDLE_TIMEOUT': '900',
            })
            self.main.client.create_service('bench', internetAccess=True)
        return self.main

    def stop_main(self):
        if self.main is not None:
            self.main.stop()
            self.main = None

    def deploy(self, nimbus, service, name, runtime, zip_key, trigger=False, **options):
        """Creates the function (and its anonymous HTTP trigger); one already there (a retry) is reused."""
        options.setdefault('memorySize', 128)
        options.setdefault('timeout', 60)
        try:
            nimbus.client.create_function(service, name, runtime, 'index.handler', codeZipFile=self.zips[zip_key],
                                          **options)
        except fc2.fc_exceptions.FcError as error:
            if 'AlreadyExists' not in str(error):
                raise
            return
        if trigger:
            nimbus.client.create_trigger(service, name, 'http', 'http',
                                         {'authType': 'anonymous', 'methods': ['GET', 'POST']}, None, None)

    def guarded_wrk(self, port, url, script, threads, connections, seconds, cpu_of):
        """wrk, refusing to report a run during which the instance under test went away."""
        self.require(port, 'the instance under test')
        try:
            result = wrk(url, script, threads, connections, seconds, cpu_of)
        except RuntimeError:
            self.require(port, 'the instance under test')
            raise
        self.require(port, 'the instance under test')
        return result

    @staticmethod
    def require(port, what):
        """The instance we measure must still be there (another Nimbus starting on this host kills it)."""
        if not accepts(port):
            raise InstanceLost('%s on port %d stopped answering' % (what, port))

    # ---- scenario 1: warm HTTP-trigger round trip

    def scenario_http(self):
        nimbus = self.main_nimbus()
        self.deploy(nimbus, 'bench', 'web', 'custom', 'nginx', trigger=True, instanceConcurrency=100)
        path = API + '/proxy/bench/web/hello'
        status, _, body = http_once(nimbus.port, 'GET', path)
        if status != 200 or body != b'ok':
            raise RuntimeError('the web function answered %d %r' % (status, body[:200]))
        port = host_port(nimbus.pid, int(http_once(nimbus.port, 'GET', API + '/proxy/bench/web/port')[2]))
        proxy = NginxProxy(self.workdir, port)
        self.cleanups.append(proxy.stop)
        # The same function on a second Nimbus with the warm lane off: the router's path, same run.
        router = Nimbus(self.binary, self.workdir, 'router', {'NIMBUS_WARM_LANE': 'off',
                                                               'NIMBUS_INSTANCE_IDLE_TIMEOUT': '900'})
        self.cleanups.append(router.stop)
        router.client.create_service('bench', internetAccess=True)
        self.deploy(router, 'bench', 'web', 'custom', 'nginx', trigger=True, instanceConcurrency=100)
        http_once(router.port, 'GET', path)
        router_port = host_port(router.pid, int(http_once(router.port, 'GET', API + '/proxy/bench/web/port')[2]))
        try:
            targets = [('direct', port), ('nginx', proxy.port), ('nimbus', nimbus.port), ('router', router.port)]
            for name, target in targets:
                status, _, body = http_once(target, 'GET', path)
                if status != 200 or body != b'ok':
                    raise RuntimeError('%s answered %d %r' % (name, status, body[:200]))
            web_pids = pids_listening(port)
            router_web_pids = pids_listening(router_port)
            cpu_of = {'nimbus': lambda: [nimbus.pid], 'router': lambda: [router.pid], 'nginx': proxy.pids,
                      'instance': lambda: web_pids, 'router_instance': lambda: router_web_pids}
            instance_of = {'router': router_port}
            script = wrk_script(self.workdir)
            rounds = 2 if self.quick else 3
            lat = {name: [] for name, _ in targets}
            thr = {name: [] for name, _ in targets}
            lat_s, thr_s = (1, 2) if self.quick else (2, 3)
            conns = self.args.connections
            for r in range(rounds):
                order = targets[r % 4:] + targets[:r % 4]
                for name, target in order:
                    lat[name].append(self.guarded_wrk(instance_of.get(name, port), 'http://127.0.0.1:%d%s' % (
                        target, path), script, 1, 1, lat_s, cpu_of))
                for name, target in order:
                    thr[name].append(self.guarded_wrk(instance_of.get(name, port), 'http://127.0.0.1:%d%s' % (
                        target, path), script, 2, conns, thr_s, cpu_of))
            lat = {k: merge_rounds(v) for k, v in lat.items()}
            thr = {k: merge_rounds(v) for k, v in thr.items()}
            restarted = host_port(nimbus.pid, int(http_once(nimbus.port, 'GET', API + '/proxy/bench/web/port')[2])) != port
        finally:
            proxy.stop()
            router.stop()
        ratio = thr['nimbus']['rps'] / thr['nginx']['rps']
        added = lat['nimbus']['p50'] - lat['direct']['p50']
        added_nginx = lat['nginx']['p50'] - lat['direct']['p50']
        rows = []
        for name, label in (('direct', 'direct to the instance'), ('nginx', 'nginx reverse proxy'),
                            ('nimbus', 'Nimbus HTTP trigger'),
                            ('router', 'Nimbus, warm lane off (router)')):
            l, t = lat[name], thr[name]
            hop = name if name != 'direct' else None
            rows.append([label, fmt(l['p50'] / 1000, 3), fmt(l['p99'] / 1000, 3), fmt(l['rps'], 0),
                         fmt(t['rps'], 0), fmt(t['p50'] / 1000, 2), fmt(t['p99'] / 1000, 2),
                         fmt(t['cpu_us_per_req'].get(hop)) if hop else '-',
                         fmt(l['switches_per_req'].get(hop)) if hop else '-',
                         fmt(t['cpu_us_per_req'].get('router_instance' if name == 'router' else 'instance')),
                         l['errors'] + t['errors']])
        notes = [
            'Nimbus throughput = %.3fx nginx (target >= 0.9x: %s)' % (ratio, 'met' if ratio >= 0.9 else 'NOT met'),
            'Nimbus adds %.0f us to the direct p50 (target < 150 us: %s); nginx adds %.0f us'
            % (added, 'met' if added < 150 else 'NOT met', added_nginx),
            'warm lane vs the router (NIMBUS_WARM_LANE=off, a second Nimbus, its own instance of the same function): '
            '%.2fx throughput, p50 %.0f vs %.0f us' % (thr['nimbus']['rps'] / thr['router']['rps'],
                                                       lat['nimbus']['p50'], lat['router']['p50']),
            'low load: wrk -t1 -c1, %d rounds x %d s; throughput: wrk -t2 -c%d, %d rounds x %d s; medians over rounds'
            % (rounds, lat_s, conns, rounds, thr_s),
            'proxy CPU = CPU time of the Nimbus process (or the nginx master+workers) per request; ctx switches = '
            'context switches of all its threads per request (/proc); instance CPU = the instance\'s nginx',
        ]
        if restarted:
            notes.append('WARNING: the instance was replaced during the run (a call failed or it was killed); '
                         'figures are suspect')
        self.table('http', 'Warm HTTP-trigger round trip (custom runtime: nginx returning "ok")',
                   ['path', 'p50 ms (c1)', 'p99 ms (c1)', 'req/s (c1)', 'req/s (c%d)' % conns, 'p50 ms (c%d)' % conns,
                    'p99 ms (c%d)' % conns, 'proxy CPU us/req (c%d)' % conns, 'proxy ctx switches/req (c1)',
                    'instance CPU us/req (c%d)' % conns, 'errors'], rows, notes)
        self.results['http'] = {
            'low_load': lat, 'throughput': thr, 'throughput_ratio_vs_nginx': ratio,
            'added_p50_us_vs_direct': added, 'nginx_added_p50_us_vs_direct': added_nginx,
            'instance_restarted': restarted, 'connections': conns}

    # ---- scenario 2: warm sync invocations

    def scenario_invoke(self):
        nimbus = self.main_nimbus()
        conc = 4
        rows = []
        data = {}
        rounds = 1 if self.quick else 2
        secs = 1 if self.quick else 2
        for runtime, name in (('python3', 'evpy'), ('nodejs20', 'evnode')):
            self.deploy(nimbus, 'bench', name, runtime, runtime, instanceConcurrency=conc)
            path = API + '/services/bench/functions/%s/invocations' % name
            status, headers, body = http_once(nimbus.port, 'POST', path, b'port', nimbus.signed('POST', path))
            if status != 200 or not re.match(rb'^\d+$', body):
                raise RuntimeError('%s invocation answered %d %r' % (runtime, status, body[:300]))
            port = host_port(nimbus.pid, int(body))
            instance = headers.get('x-fc-instance-id')
            direct_headers = self.instance_headers(name, runtime)
            status, _, body = http_once(port, 'POST', '/invoke', b'x', direct_headers)
            if status != 200 or body != b'x':
                raise RuntimeError('direct /invoke to the %s instance answered %d %r' % (runtime, status, body[:300]))
            direct_script = wrk_script(self.workdir, 'POST', 'x', direct_headers)
            cpu_of = {'nimbus': lambda: [nimbus.pid]}
            lat = {'direct': [], 'nimbus': []}
            thr = {'direct': [], 'nimbus': []}
            for _ in range(rounds):
                for target in ('direct', 'nimbus'):
                    if target == 'direct':
                        url, script = 'http://127.0.0.1:%d/invoke' % port, direct_script
                    else:  # signed afresh for every run: the Date stays well inside 15 minutes
                        url = nimbus.endpoint + path
                        script = wrk_script(self.workdir, 'POST', 'x', nimbus.signed('POST', path))
                    lat[target].append(self.guarded_wrk(port, url, script, 1, 1, secs, cpu_of))
                    thr[target].append(self.guarded_wrk(port, url, script, 2, conc, secs, cpu_of))
            lat = {k: merge_rounds(v) for k, v in lat.items()}
            thr = {k: merge_rounds(v) for k, v in thr.items()}
            # The same call through the official SDK (requests + signing in Python), for the client's share.
            sdk = []
            deadline = time.perf_counter() + (0.5 if self.quick else 1.5)
            while time.perf_counter() < deadline and len(sdk) < 2000:
                began = time.perf_counter()
                nimbus.client.invoke_function('bench', name, payload=b'x')
                sdk.append((time.perf_counter() - began) * 1e6)
            _, headers, _ = http_once(nimbus.port, 'POST', path, b'x', nimbus.signed('POST', path))
            replaced = headers.get('x-fc-instance-id') != instance
            for target, label in (('direct', 'direct POST /invoke to the shim'), ('nimbus', 'Nimbus sync invocation')):
                l, t = lat[target], thr[target]
                rows.append([runtime, label, fmt(l['p50'] / 1000, 3), fmt(l['p99'] / 1000, 3), fmt(l['rps'], 0),
                             fmt(t['rps'], 0), fmt(t['p50'] / 1000, 2), fmt(t['p99'] / 1000, 2),
                             fmt(t['cpu_us_per_req'].get('nimbus')) if target == 'nimbus' else '-',
                             fmt(l['switches_per_req'].get('nimbus')) if target == 'nimbus' else '-',
                             l['errors'] + t['errors']])
            rows.append([runtime, 'official SDK invoke_function (Python)', fmt(percentile(sdk, 50) / 1000, 3),
                         fmt(percentile(sdk, 99) / 1000, 3), fmt(len(sdk) / sum(sdk) * 1e6, 0),
                         '-', '-', '-', '-', '-', 0])
            data[runtime] = {'low_load': lat, 'throughput': thr, 'sdk_us': {'p50': percentile(sdk, 50),
                             'p99': percentile(sdk, 99), 'n': len(sdk)},
                             'added_p50_us_vs_direct': lat['nimbus']['p50'] - lat['direct']['p50'],
                             'instance_replaced': replaced}
            if replaced:
                self.notes.append('invoke/%s: the instance was replaced during the run' % runtime)
        notes = ['signed requests replayed by wrk (SDK headers: Date, Content-Type, User-Agent, Authorization), '
                 'body "x"; instanceConcurrency %d so one instance serves both paths' % conc,
                 'c1: wrk -t1 -c1; c%d: wrk -t2 -c%d; %d round(s) x %d s each' % (conc, conc, rounds, secs)]
        for runtime in data:
            notes.append('%s: Nimbus adds %.0f us to the direct p50'
                         % (runtime, data[runtime]['added_p50_us_vs_direct']))
        self.table('invoke', 'Warm sync invocations (trivial event functions)',
                   ['runtime', 'path', 'p50 ms (c1)', 'p99 ms (c1)', 'req/s (c1)', 'req/s (c%d)' % conc,
                    'p50 ms (c%d)' % conc, 'p99 ms (c%d)' % conc, 'Nimbus CPU us/req (c%d)' % conc,
                    'Nimbus ctx switches/req (c1)', 'errors'], rows, notes)
        self.results['invoke'] = data

    def instance_headers(self, name, runtime):
        """What Nimbus sends an instance with an event call (InstanceContract.headers)."""
        return {
            'content-type': 'application/octet-stream', 'x-fc-request-id': 'bench-direct-call',
            'x-fc-access-key-id': '', 'x-fc-access-key-secret': '', 'x-fc-security-token': '',
            'x-fc-function-name': name, 'x-fc-function-handler': 'index.handler', 'x-fc-function-memory': '128',
            'x-fc-function-timeout': '60', 'x-fc-function-initializer': '', 'x-fc-initialization-timeout': '3',
            'x-fc-instance-lifecycle-pre-freeze-handler': '', 'x-fc-instance-lifecycle-pre-stop-handler': '',
            'x-fc-service-name': 'bench', 'x-fc-service-logproject': '', 'x-fc-service-logstore': '',
            'x-fc-qualifier': 'LATEST', 'x-fc-version-id': 'LATEST', 'x-fc-region': 'local',
            'x-fc-account-id': ACCOUNT_ID, 'x-fc-retry-count': '0', 'x-fc-control-path': '/invoke',
        }

    # ---- scenario 3: large payloads

    def scenario_payload(self):
        nimbus = self.main_nimbus()
        self.deploy(nimbus, 'bench', 'echo', 'custom', 'echo', trigger=True, memorySize=512)
        path = API + '/proxy/bench/echo/data'
        port = host_port(nimbus.pid, int(http_once(nimbus.port, 'GET', API + '/proxy/bench/echo/port')[2]))
        repeats = 3 if self.quick else 7
        rows = []
        data = {}
        for size_mb in (1, 16):
            payload = os.urandom(size_mb << 20)
            data[size_mb] = {}
            for target, tport in (('direct', port), ('nimbus', nimbus.port)):
                client = KeepAlive(tport)
                samples = []
                try:
                    for index in range(repeats + 1):
                        began = time.perf_counter()
                        status, _, body = client.request('POST', path, payload,
                                                         {'content-type': 'application/octet-stream'})
                        elapsed = time.perf_counter() - began
                        if status != 200 or body != payload:
                            raise RuntimeError('%s echo of %d MB answered %d with %d bytes'
                                               % (target, size_mb, status, len(body)))
                        if index:  # the first is a warm-up
                            samples.append(elapsed)
                finally:
                    client.close()
                median = statistics.median(samples)
                data[size_mb][target] = {'median_ms': median * 1000, 'max_ms': max(samples) * 1000,
                                         'mb_per_s': size_mb / median, 'samples_ms': [s * 1000 for s in samples]}
                label = 'direct to the instance' if target == 'direct' else 'Nimbus HTTP trigger'
                rows.append(['%d MB' % size_mb, label,
                             fmt(median * 1000, 1), fmt(max(samples) * 1000, 1), fmt(size_mb / median, 0)])
            sized = data[size_mb]
            sized['nimbus_added_ms'] = sized['nimbus']['median_ms'] - sized['direct']['median_ms']
        notes = ['POST of random bytes echoed back by a Node.js custom runtime; time = full round trip (up and '
                 'back), MB/s = payload MB / median round trip; median of %d after one warm-up' % repeats]
        for size_mb in (1, 16):
            notes.append('%d MB: Nimbus adds %.1f ms' % (size_mb, data[size_mb]['nimbus_added_ms']))
        self.table('payload', 'Large payloads through an HTTP trigger (echo)',
                   ['payload', 'path', 'median ms', 'max ms', 'MB/s'], rows, notes)
        self.results['payload'] = data

    # ---- scenario 4: cold start

    def scenario_cold(self):
        nimbus = self.main_nimbus()
        n = 5 if self.quick else self.args.cold
        rows = []
        data = {}
        for runtime, zip_key in (('python3', 'python3'), ('nodejs20', 'nodejs20'), ('custom', 'nginx')):
            client_ms, server_ms, warm_ms, modes = [], [], [], []
            for index in range(n):
                time.sleep(self.args.cold_spacing)  # first calls arrive apart: background refills (standbys) keep up
                name = 'cold-%s-%d' % (runtime.replace('.', ''), index)
                self.deploy(nimbus, 'bench', name, runtime, zip_key)
                path = API + '/services/bench/functions/%s/invocations' % name
                conn = KeepAlive(nimbus.port)
                try:
                    conn.request('GET', '/health')  # connection open before the clock starts
                    headers = nimbus.signed('POST', path)
                    began = time.perf_counter()
                    status, reply_headers, body = conn.request('POST', path, b'x', headers)
                    elapsed = time.perf_counter() - began
                    if status != 200:
                        raise RuntimeError('cold call to %s answered %d %r' % (name, status, body[:300]))
                    client_ms.append(elapsed * 1000)
                    reported = cold_start(reply_headers)
                    modes.append(reported['mode'] if reported else 'not reported')
                    if reported and reported['start_ms'] is not None:
                        server_ms.append(reported['start_ms'])
                    began = time.perf_counter()
                    conn.request('POST', path, b'x', headers)
                    warm_ms.append((time.perf_counter() - began) * 1000)
                finally:
                    conn.close()
            data[runtime] = {'first_call_ms': client_ms, 'instance_start_ms': server_ms, 'second_call_ms': warm_ms,
                             'modes': modes}
            mix = ', '.join('%s %d' % (mode, modes.count(mode)) for mode in sorted(set(modes)))
            rows.append([runtime, 'Nimbus: first call (client; %s)' % mix, fmt(statistics.median(client_ms)),
                         fmt(percentile(client_ms, 99)), n])
            if server_ms:
                rows.append([runtime, 'Nimbus: instance start as Nimbus reports it',
                             fmt(statistics.median(server_ms)), fmt(percentile(server_ms, 99)), len(server_ms)])
            rows.append([runtime, 'Nimbus: second call (warm)', fmt(statistics.median(warm_ms), 2),
                         fmt(percentile(warm_ms, 99), 2), n])
            for label, samples in self.cold_baselines(runtime, n):
                data[runtime]['baseline: ' + label] = samples
                rows.append([runtime, 'baseline: ' + label, fmt(statistics.median(samples)),
                             fmt(percentile(samples, 99)), len(samples)])
        reclaimed = self.cold_after_idle_reclaim(n)
        data['python3']['after_idle_reclaim_ms'] = reclaimed
        rows.insert(3, ['python3', 'Nimbus: first call after idle reclaim (client)', fmt(statistics.median(reclaimed)),
                        fmt(percentile(reclaimed, 99)), len(reclaimed)])
        sandbox = self.sandbox_baseline(n)
        if sandbox:
            data['sandbox_true_ms'] = sandbox
            rows.append(['(any)', 'baseline: bwrap + setpriv running /bin/true', fmt(statistics.median(sandbox)),
                         fmt(percentile(sandbox, 99)), len(sandbox)])
        notes = ['each sample is a fresh function (first call starts its first instance): signed sync invocation, '
                 'connection already open, %.1f s after the previous sample; "p99" of %d samples is their maximum; '
                 'modes as Nimbus reports them (standby = a pre-started runtime given the function)'
                 % (self.args.cold_spacing, n),
                 'unsandboxed baselines run the same program on this host until its port accepts a connection']
        bare = data['python3'].get('baseline: python3 -c pass (start and exit)')
        if bare:
            first = data['python3']['first_call_ms']
            data['issue4'] = {'bare_median_ms': statistics.median(bare),
                              'cold_median_ms': statistics.median(first), 'cold_p99_ms': percentile(first, 99)}
            t = data['issue4']
            notes.append('issue 4 targets for python3: cold median %.1f ms < half of `python3 -c pass` (%.1f ms): %s; '
                         'cold p99 %.1f ms < `python3 -c pass`: %s'
                         % (t['cold_median_ms'], t['bare_median_ms'] / 2,
                            'met' if t['cold_median_ms'] < t['bare_median_ms'] / 2 else 'NOT met',
                            t['cold_p99_ms'], 'met' if t['cold_p99_ms'] < t['bare_median_ms'] else 'NOT met'))
            t['after_idle_reclaim_median_ms'] = statistics.median(reclaimed)
            notes.append('after idle reclaim (function called before, metadata cached): median %.1f ms, %.2fx '
                         '`python3 -c pass`' % (t['after_idle_reclaim_median_ms'],
                                                t['after_idle_reclaim_median_ms'] / t['bare_median_ms']))
        self.table('cold', 'Cold start per runtime (median of %d)' % n,
                   ['runtime', 'what', 'median ms', 'p99 ms', 'n'], rows, notes)
        self.results['cold'] = data

    def cold_after_idle_reclaim(self, n):
        """The other cold start: a function called before, whose instance went away when idle (a second
        Nimbus with a 1 s idle timeout); nothing was written in between, so its metadata is cached."""
        nimbus = Nimbus(self.binary, self.workdir, 'reclaim', {'NIMBUS_INSTANCE_IDLE_TIMEOUT': '1'})
        self.cleanups.append(nimbus.stop)
        try:
            nimbus.client.create_service('bench', internetAccess=True)
            self.deploy(nimbus, 'bench', 'reclaimed', 'python3', 'python3')
            path = API + '/services/bench/functions/reclaimed/invocations'
            samples = []
            conn = KeepAlive(nimbus.port)
            try:
                conn.request('POST', path, b'x', nimbus.signed('POST', path))
                for _ in range(n):
                    deadline = time.monotonic() + 30
                    while nimbus.client.list_instances('bench', 'LATEST', 'reclaimed').data['instances']:
                        if time.monotonic() > deadline:
                            raise RuntimeError('the idle instance was not reclaimed within 30 s')
                        time.sleep(0.1)
                    time.sleep(self.args.cold_spacing)  # the standby pool refills
                    headers = nimbus.signed('POST', path)
                    began = time.perf_counter()
                    status, reply_headers, body = conn.request('POST', path, b'x', headers)
                    elapsed = time.perf_counter() - began
                    reported = cold_start(reply_headers)
                    if status != 200 or not reported or reported.get('reason') != 'after-idle-reclaim':
                        raise RuntimeError('call after idle reclaim answered %d %r %r' % (status, reported, body[:200]))
                    samples.append(elapsed * 1000)
            finally:
                conn.close()
        finally:
            nimbus.stop()
        return samples

    def cold_baselines(self, runtime, n):
        out = []
        timed = lambda command: self.time_command(command, n)
        if runtime == 'python3':
            python = os.environ.get('NIMBUS_PYTHON', '/usr/bin/python3')
            out.append(('python3 -c pass (start and exit)', timed([python, '-c', 'pass'])))
            if self.shim_path('python/bootstrap.py'):
                out.append(('python3 shim listening, unsandboxed', self.time_listen('python3', n)))
        elif runtime == 'nodejs20':
            node = os.environ.get('NIMBUS_NODE', '/usr/bin/node')
            out.append(('node -e 0 (start and exit)', timed([node, '-e', '0'])))
            if self.shim_path('nodejs/bootstrap.js'):
                out.append(('nodejs shim listening, unsandboxed', self.time_listen('nodejs20', n)))
        else:
            out.append(('nginx bootstrap listening, unsandboxed', self.time_listen('custom', n)))
        return out

    def shim_path(self, relative):
        for folder in glob.glob(os.path.join(os.path.dirname(os.path.realpath(self.binary)), '*NimbusRuntime*')):
            path = os.path.join(folder, relative)
            if os.path.exists(path):
                return path
        return None

    @staticmethod
    def time_command(command, n):
        """Start-to-exit times of a command. A blocking wait(): Popen.wait(timeout=...) polls with doubling
        sleeps (0.5, 1, 2, 4, 8 ms...) and would round every sample up to 7.5, 15.5, 31.5 ms..."""
        samples = []
        for _ in range(n):
            began = time.perf_counter()
            process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            watchdog = threading.Timer(30, process.kill)
            watchdog.start()
            status = process.wait()
            elapsed = time.perf_counter() - began
            watchdog.cancel()
            if status != 0:
                raise subprocess.CalledProcessError(status, command)
            samples.append(elapsed * 1000)
        return samples

    def unsandboxed(self, runtime, port):
        """argv, env and cwd to run a runtime's program on the host as Nimbus would run it in the sandbox."""
        code = os.path.join(self.workdir, 'code-%s' % runtime)
        if not os.path.isdir(code):
            with zipfile.ZipFile(self.zips[{'custom': 'nginx'}.get(runtime, runtime)]) as archive:
                archive.extractall(code)
            if runtime == 'custom':
                os.chmod(os.path.join(code, 'bootstrap'), 0o755)
        os.makedirs(os.path.join(self.workdir, 'scratch'), exist_ok=True)
        scratch = tempfile.mkdtemp(dir=os.path.join(self.workdir, 'scratch'))
        env = {'PATH': '/usr/local/bin:/usr/bin:/bin', 'HOME': scratch, 'LANG': 'C.UTF-8',
               'FC_SERVER_PORT': str(port), 'FC_CUSTOM_LISTEN_PORT': str(port), 'PORT': str(port),
               'FC_FUNC_CODE_PATH': code, 'FC_FUNCTION_HANDLER': 'index.handler', 'FC_FUNCTION_NAME': 'base',
               'FC_SERVICE_NAME': 'bench', 'FC_FUNCTION_MEMORY_SIZE': '128', 'FC_INSTANCE_CONCURRENCY': '1',
               'NGX_DIR': scratch}
        if runtime == 'python3':
            argv = [os.environ.get('NIMBUS_PYTHON', '/usr/bin/python3'), '-u', self.shim_path('python/bootstrap.py')]
        elif runtime == 'nodejs20':
            argv = [os.environ.get('NIMBUS_NODE', '/usr/bin/node'), self.shim_path('nodejs/bootstrap.js')]
        else:
            argv = ['/bin/sh', os.path.join(code, 'bootstrap')]
        return argv, env, code

    def time_listen(self, runtime, n):
        """Starts the runtime's program unsandboxed and times it until its port accepts."""
        samples = []
        for _ in range(n):
            port = free_port()
            argv, env, code = self.unsandboxed(runtime, port)
            began = time.perf_counter()
            process = spawn(argv, cwd=code, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                if not wait_port(port, 20, 0.0005):
                    raise RuntimeError('%s did not listen unsandboxed' % runtime)
                samples.append((time.perf_counter() - began) * 1000)
            finally:
                self.kill_group(process)
        return samples

    @staticmethod
    def kill_group(process):
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(timeout=10)

    def sandbox_baseline(self, n):
        """bubblewrap + setpriv around /bin/true with mounts like Nimbus's SandboxPlan (no cgroup, no init)."""
        if not (os.path.exists('/usr/bin/bwrap') and os.path.exists('/usr/bin/setpriv')) or os.geteuid() != 0:
            return None
        command = ['/usr/bin/bwrap', '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try',
                   '--die-with-parent', '--new-session', '--ro-bind', '/usr', '/usr',
                   '--symlink', 'usr/bin', '/bin', '--symlink', 'usr/lib', '/lib', '--symlink', 'usr/lib64', '/lib64',
                   '--symlink', 'usr/sbin', '/sbin', '--dir', '/etc', '--ro-bind-try', '/etc/passwd', '/etc/passwd',
                   '--proc', '/proc', '--dev', '/dev', '--size', str(512 << 20), '--tmpfs', '/tmp',
                   '--ro-bind', self.workdir, '/code', '--chdir', '/code', '--',
                   '/usr/bin/setpriv', '--reuid', '65534', '--regid', '65534', '--clear-groups', '--no-new-privs',
                   '--bounding-set', '-all', '--inh-caps', '-all', '--', '/usr/bin/true']
        try:
            return self.time_command(command, n)
        except (subprocess.CalledProcessError, OSError) as error:
            self.notes.append('sandbox baseline skipped: %s' % error)
            return None

    # ---- scenario 5: burst scale-out

    def scenario_burst(self):
        nimbus = self.main_nimbus()
        count = self.args.burst
        hold = self.args.hold_ms
        name = 'burst'
        self.deploy(nimbus, 'bench', name, 'python3', 'python3')
        path = API + '/services/bench/functions/%s/invocations' % name
        headers = nimbus.signed('POST', path)
        payload = b'hold:%d' % hold
        barrier = threading.Barrier(count + 1)
        results = [None] * count
        instances_before = len(instance_cgroups('', nimbus.pid))

        def caller(index):
            conn = http.client.HTTPConnection('127.0.0.1', nimbus.port, timeout=120)
            try:
                conn.connect()
                conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                barrier.wait(timeout=60)
                conn.request('POST', path, body=payload, headers=headers)
                response = conn.getresponse()
                body = response.read()
                results[index] = (time.perf_counter(), response.status, response.getheader('x-fc-instance-id'),
                                  cold_start({k.lower(): v for k, v in response.getheaders()}), body[:200])
            except Exception as error:  # reported below
                results[index] = (time.perf_counter(), -1, None, None, repr(error).encode())
            finally:
                conn.close()

        threads = [threading.Thread(target=caller, args=(i,), daemon=True) for i in range(count)]
        for thread in threads:
            thread.start()
        barrier.wait(timeout=60)
        released = time.perf_counter()
        for thread in threads:
            thread.join(timeout=150)
        instances_after = len(instance_cgroups('', nimbus.pid))
        done = [r for r in results if r is not None]
        ok = [r for r in done if r[1] == 200]
        latencies = [(r[0] - released) * 1000 for r in ok]
        # An instance serves a queued call as soon as it is ready, and reports its start on that first call:
        # it was ready about `hold` before that call was answered.
        ready = sorted(((r[0] - released) * 1000 - hold) for r in ok if r[3])
        starts = [r[3]['start_ms'] for r in ok if r[3] and r[3]['start_ms'] is not None]
        modes = [r[3]['mode'] for r in ok if r[3]]
        served_by = len({r[2] for r in ok if r[2]})
        total = (max(r[0] for r in done) - released) * 1000 if done else None
        failures = [r for r in done if r[1] != 200]
        baseline = self.burst_baseline(count, 'python3')
        all_ready_ms = max(ready) if ready else None
        rate = len(ready) / (all_ready_ms / 1000) if ready else None
        data = {'calls': count, 'hold_ms': hold, 'answered_ok': len(ok), 'instances_ready': len(ready),
                'all_instances_ready_ms': all_ready_ms, 'instances_ready_per_s': rate,
                'failed': len(failures) + (count - len(done)), 'total_ms': total,
                'p50_ms': percentile(latencies, 50) if latencies else None,
                'p99_ms': percentile(latencies, 99) if latencies else None,
                'instances_serving': served_by, 'instances_running_after': instances_after - instances_before,
                'start_modes': {m: modes.count(m) for m in set(modes)},
                'instance_start_ms': {'p50': percentile(starts, 50), 'p99': percentile(starts, 99),
                                      'n': len(starts)} if starts else None,
                'first_failure': failures[0][4].decode('utf-8', 'replace') if failures else None,
                'baseline_all_listening_ms': baseline}
        rows = [['Nimbus: %d concurrent first calls' % count, fmt(total), fmt(data['p50_ms']), fmt(data['p99_ms']),
                 '%d ok / %d failed' % (len(ok), data['failed']),
                 '%d served calls, %d running after' % (served_by, instances_after - instances_before),
                 fmt(all_ready_ms), fmt(rate, 0)],
                ['baseline: %d python3 shims started at once, unsandboxed' % count,
                 '-', '-', '-', '-', '%d' % count if baseline else '-', fmt(baseline),
                 fmt(count / (baseline / 1000), 0) if baseline else '-']]
        notes = ['python3 function holding each call %d ms (so every call wants its own instance), '
                 'instanceConcurrency 1, NIMBUS_INSTANCE_MAX_PER_FUNCTION=%d; one thread and connection per call, '
                 'released together; latency from the release (it includes the %d ms hold)' % (hold, count, hold),
                 'ready = the instances that served calls (each reports its start on its first call), ready at that '
                 'call\'s answer minus the hold; instances still starting when the queue emptied never serve; '
                 'their start as Nimbus reports it: p50 %s / p99 %s ms; modes: %s'
                 % (fmt(percentile(starts, 50)) if starts else '-', fmt(percentile(starts, 99)) if starts else '-',
                    ', '.join('%s %d' % (m, modes.count(m)) for m in sorted(set(modes))) or '-'),
                 'issue 4 targets: zero errors (%s), over 100 instances started per second (%s)'
                 % ('met' if not data['failed'] else 'NOT met',
                    'met' if rate and rate > 100 else 'NOT met')]
        if failures:
            notes.append('first failure: %s' % data['first_failure'][:200])
        self.table('burst', 'Burst scale-out (fresh function)',
                   ['what', 'all answered ms', 'p50 ms', 'p99 ms', 'calls', 'instances', 'all ready ms',
                    'instances ready/s'], rows, notes)
        self.results['burst'] = data

    def burst_baseline(self, count, runtime):
        """The same programs started at once on the host, no sandbox and no Nimbus: until all listen."""
        processes = []
        try:
            ports = set()
            while len(ports) < count:
                ports.add(free_port())
            launches = [(port,) + self.unsandboxed(runtime, port) for port in ports]
            began = time.perf_counter()
            for port, argv, env, code in launches:
                processes.append(spawn(argv, cwd=code, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            pending = set(ports)
            deadline = time.perf_counter() + 60
            while pending and time.perf_counter() < deadline:
                pending = {p for p in pending if not accepts(p)}
                if pending:
                    time.sleep(0.002)
            return None if pending else (time.perf_counter() - began) * 1000
        finally:
            for process in processes:
                self.kill_group(process)

    # ---- scenario 6: density

    def scenario_density(self):
        self.stop_main()  # its instances go; memory figures are this Nimbus's alone
        functions = 100 if self.quick else self.args.functions
        warm = min(functions, 20 if self.quick else self.args.warm)
        nimbus = Nimbus(self.binary, self.workdir, 'density', {'NIMBUS_INSTANCE_IDLE_TIMEOUT': '1800',
                                                               'NIMBUS_INSTANCE_MAX': str(warm + 100)})
        self.last_density = nimbus
        self.cleanups.append(nimbus.stop)
        try:
            self.density(nimbus, functions, warm)
        finally:
            began = time.perf_counter()
            nimbus.stop()
            self.results.setdefault('density', {})['shutdown_s'] = time.perf_counter() - began

    def density(self, nimbus, functions, warm):
        data = {}
        time.sleep(1.0)
        data['rss_mb_empty'] = nimbus.rss_mb()
        nimbus.client.create_service('dense', internetAccess=True)
        names = ['d%04d' % i for i in range(functions)]
        signed_get = lambda path: nimbus.signed('GET', path.split('?')[0])  # as the SDK: queries unsigned
        conn = KeepAlive(nimbus.port)

        def latency(method, path, headers_fn, n):
            samples = []
            for _ in range(n):
                headers = headers_fn(path) if headers_fn else {}
                began = time.perf_counter()
                status, _, body = conn.request(method, path, None, headers)
                samples.append((time.perf_counter() - began) * 1e6)
                if status != 200:
                    raise RuntimeError('%s %s answered %d %r' % (method, path, status, body[:200]))
            return samples

        list_path = API + '/services/dense/functions?limit=100'
        route_path = API + '/proxy/dense/%s/' % names[0]
        n = 50 if self.quick else 200
        # size 1: the baseline for list and route
        self.deploy(nimbus, 'dense', names[0], 'python3', 'python3', trigger=True)
        conn.request('GET', route_path)
        list_1 = latency('GET', list_path, signed_get, n)
        route_1 = latency('GET', route_path, None, n)
        began = time.perf_counter()
        errors = []

        def creator(chunk):
            client = fc2.Client(endpoint=nimbus.endpoint, accessKeyID=ACCESS_KEY_ID,
                                accessKeySecret=ACCESS_KEY_SECRET, Timeout=120)
            for name in chunk:
                try:
                    client.create_function('dense', name, 'python3', 'index.handler',
                                           codeZipFile=self.zips['python3'], memorySize=128, timeout=60)
                    client.create_trigger('dense', name, 'http', 'http',
                                          {'authType': 'anonymous', 'methods': ['GET', 'POST']}, None, None)
                except Exception as error:
                    errors.append(repr(error))

        rest = names[1:]
        workers = 4
        threads = [threading.Thread(target=creator, args=(rest[i::workers],)) for i in range(workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=600)
        data['create_s'] = time.perf_counter() - began
        data['create_errors'] = len(errors)
        if errors:
            self.notes.append('density: %d creations failed, first: %s' % (len(errors), errors[0][:200]))
        time.sleep(1.0)
        data['rss_mb_functions'] = nimbus.rss_mb()
        list_n = latency('GET', list_path, signed_get, n)
        route_n = latency('GET', route_path, None, n)

        # warm instances: one call each to `warm` functions, 8 at a time
        rss_before_warm = nimbus.rss_mb()
        began = time.perf_counter()
        warm_errors = []
        targets = names[:warm]

        def warmer(chunk):
            client = KeepAlive(nimbus.port, timeout=120)
            for name in chunk:
                try:
                    status, _, body = client.request('GET', API + '/proxy/dense/%s/' % name)
                    if status != 200:
                        warm_errors.append('%s: %d %r' % (name, status, body[:200]))
                except Exception as error:
                    warm_errors.append('%s: %r' % (name, error))
            client.close()

        threads = [threading.Thread(target=warmer, args=(targets[i::8],)) for i in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=600)
        data['warm_s'] = time.perf_counter() - began
        data['warm_errors'] = len(warm_errors)
        if warm_errors:
            self.notes.append('density: %d warm-up calls failed, first: %s' % (len(warm_errors), warm_errors[0]))
        data['instances_right_after_warm'] = len(instance_cgroups('', nimbus.pid))
        time.sleep(2.0)
        data['rss_mb_warm'] = nimbus.rss_mb()
        folders = instance_cgroups('', nimbus.pid)  # every instance of this Nimbus (idle standbys included)
        data['instances'] = len(folders)
        cgroup_bytes = [cgroup_memory_bytes(f) or 0 for f in folders]
        rss_kb, pss_kb = [], []
        for folder in folders:
            pids = instance_processes(folder)
            rss_kb.append(sum(proc_kb(p, 'VmRSS') for p in pids))
            pss_kb.append(sum(proc_kb(p, 'Pss', 'smaps_rollup') for p in pids))
        list_w = latency('GET', list_path, signed_get, n)
        route_w = latency('GET', route_path, None, n)
        conn.close()
        k = len(folders) or 1
        data.update({
            'functions': functions, 'warm_target': warm,
            'cgroup_mb_per_instance': sum(cgroup_bytes) / k / 1048576,
            'rss_mb_per_instance': sum(rss_kb) / k / 1024, 'pss_mb_per_instance': sum(pss_kb) / k / 1024,
            'nimbus_mb_per_instance': (data['rss_mb_warm'] - rss_before_warm) / max(1, warm - len(warm_errors)),
            'list_us': {'1': self.stats(list_1), str(functions): self.stats(list_n), 'warm': self.stats(list_w)},
            'route_us': {'1': self.stats(route_1), str(functions): self.stats(route_n), 'warm': self.stats(route_w)},
        })
        self.results['density'] = data
        if data['instances'] < warm - len(warm_errors):
            self.notes.append('density: %d instances were warmed but %d remain (%d right after warming); something '
                              'stopped the others' % (warm - len(warm_errors), data['instances'],
                                                      data['instances_right_after_warm']))
        mb = lambda v: fmt(v, 1)
        us = lambda s: '%s / %s' % (fmt(percentile(s, 50) / 1000, 2), fmt(percentile(s, 99) / 1000, 2))
        rows = [
            ['Nimbus RSS (MB)', mb(data['rss_mb_empty']), mb(data['rss_mb_functions']), mb(data['rss_mb_warm'])],
            ['list_functions, limit 100: p50 / p99 ms', us(list_1), us(list_n), us(list_w)],
            ['HTTP-trigger route to d0000 (warm): p50 / p99 ms', us(route_1), us(route_n), us(route_w)],
        ]
        target_met = data['rss_mb_functions'] < 100
        notes = [
            'created %d functions + HTTP triggers (python3, one shared zip, 4 client threads) in %.1f s; warmed %d '
            'instances (128 MB each, 8 at a time) in %.1f s; %d instance cgroups found'
            % (functions - 1, data['create_s'], warm, data['warm_s'], data['instances']),
            'per warm instance: cgroup memory %.1f MB (bwrap + python3 shim, page cache included), RSS %.1f MB and '
            'PSS %.1f MB (nimbus-init + bwrap + python3 shim); Nimbus itself grew %.2f MB per instance'
            % (data['cgroup_mb_per_instance'], data['rss_mb_per_instance'], data['pss_mb_per_instance'],
               data['nimbus_mb_per_instance']),
            'Nimbus RSS with %d functions: %.1f MB (target < 100 MB: %s)'
            % (functions, data['rss_mb_functions'], 'met' if target_met else 'NOT met'),
            'latency from a Python keep-alive client (http.client, ~50-100 us of its own)',
        ]
        self.table('density', 'Density: %d functions, %d warm instances' % (functions, warm),
                   ['measure', '1 function', '%d functions' % functions, '+ %d warm instances' % warm], rows, notes)

    @staticmethod
    def stats(samples):
        return {'p50': percentile(samples, 50), 'p99': percentile(samples, 99), 'n': len(samples)}

    # ---- driver

    def machine(self):
        info = {'cores': os.cpu_count(), 'kernel': platform.release(), 'arch': platform.machine()}
        try:
            with open('/proc/cpuinfo') as handle:
                models = re.findall(r'^model name\s*:\s*(.+)$', handle.read(), re.M)
            info['cpu'] = models[0].strip() if models else platform.processor()
        except OSError:
            info['cpu'] = platform.processor()
        info['memory_gb'] = round(proc_meminfo('MemTotal') / 1048576, 1)
        try:
            with open('/etc/os-release') as handle:
                info['os'] = re.search(r'^PRETTY_NAME="?([^"\n]+)', handle.read(), re.M).group(1)
        except (OSError, AttributeError):
            info['os'] = platform.platform()
        kinds = []
        if shutil.which('systemd-detect-virt'):
            for flag in ('--vm', '--container'):
                out = subprocess.run(['systemd-detect-virt', flag], capture_output=True, text=True).stdout.strip()
                if out and out != 'none':
                    kinds.append(out)
        if not kinds:
            try:
                with open('/proc/cpuinfo') as handle:
                    if ' hypervisor' in handle.read():
                        kinds.append('hypervisor')
            except OSError:
                pass
        info['virtualization'] = ' + '.join(kinds) or 'none'
        versions = {}
        for name, command in (('wrk', ['wrk', '-v']), ('nginx', ['nginx', '-v']),
                              ('python3', [os.environ.get('NIMBUS_PYTHON', '/usr/bin/python3'), '--version']),
                              ('node', [os.environ.get('NIMBUS_NODE', '/usr/bin/node'), '--version']),
                              ('bwrap', ['bwrap', '--version'])):
            try:
                out = subprocess.run(command, capture_output=True, text=True, timeout=10)
                versions[name] = (out.stdout + out.stderr).strip().splitlines()[0].split(' Copyright')[0]
            except (OSError, IndexError, subprocess.TimeoutExpired):
                versions[name] = None
        info['tools'] = versions
        try:
            commit = subprocess.run(['git', '-C', REPO, 'rev-parse', '--short', 'HEAD'], capture_output=True,
                                    text=True).stdout.strip()
            dirty = subprocess.run(['git', '-C', REPO, 'status', '--porcelain', '--', 'Sources', 'Package.swift'],
                                   capture_output=True, text=True).stdout.strip()
            info['checkout'] = commit + (' + uncommitted changes in Sources' if dirty else '')
        except OSError:
            pass
        built = datetime.datetime.fromtimestamp(os.path.getmtime(self.binary), datetime.timezone.utc)
        info['binary_built'] = built.isoformat(timespec='seconds')
        info['nimbus_commit'] = os.environ.get('NIMBUS_BENCH_COMMIT') or (
            'checkout %s; binary built %s' % (info.get('checkout', '?'), info['binary_built']))
        info['load_before'] = os.getloadavg()
        return info

    def run(self):
        started = datetime.datetime.now(datetime.timezone.utc)
        machine = self.machine()
        print('# Nimbus benchmarks, %s' % started.strftime('%Y-%m-%d %H:%M UTC'))
        print('machine: %d cores (%s), %.1f GB RAM, %s, kernel %s, %s; virtualization: %s' % (
            machine['cores'], machine['cpu'], machine['memory_gb'], machine['arch'], machine['kernel'],
            machine['os'], machine.get('virtualization', '?')))
        print('nimbus: %s (%s); tools: %s' % (self.binary, machine.get('nimbus_commit'),
                                                     ', '.join('%s' % v for v in machine['tools'].values() if v)))
        print('load average before: %.2f %.2f %.2f' % machine['load_before'], flush=True)
        global MONITOR
        MONITOR = ForeignServers()
        MONITOR.start()
        others = sorted(MONITOR.seen)
        machine['other_nimbus_servers'] = len(others)
        if others:
            warning = ('%d other `nimbus serve` process(es) run on this host: they share the cores (and a Nimbus '
                       'older than 0877998 kills every instance under /sys/fs/cgroup/*/nimbus when it starts)'
                       % len(others))
            self.notes.append(warning)
            print('WARNING: ' + warning, flush=True)
        scenarios = ['http', 'invoke', 'payload', 'cold', 'burst', 'density']
        chosen = [s for s in scenarios if (not self.args.only or s in self.args.only) and s not in self.args.skip]
        failures = {}
        timings = {}
        try:
            for name in chosen:
                began = time.perf_counter()
                foreign_before = MONITOR.started
                servers = [n for n in (self.main,) if n is not None]
                warnings_before = {id(n): len(n.warnings()) for n in servers}
                try:
                    try:
                        getattr(self, 'scenario_' + name)()
                    except InstanceLost as error:
                        self.notes.append('%s: ran twice: %s' % (name, error))
                        print('\n   %s: %s; running it again' % (name, error), flush=True)
                        getattr(self, 'scenario_' + name)()
                except Exception as error:
                    failures[name] = '%s: %s' % (type(error).__name__, error)
                    print('\n## %s: could not run here: %s' % (name, failures[name]), flush=True)
                    traceback.print_exc()
                timings[name] = time.perf_counter() - began
                print('   (%s took %.1f s)' % (name, timings[name]), flush=True)
                foreign = MONITOR.started - foreign_before
                if foreign:
                    self.notes.append('%s: %d `nimbus serve` process(es) not ours started during the scenario (load '
                                      'from elsewhere; a Nimbus older than 0877998 also kills instances at start)'
                                      % (name, foreign))
                for server in [n for n in (self.main, self.last_density) if n is not None]:
                    lines = server.warnings()[warnings_before.get(id(server), 0):]
                    if lines:
                        self.notes.append('%s: Nimbus logged %d warning(s), first: %s'
                                          % (name, len(lines), lines[0][:240]))
        finally:
            self.stop_main()
            for cleanup in reversed(self.cleanups):
                try:
                    cleanup()
                except Exception:
                    pass
        machine['load_after'] = os.getloadavg()
        MONITOR.stopping.set()
        machine['foreign_nimbus_starts'] = MONITOR.started
        targets = self.targets()
        if targets:
            print('\n## Targets (issue 10; issue 4 for cold start and burst)')
            for t in targets:
                print('  %-62s %-12s measured %-10s %s' % (t['name'], t['target'], t['measured'],
                                                           'met' if t['met'] else 'NOT MET'))
        for note in self.notes:
            print('  * ' + note)
        report = {
            'started': started.isoformat(timespec='seconds'), 'machine': machine, 'binary': self.binary,
            'scenario_seconds': timings, 'failed': failures, 'targets': targets, 'notes': self.notes,
            'results': self.results, 'tables': self.tables, 'quick': self.quick,
        }
        os.makedirs(os.path.dirname(os.path.abspath(self.args.json)), exist_ok=True)
        with open(self.args.json, 'w') as handle:
            json.dump(report, handle, indent=1, default=str)
            handle.write('\n')
        with open(os.path.splitext(self.args.json)[0] + '.md', 'w') as handle:
            handle.write(self.markdown(report))
        print('\nwrote %s (and .md); total %.0f s' % (self.args.json, sum(timings.values())))
        if failures:
            print('kept %s (Nimbus logs) for the failures above' % self.workdir)
        else:
            shutil.rmtree(self.workdir, ignore_errors=True)
        return 1 if failures else 0

    def targets(self):
        out = []
        http_ = self.results.get('http')
        if http_:
            out.append({'name': 'warm HTTP-trigger throughput vs nginx (c%d)' % http_['connections'],
                        'target': '>= 0.9x', 'measured': '%.3fx' % http_['throughput_ratio_vs_nginx'],
                        'met': http_['throughput_ratio_vs_nginx'] >= 0.9})
            out.append({'name': 'added p50 over the direct call (c1)', 'target': '< 150 us',
                        'measured': '%.0f us' % http_['added_p50_us_vs_direct'],
                        'met': http_['added_p50_us_vs_direct'] < 150})
        cold = self.results.get('cold', {}).get('issue4')
        if cold:
            out.append({'name': 'issue 4: python3 cold-start median vs half of python3 -c pass', 'target':
                        '< %.1f ms' % (cold['bare_median_ms'] / 2), 'measured': '%.1f ms' % cold['cold_median_ms'],
                        'met': cold['cold_median_ms'] < cold['bare_median_ms'] / 2})
            out.append({'name': 'issue 4: python3 cold-start p99 vs python3 -c pass', 'target':
                        '< %.1f ms' % cold['bare_median_ms'], 'measured': '%.1f ms' % cold['cold_p99_ms'],
                        'met': cold['cold_p99_ms'] < cold['bare_median_ms']})
        burst = self.results.get('burst')
        if burst:
            out.append({'name': 'issue 4: burst of %d, errors' % burst['calls'], 'target': '0',
                        'measured': str(burst['failed']), 'met': burst['failed'] == 0})
            if burst.get('instances_ready_per_s'):
                out.append({'name': 'issue 4: burst, instances started per second', 'target': '> 100',
                            'measured': '%.0f' % burst['instances_ready_per_s'],
                            'met': burst['instances_ready_per_s'] > 100})
        dense = self.results.get('density')
        if dense and 'rss_mb_functions' in dense:
            out.append({'name': 'Nimbus RSS with %d functions deployed' % dense['functions'], 'target': '< 100 MB',
                        'measured': '%.1f MB' % dense['rss_mb_functions'], 'met': dense['rss_mb_functions'] < 100})
        return out

    @staticmethod
    def markdown(report):
        m = report['machine']
        lines = ['Run %s on %d cores (%s), %.1f GB RAM, %s, kernel %s (%s), virtualization: %s; Nimbus: %s.'
                 % (report['started'], m['cores'], m['cpu'], m['memory_gb'], m['arch'], m['kernel'], m['os'],
                    m.get('virtualization', '?'), m.get('nimbus_commit')),
                 '', 'Load average before %s, after %s; other `nimbus serve` processes on the host at start: %s, '
                 'started during the run: %s.' % (
                     ' '.join('%.2f' % v for v in m.get('load_before', ())),
                     ' '.join('%.2f' % v for v in m.get('load_after', ())),
                     m.get('other_nimbus_servers', '?'), m.get('foreign_nimbus_starts', '?')), '']
        for t in report['tables']:
            lines.append('### ' + t['title'])
            lines.append('')
            lines.append('| ' + ' | '.join(str(c) for c in t['columns']) + ' |')
            lines.append('|' + '---|' * len(t['columns']))
            for row in t['rows']:
                lines.append('| ' + ' | '.join(str(v) for v in row) + ' |')
            lines.append('')
            for note in t['notes']:
                lines.append('- ' + note)
            lines.append('')
        for name, error in report['failed'].items():
            lines.append('- **%s could not run here**: %s' % (name, error))
        if report['notes']:
            lines += ['### Run notes', ''] + ['- ' + note for note in report['notes']] + ['']
        if report['targets']:
            lines += ['### Targets', '', '| target | wanted | measured | |', '|---|---|---|---|']
            for t in report['targets']:
                lines.append('| %s | %s | %s | %s |' % (t['name'], t['target'], t['measured'],
                                                       'met' if t['met'] else '**not met**'))
            lines.append('')
        return '\n'.join(lines) + '\n'


def proc_meminfo(field):
    with open('/proc/meminfo') as handle:
        for line in handle:
            if line.startswith(field + ':'):
                return int(line.split()[1])
    return 0


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
    suite = Suite(args)

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
