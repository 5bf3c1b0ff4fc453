"""Function logs: every line kept with its request id, readable through the API and `nimbus logs`."""

import os
import subprocess
import time

from interop_util import raw_request, unique

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
