"""Issue #22: every instance in a network namespace of its own. A function scanning every loopback port
finds nothing of another instance or of the host; with internet access it still reaches the outside
(a server in a network namespace this test makes, the only "internet" this machine has); without it,
nothing at all."""

import concurrent.futures
import json
import os
import socket
import subprocess
import threading
import time
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import fc2
import pytest

from interop_util import OutsideNetwork, bootstrap_zip, start_server, unique

PROBE = r'''
import json, os, socket, time, urllib.request

def reachable(host, port):
    try:
        with socket.create_connection((host, port), timeout=0.5) as s:
            if s.getsockname() == s.getpeername():
                return None  # TCP's self-connect: a scan of the ephemeral range meets its own socket
            s.sendall(b'POST /invoke HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}')
            s.settimeout(1)
            try:
                return s.recv(64).decode('latin1') or 'connected'
            except OSError:
                return 'connected'
    except OSError:
        return None

def listening():
    ports = set()
    for path in ('/proc/net/tcp', '/proc/net/tcp6'):
        try:
            lines = open(path).read().splitlines()[1:]
        except OSError:
            continue
        ports.update(int(l.split()[1].rsplit(':', 1)[1], 16) for l in lines if l.split()[3] == '0A')
    return sorted(ports)

def handler(event, context):
    ask = json.loads(event)
    time.sleep(ask.get('hold', 0))  # so that several instances are alive at once
    found = {}
    for port in range(1, 65536):  # every loopback port, not only the ones /proc lists
        answer = reachable('127.0.0.1', port)
        if answer is not None:
            found[str(port)] = answer[:40]
    targets = {t: reachable(t.rsplit(':', 1)[0], int(t.rsplit(':', 1)[1])) for t in ask.get('targets', [])}
    try:
        outside = urllib.request.urlopen(ask['outside'], timeout=3).read().decode()
    except Exception as error:
        outside = 'failed: %s' % type(error).__name__
    return json.dumps({'listening': listening(), 'loopback': found,
                       'targets': targets, 'outside': outside, 'instance': os.environ.get('FC_INSTANCE_ID')})
'''

VICTIM_APP = r'''#!/usr/bin/env python3
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import os
class H(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    def do_POST(self):
        self.rfile.read(int(self.headers.get('Content-Length') or 0))
        body = b'victim secret'
        self.send_response(200)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a): pass
ThreadingHTTPServer(('0.0.0.0', int(os.environ.get('FC_SERVER_PORT', '9000'))), H).serve_forever()
'''


@pytest.fixture(scope='module')
def outside():
    """An HTTP server in a network namespace of the test's own, reached over a veth pair: the outside."""
    network = OutsideNetwork()
    script = ('import http.server as h\nclass H(h.BaseHTTPRequestHandler):\n def do_GET(self):\n'
              '  b=b"hello from outside"\n  self.send_response(200)\n  self.send_header("Content-Length",str(len(b)))\n'
              '  self.end_headers()\n  self.wfile.write(b)\n def log_message(self,*a): pass\n'
              'h.HTTPServer(("%s", 8080), H).serve_forever()\n' % network.peer_ip)
    server = network.popen(['python3', '-c', script])
    try:
        for _ in range(100):
            try:
                with socket.create_connection((network.peer_ip, 8080), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.05)
        yield 'http://%s:8080/' % network.peer_ip
    finally:
        server.kill()
        server.wait()
        network.close()


@pytest.fixture(scope='module')
def host_service():
    """A service bound to the host's 127.0.0.1, as a database would be."""
    class H(BaseHTTPRequestHandler):
        def do_POST(self):
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'host service')
        do_GET = do_POST

        def log_message(self, *a):
            pass
    server = ThreadingHTTPServer(('127.0.0.1', 0), H)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield '127.0.0.1:%d' % server.server_address[1]
    server.shutdown()


def custom_zip(tmp_path, source):
    path = tmp_path / 'app.zip'
    with zipfile.ZipFile(str(path), 'w') as archive:
        info = zipfile.ZipInfo('bootstrap')
        info.external_attr = 0o755 << 16
        archive.writestr(info, source)
    return str(path)


def host_loopback_ports():
    """Every port listening on the host's loopback: Nimbus's API, each instance's relay, the host service."""
    ports = set()
    for path in ('/proc/net/tcp', '/proc/net/tcp6'):
        for line in open(path).read().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            if state == '0A' and local.split(':')[0] in ('0100007F', '00000000000000000000000001000000'):
                ports.add(int(local.rsplit(':', 1)[1], 16))
    return sorted(ports)


def probe(client, service, ask):
    return json.loads(client.invoke_function(service, 'probe', payload=json.dumps(ask)).data)


