"""payload: 1 MB and 16 MB bodies echoed through an HTTP trigger (Node.js custom runtime), beside the instance
called directly."""

import os
import statistics
import time

from benchlib.fixtures import API
from benchlib.measure import fmt
from benchlib.net import KeepAlive, trigger_instance_port


def run(suite):
    nimbus = suite.main_nimbus()
    suite.deploy(nimbus, 'bench', 'echo', 'custom', 'echo', trigger=True, memorySize=512)
    path = API + '/proxy/bench/echo/data'
    port = trigger_instance_port(nimbus, API + '/proxy/bench/echo')
    repeats = 3 if suite.quick else 7
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
    suite.table('payload', 'Large payloads through an HTTP trigger (echo)',
               ['payload', 'path', 'median ms', 'max ms', 'MB/s'], rows, notes)
    suite.results['payload'] = data

# ---- scenario 4: cold start
