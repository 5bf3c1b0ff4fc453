"""Function logs: every line kept with its request id, readable through the API and `nimbus logs`."""

import os
import re
import subprocess
import time

import fc2
import requests

from interop_util import function_logs, raw_request, start_server, unique, write_zip

SRC = 'def handler(event, context):\n    print("line for", event.decode())\n    return "ok"\n'


def test_logs_carry_request_ids(client, endpoint, service, make_zip, nimbus_server):
    fn = unique('logs')
    client.create_function(service, fn, 'python3', 'index.handler', codeZipFile=make_zip({'index.py': SRC}))
    ids = [client.invoke_function(service, fn, payload=p).headers['x-fc-request-id'] for p in (b'one', b'two')]
    path = '/2016-08-15/services/{0}/functions/{1}/logs'.format(service, fn)
    deadline = time.monotonic() + 10  # lines reach the log as the instance's pipe delivers them
    while True:
        resp = raw_request(endpoint, 'GET', path)
        assert resp.status_code == 200
        lines = resp.json()['logs']
        if sum(l['message'].startswith('FC Invoke End') for l in lines) >= 2 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    for request_id, word in zip(ids, ('one', 'two')):
        mine = [l['message'] for l in lines if l['requestId'] == request_id]
        assert 'line for ' + word in mine
        assert 'FC Invoke Start RequestId: ' + request_id in mine

    env = dict(os.environ, NIMBUS_ENDPOINT=endpoint, NIMBUS_ACCESS_KEY_ID='AKIDINTEROP',
               NIMBUS_ACCESS_KEY_SECRET='interop-secret-key')
    out = subprocess.run([os.environ['NIMBUS_BIN'], 'logs', '{0}/{1}'.format(service, fn)], env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert 'line for two' in out.stdout and ids[1] in out.stdout


FLOOD = '''import sys
def handler(event, context):
    line = "x" * 1023 + "\\n"
    for _ in range(20000):
        sys.stdout.write(line)
    sys.stdout.flush()
    return "done"
'''


def test_a_flooding_instance_is_held_to_its_log_limit_and_says_so(tmp_path):
    """20 MB of output at a limit of 1 MB/s: the call is not held back, about the burst (4 MB) and the
    rate are kept, and the function's own log says how much was dropped."""
    proc, endpoint = start_server(tmp_path / 'data', NIMBUS_LOG_RATE_LIMIT='1')
    try:
        client = fc2.Client(endpoint=endpoint, accessKeyID='AK', accessKeySecret='SK')
        client.create_service('s')
        client.create_function('s', 'flood', 'python3', 'index.handler', timeout=60,
                               codeZipFile=write_zip(tmp_path / 'f.zip', {'index.py': FLOOD}))
        started = time.monotonic()
        resp = client.invoke_function('s', 'flood')
        took = time.monotonic() - started
        assert resp.data == b'done'
        assert took < 20, 'a call writing 20 MB took %.1f s' % took
        deadline = time.monotonic() + 15
        while True:
            lines = function_logs(endpoint, 's', 'flood', key_id='AK', secret='SK')
            notes = [l['message'] for l in lines if l['message'].startswith('Nimbus: ')]
            dropped = sum(int(re.match(r'Nimbus: (\d+) lines', n).group(1)) for n in notes)
            kept = sum(l['message'] == 'x' * 1023 for l in lines)
            if kept + dropped >= 20000 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert notes and all('log limit of 1 MB/s' in n for n in notes), notes
        assert kept + dropped == 20000, (kept, dropped)
        # The burst of 4 MB and 1 MB/s for as long as the call wrote: never the whole 20 MB.
        assert 3000 < kept < 4096 + 1024 * (took + 1), (kept, took)
        metrics = requests.get(endpoint + '/metrics', timeout=10).text
        assert re.search(r'^nimbus_log_lines_dropped_total %d$' % dropped, metrics, re.M), metrics
    finally:
        proc.terminate()
        proc.wait(timeout=30)
