"""Timer triggers: FC's cron and @every expressions, fired on time, once per tick, with FC's event shape."""

import datetime
import json
import time

from interop_util import function_logs, raises_fc, unique

RECORDER = ('import json, time\n'
            'def handler(event, context):\n'
            '    e = json.loads(event)\n'
            '    print("TICK " + json.dumps({"event": e, "ranAt": time.time()}))\n'
            '    return "ok"\n')


def ticks(endpoint, service, function):
    out = []
    for line in function_logs(endpoint, service, function):
        if line['message'].startswith('TICK '):
            out.append(json.loads(line['message'][5:]))
    return out


def epoch(text):
    return datetime.datetime.strptime(text, '%Y-%m-%dT%H:%M:%SZ').replace(tzinfo=datetime.timezone.utc).timestamp()


def timer(client, service, function, expression, enable=True, payload='p'):
    name = unique('tmr')
    client.create_trigger(service, function, name, 'timer',
                          {'cronExpression': expression, 'enable': enable, 'payload': payload}, None, None)
    return name


def test_timers_fire_on_time_once_per_tick_for_a_minute(client, endpoint, service, make_zip):
    fns = {}
    for kind in ('every', 'cron', 'disabled'):
        fns[kind] = unique(kind)
        client.create_function(service, fns[kind], 'python3', 'index.handler',
                               codeZipFile=make_zip({'index.py': RECORDER}))
    every = timer(client, service, fns['every'], '@every 1s', payload='each second')
    timer(client, service, fns['cron'], '*/5 * * * * *')
    timer(client, service, fns['disabled'], '@every 1s', enable=False)
    time.sleep(61)
    client.delete_trigger(service, fns['every'], every)
    time.sleep(1.5)  # the last call's lines reach the log

    seen = ticks(endpoint, service, fns['every'])
    times = [epoch(t['event']['triggerTime']) for t in seen]
    assert 59 <= len(times) <= 62, times
    # once per tick, every tick: consecutive trigger times are exactly one second apart
    assert all(b - a == 1 for a, b in zip(times, times[1:])), times
    # no drift: each call ran within a second of its tick
    lateness = [t['ranAt'] - epoch(t['event']['triggerTime']) for t in seen]
    assert max(lateness) < 1.0, lateness
    assert min(lateness) >= 0, lateness
    assert seen[0]['event']['triggerName'] == every and seen[0]['event']['payload'] == 'each second'
    print('@every 1s: {0} ticks in 61 s, lateness median {1:.3f} s, max {2:.3f} s'.format(
        len(times), sorted(lateness)[len(lateness) // 2], max(lateness)))

    cron = [epoch(t['event']['triggerTime']) for t in ticks(endpoint, service, fns['cron'])]
    assert 11 <= len(cron) <= 13, cron
    assert all(int(t) % 5 == 0 for t in cron) and len(set(cron)) == len(cron), cron
    assert ticks(endpoint, service, fns['disabled']) == []


def test_bad_cron_expressions_are_refused(client, function):
    service, fn = function
    for expression in ('0 0 25 * * *', '* * * * *', '@every 0s', '@every soon', 'CRON_TZ=Nowhere/City 0 0 0 * * *'):
        with raises_fc(400, 'InvalidArgument'):
            client.create_trigger(service, fn, unique('bad'), 'timer',
                                  {'cronExpression': expression, 'enable': True}, None, None)
