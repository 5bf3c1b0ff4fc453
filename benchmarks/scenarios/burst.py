"""burst: concurrent first calls to a fresh python3 function that holds each call (so each wants its own
instance), beside as many python3 shims started at once on the host."""

import http.client
import socket
import subprocess
import threading
import time

from benchlib.baselines import unsandboxed
from benchlib.fixtures import API
from benchlib.measure import fmt, instance_cgroups, percentile
from benchlib.net import accepts, cold_start, free_port
from benchlib.servers import kill_group, spawn


def run(suite):
    nimbus = suite.main_nimbus()
    count = suite.args.burst
    hold = suite.args.hold_ms
    name = 'burst'
    suite.deploy(nimbus, 'bench', name, 'python3', 'python3')
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
    baseline = burst_baseline(suite, count, 'python3')
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
    suite.table('burst', 'Burst scale-out (fresh function)',
               ['what', 'all answered ms', 'p50 ms', 'p99 ms', 'calls', 'instances', 'all ready ms',
                'instances ready/s'], rows, notes)
    suite.results['burst'] = data


def burst_baseline(suite, count, runtime):
    """The same programs started at once on the host, no sandbox and no Nimbus: until all listen."""
    processes = []
    try:
        ports = set()
        while len(ports) < count:
            ports.add(free_port())
        launches = [(port,) + unsandboxed(suite, runtime, port) for port in ports]
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
            kill_group(process)

# ---- scenario 6: density
