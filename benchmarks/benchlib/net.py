"""Ports and HTTP: reachability, one-shot and keep-alive clients, Nimbus's cold-start header, and the host
port (and processes) behind an instance's port."""

import glob
import http.client
import os
import socket
import time

from nimbus_serve import free_port  # noqa: F401  (re-exported: the same free loopback port as the launcher's)


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


def host_port(server_pid, port, instance):
    """The host's port for the port instance `instance` reported. An instance listens in a network
    namespace of its own (every one on the same port, 9000 by default); Nimbus (and this suite) reach
    it on the host port its nimbus-init relays from (`--relay HOST:PORT`), the nimbus-init whose
    cgroup is the instance's (`i-ID`). An instance in the host's namespace is its own port."""
    cgroup = '/i-%s/' % instance
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
        if not any(cgroup in value for flag, value in zip(argv, argv[1:]) if flag == '--cgroup-procs'):
            continue
        relayed = argv[argv.index('--relay') + 1].split(':')
        if len(relayed) == 2 and int(relayed[1]) == port:
            return int(relayed[0])
    return port


def trigger_instance_port(nimbus, base):
    """The host port of the instance serving the HTTP trigger at `base` (it answers `base/port`
    and `base/instance`); the trigger's function runs one instance."""
    port = int(http_once(nimbus.port, 'GET', base + '/port')[2])
    instance = http_once(nimbus.port, 'GET', base + '/instance')[2].decode()
    return host_port(nimbus.pid, port, instance)


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
