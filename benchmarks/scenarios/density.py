"""density: Nimbus's memory and its list and route latency with 1 and many functions, then with warm instances,
and the memory each warm instance takes; on a Nimbus of its own (the main one is stopped first)."""

import threading
import time

import fc2

from benchlib.fixtures import ACCESS_KEY_ID, ACCESS_KEY_SECRET, API
from benchlib.measure import (cgroup_memory_bytes, fmt, instance_cgroups, instance_processes, percentile,
                              proc_kb, stats)
from benchlib.net import KeepAlive
from benchlib.servers import Nimbus


def run(suite):
    suite.stop_main()  # its instances go; memory figures are this Nimbus's alone
    functions = 100 if suite.quick else suite.args.functions
    warm = min(functions, 20 if suite.quick else suite.args.warm)
    nimbus = Nimbus(suite.binary, suite.workdir, 'density', {'NIMBUS_INSTANCE_IDLE_TIMEOUT': '1800',
                                                           'NIMBUS_INSTANCE_MAX': str(warm + 100)})
    suite.last_density = nimbus
    suite.cleanups.append(nimbus.stop)
    try:
        density(suite, nimbus, functions, warm)
    finally:
        began = time.perf_counter()
        nimbus.stop()
        suite.results.setdefault('density', {})['shutdown_s'] = time.perf_counter() - began


def density(suite, nimbus, functions, warm):
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
    n = 50 if suite.quick else 200
    # size 1: the baseline for list and route
    suite.deploy(nimbus, 'dense', names[0], 'python3', 'python3', trigger=True)
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
                                       codeZipFile=suite.zips['python3'], memorySize=128, timeout=60)
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
        suite.notes.append('density: %d creations failed, first: %s' % (len(errors), errors[0][:200]))
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
        suite.notes.append('density: %d warm-up calls failed, first: %s' % (len(warm_errors), warm_errors[0]))
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
        'list_us': {'1': stats(list_1), str(functions): stats(list_n), 'warm': stats(list_w)},
        'route_us': {'1': stats(route_1), str(functions): stats(route_n), 'warm': stats(route_w)},
    })
    suite.results['density'] = data
    if data['instances'] < warm - len(warm_errors):
        suite.notes.append('density: %d instances were warmed but %d remain (%d right after warming); something '
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
    suite.table('density', 'Density: %d functions, %d warm instances' % (functions, warm),
               ['measure', '1 function', '%d functions' % functions, '+ %d warm instances' % warm], rows, notes)
