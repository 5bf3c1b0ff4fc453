"""Crash safety: kill Nimbus (SIGKILL, or SIGABRT as a crash ends it) with hundreds of async events queued
or running; after a restart every accepted event runs to completion. Timer ticks are never fired twice
across the restart."""

import collections
import concurrent.futures
import http.server
import json
import resource
import signal
import threading
import time

import fc2
import pytest
import requests

from interop_util import (API, OutsideNetwork, function_logs, invocation_path, signed_headers, start_server,
                          write_zip)

EVENTS = 300
SIGN = dict(key_id='AK', secret='SK')


class Collector(object):
    """An HTTP server outside Nimbus that the function reports each run to: proof of execution that
    does not depend on Nimbus's own bookkeeping. It listens on the host's end of an outside network
    (instances can't see the host's loopback), as a webhook receiver on the LAN would."""

    def __init__(self, network):
        self.hits = collections.Counter()
        lock = threading.Lock()
        hits = self.hits

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                with lock:
                    hits[self.path.rsplit('/', 1)[-1]] += 1
                self.send_response(200)
                self.send_header('content-length', '0')
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer((network.host_ip, 0), Handler)
        self.address = '%s:%d' % self.server.server_address
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def source(address):
    return ('import time, urllib.request\n'
            'def handler(event, context):\n'
            '    time.sleep(0.2)\n'
            '    urllib.request.urlopen("http://%s/ran/" + event.decode(), timeout=10).read()\n'
            '    return event\n' % address)


def statuses(endpoint, status):
    """Invocation ids of the function in one status, through every page of the listing."""
    ids, token = [], None
    while True:
        path = invocation_path('s', 'worker') + '?limit=100&status=' + status + ('&nextToken=' + token if token else '')
        body = requests.get(endpoint + path, headers=signed_headers('GET', path.split('?')[0], **SIGN), timeout=30).json()
        ids += [i['invocationId'] for i in body['invocations']]
        token = body.get('nextToken')
        if not token:
            return ids


@pytest.mark.parametrize('crash', [signal.SIGKILL, signal.SIGABRT], ids=['SIGKILL', 'SIGABRT'])
def test_a_crash_loses_no_accepted_async_event(tmp_path, crash, request):
    # SIGABRT is how a Swift runtime failure ends the process (after the backtrace): no core file here
    resource.setrlimit(resource.RLIMIT_CORE, (0, resource.getrlimit(resource.RLIMIT_CORE)[1]))
    network = OutsideNetwork()
    request.addfinalizer(network.close)
    collector = Collector(network)
    data = tmp_path / 'data'
    # A SIGABRT sent from outside is caught by Swift's backtracer, which prints (4.5 s here) and returns:
    # the process then lives on (only abort()'s own re-raise ends a real crash). Without the backtracer
    # the signal ends the process as abort() does.
    proc, endpoint = start_server(data, **({'SWIFT_BACKTRACE': 'enable=no'} if crash == signal.SIGABRT else {}))
    try:
        client = fc2.Client(endpoint=endpoint, accessKeyID='AK', accessKeySecret='SK')
        client.create_service('s')
        client.create_function('s', 'worker', 'python3', 'index.handler', timeout=30,
                               codeZipFile=write_zip(tmp_path / 'w.zip', {'index.py': source(collector.address)}))
        client.put_function_async_invoke_config('s', 'LATEST', 'worker', {'statefulInvocation': True})

        def send(i):
            resp = client.invoke_function('s', 'worker', payload=str(i).encode(), headers={
                'x-fc-invocation-type': 'Async', 'x-fc-stateful-async-invocation-id': 'e%d' % i})
            assert resp.data == b''
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            list(pool.map(send, range(EVENTS)))
        deadline = time.monotonic() + 30
        while sum(collector.hits.values()) < 20:
            assert time.monotonic() < deadline, 'events did not start running'
            time.sleep(0.05)
        running = len(statuses(endpoint, 'Running'))
        queued = len(statuses(endpoint, 'Enqueued'))
        proc.send_signal(crash)
        proc.wait(timeout=10)
        assert proc.returncode == -crash, proc.returncode
        assert queued > 0 and running > 0, (queued, running)
        done_before = sum(collector.hits.values())

        proc, endpoint = start_server(data)
        deadline = time.monotonic() + 90
        while len(statuses(endpoint, 'Succeeded')) < EVENTS:
            assert time.monotonic() < deadline, 'only {0} of {1} succeeded after the restart'.format(
                len(statuses(endpoint, 'Succeeded')), EVENTS)
            time.sleep(0.5)
        ran = set(collector.hits)
        assert ran == {str(i) for i in range(EVENTS)}, 'never ran: {0}'.format(
            sorted({str(i) for i in range(EVENTS)} - ran))
        duplicates = sum(collector.hits.values()) - EVENTS
        redelivered = 0
        for i in range(EVENTS):
            path = invocation_path('s', 'worker', 'e%d' % i)
            event = requests.get(endpoint + path, headers=signed_headers('GET', path, **SIGN), timeout=30).json()
            redelivered += event['redeliveries']
            if collector.hits[str(i)] > 1:
                assert event['redeliveries'] >= 1, event  # only a redelivered event may run twice
        # at most NIMBUS_ASYNC_CONCURRENCY (32) events run at once, so at most 32 were cut off by the kill
        assert duplicates <= redelivered <= 32
        print('{0} with {1} queued and {2} running ({3} done): all {4} ran after the restart; '
              '{5} redelivered, {6} ran twice'.format(crash.name, queued, running, done_before, EVENTS, redelivered,
                                                      duplicates))
    finally:
        proc.kill()
        proc.wait(timeout=10)
        collector.server.shutdown()


def test_timer_ticks_fire_once_across_a_restart(tmp_path):
    data = tmp_path / 'data'
    proc, endpoint = start_server(data)
    try:
        client = fc2.Client(endpoint=endpoint, accessKeyID='AK', accessKeySecret='SK')
        client.create_service('s')
        client.create_function('s', 'tick', 'python3', 'index.handler', codeZipFile=write_zip(
            tmp_path / 't.zip', {'index.py': 'def handler(event, context):\n    print("TICK", event.decode())\n'}))
        client.create_trigger('s', 'tick', 'every', 'timer', {'cronExpression': '@every 1s', 'enable': True},
                              None, None)
        time.sleep(3.5)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        time.sleep(3)
        proc, endpoint = start_server(data)
        time.sleep(3.5)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        proc, endpoint = start_server(data)  # to read the logs (a stopped server serves none)
        ticks = [json.loads(l['message'].split('TICK ', 1)[1])['triggerTime']
                 for l in function_logs(endpoint, 's', 'tick', **SIGN) if 'TICK ' in l['message']]
        assert len(ticks) == len(set(ticks)), 'a tick fired twice: {0}'.format(ticks)
        assert len(ticks) >= 5, ticks
        # the downtime's missed ticks collapsed into one: the log has a gap, then ticks resume
        seconds = sorted(time.mktime(time.strptime(t, '%Y-%m-%dT%H:%M:%SZ')) for t in ticks)
        gaps = [b - a for a, b in zip(seconds, seconds[1:])]
        assert max(gaps) >= 2, gaps
        assert sum(1 for g in gaps if g > 1) <= 2, gaps  # one gap per outage (two restarts)
    finally:
        proc.kill()
        proc.wait(timeout=10)
