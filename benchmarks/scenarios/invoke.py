"""invoke: warm sync invocations of trivial event functions (python3, nodejs20), beside a direct POST /invoke to
the instance's shim and the official SDK's invoke_function; the same function through FC 3.0's path too."""

import re
import time

from benchlib.fixtures import ACCOUNT_ID, API
from benchlib.measure import fmt, percentile
from benchlib.net import host_port, http_once
from benchlib.wrk import merge_rounds, wrk_script


def run(suite):
    nimbus = suite.main_nimbus()
    conc = 4
    rows = []
    data = {}
    rounds = 1 if suite.quick else 2
    secs = 1 if suite.quick else 2
    for runtime, name in (('python3', 'evpy'), ('nodejs20', 'evnode')):
        suite.deploy(nimbus, 'bench', name, runtime, runtime, instanceConcurrency=conc)
        path = API + '/services/bench/functions/%s/invocations' % name
        path3 = '/2023-03-30/functions/bench$%s/invocations' % name  # the same function, as FC 3.0 names it
        status, headers, body = http_once(nimbus.port, 'POST', path, b'port', nimbus.signed('POST', path))
        if status != 200 or not re.match(rb'^\d+$', body):
            raise RuntimeError('%s invocation answered %d %r' % (runtime, status, body[:300]))
        instance = headers.get('x-fc-instance-id')
        port = host_port(nimbus.pid, int(body), instance)
        direct_headers = instance_headers(name, runtime)
        status, _, body = http_once(port, 'POST', '/invoke', b'x', direct_headers)
        if status != 200 or body != b'x':
            raise RuntimeError('direct /invoke to the %s instance answered %d %r' % (runtime, status, body[:300]))
        direct_script = wrk_script(suite.workdir, 'POST', 'x', direct_headers)
        cpu_of = {'nimbus': lambda: [nimbus.pid]}
        lat = {'direct': [], 'nimbus': [], 'nimbus3': []}
        thr = {'direct': [], 'nimbus': [], 'nimbus3': []}
        for _ in range(rounds):
            for target in ('direct', 'nimbus', 'nimbus3'):
                if target == 'direct':
                    url, script = 'http://127.0.0.1:%d/invoke' % port, direct_script
                else:  # signed afresh for every run: the Date stays well inside 15 minutes
                    signed_path = path if target == 'nimbus' else path3
                    url = nimbus.endpoint + signed_path
                    script = wrk_script(suite.workdir, 'POST', 'x', nimbus.signed('POST', signed_path))
                lat[target].append(suite.guarded_wrk(port, url, script, 1, 1, secs, cpu_of))
                thr[target].append(suite.guarded_wrk(port, url, script, 2, conc, secs, cpu_of))
        lat = {k: merge_rounds(v) for k, v in lat.items()}
        thr = {k: merge_rounds(v) for k, v in thr.items()}
        # The same call through the official SDK (requests + signing in Python), for the client's share.
        sdk = []
        deadline = time.perf_counter() + (0.5 if suite.quick else 1.5)
        while time.perf_counter() < deadline and len(sdk) < 2000:
            began = time.perf_counter()
            nimbus.client.invoke_function('bench', name, payload=b'x')
            sdk.append((time.perf_counter() - began) * 1e6)
        _, headers, _ = http_once(nimbus.port, 'POST', path, b'x', nimbus.signed('POST', path))
        replaced = headers.get('x-fc-instance-id') != instance
        for target, label in (('direct', 'direct POST /invoke to the shim'), ('nimbus', 'Nimbus sync invocation'),
                              ('nimbus3', 'Nimbus sync invocation, FC 3.0 path')):
            l, t = lat[target], thr[target]
            rows.append([runtime, label, fmt(l['p50'] / 1000, 3), fmt(l['p99'] / 1000, 3), fmt(l['rps'], 0),
                         fmt(t['rps'], 0), fmt(t['p50'] / 1000, 2), fmt(t['p99'] / 1000, 2),
                         fmt(t['cpu_us_per_req'].get('nimbus')) if target != 'direct' else '-',
                         fmt(l['switches_per_req'].get('nimbus')) if target != 'direct' else '-',
                         l['errors'] + t['errors']])
        rows.append([runtime, 'official SDK invoke_function (Python)', fmt(percentile(sdk, 50) / 1000, 3),
                     fmt(percentile(sdk, 99) / 1000, 3), fmt(len(sdk) / sum(sdk) * 1e6, 0),
                     '-', '-', '-', '-', '-', 0])
        data[runtime] = {'low_load': lat, 'throughput': thr, 'sdk_us': {'p50': percentile(sdk, 50),
                         'p99': percentile(sdk, 99), 'n': len(sdk)},
                         'added_p50_us_vs_direct': lat['nimbus']['p50'] - lat['direct']['p50'],
                         'instance_replaced': replaced}
        if replaced:
            suite.notes.append('invoke/%s: the instance was replaced during the run' % runtime)
    notes = ['signed requests replayed by wrk (SDK headers: Date, Content-Type, User-Agent, Authorization), '
             'body "x"; instanceConcurrency %d so one instance serves both paths' % conc,
             'c1: wrk -t1 -c1; c%d: wrk -t2 -c%d; %d round(s) x %d s each' % (conc, conc, rounds, secs)]
    for runtime in data:
        notes.append('%s: Nimbus adds %.0f us to the direct p50'
                     % (runtime, data[runtime]['added_p50_us_vs_direct']))
    suite.table('invoke', 'Warm sync invocations (trivial event functions)',
               ['runtime', 'path', 'p50 ms (c1)', 'p99 ms (c1)', 'req/s (c1)', 'req/s (c%d)' % conc,
                'p50 ms (c%d)' % conc, 'p99 ms (c%d)' % conc, 'Nimbus CPU us/req (c%d)' % conc,
                'Nimbus ctx switches/req (c1)', 'errors'], rows, notes)
    suite.results['invoke'] = data


def instance_headers(name, runtime):
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