def test_a_function_scanning_loopback_reaches_no_other_instance_and_no_host_service(
        client, endpoint, make_zip, tmp_path, outside, host_service):
    victim, attacker = unique('victim'), unique('attacker')
    client.create_service(victim)
    client.create_service(attacker)
    client.create_function(victim, 'py', 'python3', 'index.handler', timeout=30,
                           codeZipFile=make_zip({'index.py': 'def handler(e, c):\n    return "victim secret"\n'}))
    client.create_function(victim, 'app', 'custom', 'x', codeZipFile=custom_zip(tmp_path, VICTIM_APP), timeout=30)
    # Both victims have live instances while the attacker scans.
    assert client.invoke_function(victim, 'py').data == b'victim secret'
    assert client.invoke_function(victim, 'app').data == b'victim secret'
    client.create_function(attacker, 'probe', 'python3', 'index.handler', timeout=60, memorySize=256,
                           codeZipFile=make_zip({'index.py': PROBE}))
    api = endpoint.rsplit('//', 1)[1]
    host_ports = host_loopback_ports()
    assert int(api.rsplit(':', 1)[1]) in host_ports and len(host_ports) >= 4, 'API, host service, two victims'
    targets = ['127.0.0.1:%d' % port for port in host_ports]
    seen = probe(client, attacker, {'targets': targets, 'outside': outside})
    # What listens in the attacker's namespace is its own instance (one runtime), nothing else.
    assert len(seen['listening']) == 1, 'sees sockets that are not its own: {0}'.format(seen['listening'])
    own = {str(port) for port in seen['listening']}
    assert set(seen['loopback']) <= own, 'reached another port on loopback: {0}'.format(seen['loopback'])
    reached = {target: answer for target, answer in seen['targets'].items()
               if answer is not None and target.rsplit(':', 1)[1] not in own}
    # The victims' relays, Nimbus's API and the host service listen there (the test saw them): none answers.
    assert reached == {}, 'reached the host: {0}'.format(reached)
    assert seen['outside'] == 'hello from outside', 'internet access is the default: {0}'.format(seen['outside'])


def test_two_instances_of_one_function_cannot_reach_each_other(client, service, make_zip, outside):
    client.create_function(service, 'probe', 'python3', 'index.handler', timeout=60, memorySize=256,
                           instanceConcurrency=1, codeZipFile=make_zip({'index.py': PROBE}))
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        replies = list(pool.map(lambda _: probe(client, service, {'hold': 2, 'outside': outside}), range(2)))
    assert replies[0]['instance'] != replies[1]['instance'], 'two calls held at once ran on two instances'
    for seen in replies:
        own = {str(port) for port in seen['listening']}
        assert len(own) == 1, seen['listening']
        assert set(seen['loopback']) <= own, 'one instance reached another: {0}'.format(seen['loopback'])
        assert seen['outside'] == 'hello from outside'


def test_without_internet_access_there_is_no_way_out(client, make_zip, outside, host_service):
    closed = unique('closed')
    client.create_service(closed, internetAccess=False)
    client.create_function(closed, 'probe', 'python3', 'index.handler', timeout=60, memorySize=256,
                           codeZipFile=make_zip({'index.py': PROBE}))
    seen = probe(client, closed, {'targets': [host_service, outside.split('//')[1].rstrip('/')], 'outside': outside})
    assert seen['outside'].startswith('failed'), seen['outside']
    assert set(seen['targets'].values()) == {None}, seen['targets']


def holders(server_pid):
    """This server's namespace holders (`nimbus-init --hold-netns`) and the pasta each started."""
    def children(pid):
        out = subprocess.run(['pgrep', '-P', str(pid)], capture_output=True, text=True).stdout
        return [int(child) for child in out.split()]
    return {child: children(child) for child in children(server_pid) if running(child, '--hold-netns')}


def running(pid, word):
    try:
        return word in open('/proc/%d/cmdline' % pid).read()
    except OSError:
        return False


