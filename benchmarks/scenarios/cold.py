"""cold: a fresh function's first call per runtime (python3, nodejs20, custom), the first call after idle reclaim,
and the unsandboxed baselines (interpreter start and exit, the shim listening, bwrap around /bin/true)."""

import os
import statistics
import subprocess
import time

from benchlib.baselines import shim_path, time_command, time_listen
from benchlib.fixtures import API
from benchlib.measure import fmt, percentile
from benchlib.net import KeepAlive, cold_start
from benchlib.servers import Nimbus


def run(suite):
    nimbus = suite.main_nimbus()
    n = 5 if suite.quick else suite.args.cold
    rows = []
    data = {}
    for runtime, zip_key in (('python3', 'python3'), ('nodejs20', 'nodejs20'), ('custom', 'nginx')):
        client_ms, server_ms, warm_ms, modes = [], [], [], []
        for index in range(n):
            time.sleep(suite.args.cold_spacing)  # first calls arrive apart: background refills (standbys) keep up
            name = 'cold-%s-%d' % (runtime.replace('.', ''), index)
            suite.deploy(nimbus, 'bench', name, runtime, zip_key)
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
        for label, samples in cold_baselines(suite, runtime, n):
            data[runtime]['baseline: ' + label] = samples
            rows.append([runtime, 'baseline: ' + label, fmt(statistics.median(samples)),
                         fmt(percentile(samples, 99)), len(samples)])
    reclaimed = cold_after_idle_reclaim(suite, n)
    data['python3']['after_idle_reclaim_ms'] = reclaimed
    rows.insert(3, ['python3', 'Nimbus: first call after idle reclaim (client)', fmt(statistics.median(reclaimed)),
                    fmt(percentile(reclaimed, 99)), len(reclaimed)])
    sandbox = sandbox_baseline(suite, n)
    if sandbox:
        data['sandbox_true_ms'] = sandbox
        rows.append(['(any)', 'baseline: bwrap + setpriv running /bin/true', fmt(statistics.median(sandbox)),
                     fmt(percentile(sandbox, 99)), len(sandbox)])
    notes = ['each sample is a fresh function (first call starts its first instance): signed sync invocation, '
             'connection already open, %.1f s after the previous sample; "p99" of %d samples is their maximum; '
             'modes as Nimbus reports them (standby = a pre-started runtime given the function)'
             % (suite.args.cold_spacing, n),
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
    suite.table('cold', 'Cold start per runtime (median of %d)' % n,
               ['runtime', 'what', 'median ms', 'p99 ms', 'n'], rows, notes)
    suite.results['cold'] = data


def cold_after_idle_reclaim(suite, n):
    """The other cold start: a function called before, whose instance went away when idle (a second
    Nimbus with a 1 s idle timeout); nothing was written in between, so its metadata is cached."""
    nimbus = Nimbus(suite.binary, suite.workdir, 'reclaim', {'NIMBUS_INSTANCE_IDLE_TIMEOUT': '1'})
    suite.cleanups.append(nimbus.stop)
    try:
        nimbus.client.create_service('bench', internetAccess=True)
        suite.deploy(nimbus, 'bench', 'reclaimed', 'python3', 'python3')
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
                time.sleep(suite.args.cold_spacing)  # the standby pool refills
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


def cold_baselines(suite, runtime, n):
    out = []
    timed = lambda command: time_command(command, n)
    if runtime == 'python3':
        python = os.environ.get('NIMBUS_PYTHON', '/usr/bin/python3')
        out.append(('python3 -c pass (start and exit)', timed([python, '-c', 'pass'])))
        if shim_path(suite, 'python/bootstrap.py'):
            out.append(('python3 shim listening, unsandboxed', time_listen(suite, 'python3', n)))
    elif runtime == 'nodejs20':
        node = os.environ.get('NIMBUS_NODE', '/usr/bin/node')
        out.append(('node -e 0 (start and exit)', timed([node, '-e', '0'])))
        if shim_path(suite, 'nodejs/bootstrap.js'):
            out.append(('nodejs shim listening, unsandboxed', time_listen(suite, 'nodejs20', n)))
    else:
        out.append(('nginx bootstrap listening, unsandboxed', time_listen(suite, 'custom', n)))
    return out


def sandbox_baseline(suite, n):
    """bubblewrap + setpriv around /bin/true with mounts like Nimbus's SandboxPlan (no cgroup, no init)."""
    if not (os.path.exists('/usr/bin/bwrap') and os.path.exists('/usr/bin/setpriv')) or os.geteuid() != 0:
        return None
    command = ['/usr/bin/bwrap', '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try',
               '--die-with-parent', '--new-session', '--ro-bind', '/usr', '/usr',
               '--symlink', 'usr/bin', '/bin', '--symlink', 'usr/lib', '/lib', '--symlink', 'usr/lib64', '/lib64',
               '--symlink', 'usr/sbin', '/sbin', '--dir', '/etc', '--ro-bind-try', '/etc/passwd', '/etc/passwd',
               '--proc', '/proc', '--dev', '/dev', '--size', str(512 << 20), '--tmpfs', '/tmp',
               '--ro-bind', suite.workdir, '/code', '--chdir', '/code', '--',
               '/usr/bin/setpriv', '--reuid', '65534', '--regid', '65534', '--clear-groups', '--no-new-privs',
               '--bounding-set', '-all', '--inh-caps', '-all', '--', '/usr/bin/true']
    try:
        return time_command(command, n)
    except (subprocess.CalledProcessError, OSError) as error:
        suite.notes.append('sandbox baseline skipped: %s' % error)
        return None

# ---- scenario 5: burst scale-out
