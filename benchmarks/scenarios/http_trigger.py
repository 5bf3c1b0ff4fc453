"""http: the warm HTTP-trigger round trip (custom runtime: nginx returning "ok"), beside the same instance called
directly, through an nginx reverse proxy, and through a second Nimbus with the warm lane off (the router)."""

from benchlib.fixtures import API
from benchlib.measure import fmt
from benchlib.net import http_once, pids_listening, trigger_instance_port
from benchlib.servers import NginxProxy, Nimbus
from benchlib.wrk import merge_rounds, wrk_script


def run(suite):
    nimbus = suite.main_nimbus()
    suite.deploy(nimbus, 'bench', 'web', 'custom', 'nginx', trigger=True, instanceConcurrency=100)
    path = API + '/proxy/bench/web/hello'
    status, _, body = http_once(nimbus.port, 'GET', path)
    if status != 200 or body != b'ok':
        raise RuntimeError('the web function answered %d %r' % (status, body[:200]))
    port = trigger_instance_port(nimbus, API + '/proxy/bench/web')
    proxy = NginxProxy(suite.workdir, port)
    suite.cleanups.append(proxy.stop)
    # The same function on a second Nimbus with the warm lane off: the router's path, same run.
    router = Nimbus(suite.binary, suite.workdir, 'router', {'NIMBUS_WARM_LANE': 'off',
                                                           'NIMBUS_INSTANCE_IDLE_TIMEOUT': '900'})
    suite.cleanups.append(router.stop)
    router.client.create_service('bench', internetAccess=True)
    suite.deploy(router, 'bench', 'web', 'custom', 'nginx', trigger=True, instanceConcurrency=100)
    http_once(router.port, 'GET', path)
    router_port = trigger_instance_port(router, API + '/proxy/bench/web')
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
        script = wrk_script(suite.workdir)
        rounds = 2 if suite.quick else 3
        lat = {name: [] for name, _ in targets}
        thr = {name: [] for name, _ in targets}
        lat_s, thr_s = (1, 2) if suite.quick else (2, 3)
        conns = suite.args.connections
        for r in range(rounds):
            order = targets[r % 4:] + targets[:r % 4]
            for name, target in order:
                lat[name].append(suite.guarded_wrk(instance_of.get(name, port), 'http://127.0.0.1:%d%s' % (
                    target, path), script, 1, 1, lat_s, cpu_of))
            for name, target in order:
                thr[name].append(suite.guarded_wrk(instance_of.get(name, port), 'http://127.0.0.1:%d%s' % (
                    target, path), script, 2, conns, thr_s, cpu_of))
        lat = {k: merge_rounds(v) for k, v in lat.items()}
        thr = {k: merge_rounds(v) for k, v in thr.items()}
        restarted = trigger_instance_port(nimbus, API + '/proxy/bench/web') != port
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
    suite.table('http', 'Warm HTTP-trigger round trip (custom runtime: nginx returning "ok")',
               ['path', 'p50 ms (c1)', 'p99 ms (c1)', 'req/s (c1)', 'req/s (c%d)' % conns, 'p50 ms (c%d)' % conns,
                'p99 ms (c%d)' % conns, 'proxy CPU us/req (c%d)' % conns, 'proxy ctx switches/req (c1)',
                'instance CPU us/req (c%d)' % conns, 'errors'], rows, notes)
    suite.results['http'] = {
        'low_load': lat, 'throughput': thr, 'throughput_ratio_vs_nginx': ratio,
        'added_p50_us_vs_direct': added, 'nginx_added_p50_us_vs_direct': added_nginx,
        'instance_restarted': restarted, 'connections': conns}

# ---- scenario 2: warm sync invocations