def test_each_instance_namespace_goes_with_it_and_none_outlives_nimbus(tmp_path):
    """Namespaces with internet access are made ahead (pasta's start is not a cold-start cost); every
    instance gets one of its own, and its holder, pasta and bound namespace go when it exits."""
    proc, endpoint = start_server(tmp_path / 'data', NIMBUS_INSTANCE_STANDBY='0')
    try:
        client = fc2.Client(endpoint=endpoint, accessKeyID='AK', accessKeySecret='SK')
        client.create_service('s')
        # A custom runtime that answers one call and exits: every call needs a new instance.
        program = ('import http.server, os, sys\nclass H(http.server.BaseHTTPRequestHandler):\n'
                   ' def do_POST(self):\n  self.rfile.read(int(self.headers.get("Content-Length") or 0))\n'
                   '  self.send_response(200); self.send_header("Content-Length", "2"); self.end_headers()\n'
                   '  self.wfile.write(b"ok"); self.wfile.flush(); os._exit(0)\n'
                   'http.server.HTTPServer(("0.0.0.0", 9000), H).serve_forever()\n')
        client.create_function('s', 'once', 'custom', 'index.handler', timeout=10,
                               codeZipFile=bootstrap_zip(tmp_path / 'once.zip', "#!/bin/sh\nexec python3 -c '%s'\n" % program))
        client.invoke_function('s', 'once')
        deadline = time.monotonic() + 10
        while len(holders(proc.pid)) != 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        ready = holders(proc.pid)
        assert len(ready) == 2, 'two namespaces wait ahead: {0}'.format(ready)
        assert all(len(pastas) == 1 for pastas in ready.values()), ready
        seen = set(ready)
        for _ in range(4):
            assert client.invoke_function('s', 'once').data == b'ok'
            seen |= set(holders(proc.pid))
        time.sleep(1)
        now = holders(proc.pid)
        assert len(now) == 2, 'the instances exited: only the two made ahead remain, {0}'.format(now)
        assert len(seen) >= 6, 'each instance took a namespace of its own: {0}'.format(sorted(seen))
        gone = seen - set(now)
        assert [pid for pid in gone if running(pid, '--hold-netns')] == []
        assert [pid for pid in gone if os.path.exists('/run/nimbus-netns/%d' % pid)] == []
        pastas = [pasta for pids in now.values() for pasta in pids]
        proc.terminate()
        proc.wait(timeout=30)
        deadline = time.monotonic() + 10
        while any(running(pid, '--hold-netns') for pid in now) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert [pid for pid in now if running(pid, '--hold-netns')] == []
        assert [pid for pid in pastas if running(pid, 'pasta')] == []
        assert [pid for pid in now if os.path.exists('/run/nimbus-netns/%d' % pid)] == []
    finally:
        if proc.poll() is None:
            proc.kill()


def test_no_pasta_outlives_its_holder():
    """Runs after the crash tests (test_async_crash.py kills servers mid-start, SIGKILL and SIGABRT):
    every pasta still running belongs to a live holder, so nothing of a dead Nimbus leaks."""
    out = subprocess.run(['pgrep', '-a', 'passt'], capture_output=True, text=True).stdout
    orphans = []
    for line in out.splitlines():
        holder = line.rsplit('/run/nimbus-netns/', 1)[-1].split()[0] if '/run/nimbus-netns/' in line else ''
        if holder.isdigit() and not running(int(holder), '--hold-netns'):
            orphans.append(line)
    assert orphans == [], 'pasta left running by a holder that died: {0}'.format(orphans)


def tcp_table(pid):
    """(state, local port, remote port, inode) of every IPv4 socket in the network namespace of `pid`."""
    rows = []
    with open('/proc/%d/net/tcp' % pid) as table:
        for line in table.readlines()[1:]:
            fields = line.split()
            rows.append((fields[3], int(fields[1].split(':')[1], 16), int(fields[2].split(':')[1], 16), fields[9]))
    return rows


def socket_inodes(pid):
    inodes = set()
    for fd in os.listdir('/proc/%d/fd' % pid):
        try:
            target = os.readlink('/proc/%d/fd/%s' % (pid, fd))
        except OSError:
            continue
        if target.startswith('socket:['):
            inodes.add(target[8:-1])
    return inodes


def test_nimbus_talks_to_each_instance_from_inside_its_namespace_not_through_the_relay(tmp_path, make_zip):
    """A call's bytes go from Nimbus straight to the program: the connections to the program's port,
    in the instance's own namespace, are Nimbus's sockets, not nimbus-init's relay's."""
    proc, endpoint = start_server(tmp_path / 'data')
    try:
        client = fc2.Client(endpoint=endpoint, accessKeyID='AK', accessKeySecret='SK')
        client.create_service('s')
        client.create_function('s', 'py', 'python3', 'index.handler',
                               codeZipFile=make_zip({'index.py': 'def handler(e, c):\n    return "py"\n'}))
        client.create_function('s', 'app', 'custom', 'x', codeZipFile=custom_zip(tmp_path, VICTIM_APP))
        for _ in range(3):  # the first call through the instance's actor, the others on the warm lane
            assert client.invoke_function('s', 'py').data == b'py'
            assert client.invoke_function('s', 'app').data == b'victim secret'
        ours = socket_inodes(proc.pid)
        sandboxes = []
        for init in subprocess.run(['pgrep', '-P', str(proc.pid)], capture_output=True, text=True).stdout.split():
            if running(int(init), '--hold-netns'):
                continue
            children = open('/proc/%s/task/%s/children' % (init, init)).read().split()
            if children:
                sandboxes.append((int(init), int(children[0])))
        served = 0
        for init, sandbox in sandboxes:
            table = tcp_table(sandbox)
            listening = {local for state, local, _, _ in table if state == '0A'}
            clients = [inode for state, _, remote, inode in table if state == '01' and remote in listening]
            if not clients:
                continue
            served += 1
            assert set(clients) & ours, 'no connection to the program is Nimbus\'s own: {0}'.format(table)
            assert not set(clients) & socket_inodes(init), 'a call went through the relay'
        # The two instances, and the standbys waiting (their assignment connection is opened ahead).
        assert served >= 2, 'both instances served calls: {0}'.format(sandboxes)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
