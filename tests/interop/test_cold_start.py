"""Cold starts from standby instances: a waiting, sandboxed interpreter takes the function's code,
environment and limits, and behaves exactly like an instance started for it."""

import json
import time

import pytest

from interop_util import unique

PY = r'''
import json, os
def handler(event, context):
    return json.dumps({'env': os.environ.get('GREETING'), 'files': sorted(os.listdir('/code')),
                       'cwd': os.getcwd(), 'fn': context.function.name, 'memory': context.function.memory,
                       'standby': os.environ.get('NIMBUS_STANDBY'), 'port': os.environ.get('FC_SERVER_PORT')})
'''
NODE = r'''
exports.handler = (event, context, callback) => callback(null, JSON.stringify({
  env: process.env.GREETING, fn: context.function.name, cwd: process.cwd(),
  files: require('fs').readdirSync('/code').sort(), standby: process.env.NIMBUS_STANDBY || null}));
'''


def cold_call(client, service, make_zip, runtime, files):
    time.sleep(1.5)  # let the standby pool refill after earlier tests
    fn = unique('cold')
    client.create_function(service, fn, runtime, 'index.handler', codeZipFile=make_zip(files), memorySize=256,
                           environmentVariables={'GREETING': 'hello ' + fn})
    resp = client.invoke_function(service, fn, payload=b'')
    return fn, resp


@pytest.mark.parametrize('runtime,files', [('python3', {'index.py': PY}), ('nodejs20', {'index.js': NODE})])
def test_a_cold_start_takes_a_standby_that_becomes_the_function(client, service, make_zip, runtime, files):
    fn, resp = cold_call(client, service, make_zip, runtime, files)
    cold = resp.headers['x-nimbus-cold-start']
    assert 'mode=standby' in cold and 'reason=first-call' in cold, cold
    body = json.loads(resp.data)
    assert body['env'] == 'hello ' + fn and body['fn'] == fn and body['cwd'] == '/code'
    assert body['files'] == sorted(files) and body['standby'] is None
    second = client.invoke_function(service, fn, payload=b'')
    assert 'x-nimbus-cold-start' not in second.headers, 'a warm call is not a cold start'


def test_each_function_gets_its_own_standby_and_code(client, service, make_zip):
    first, a = cold_call(client, service, make_zip, 'python3', {'index.py': PY})
    second, b = cold_call(client, service, make_zip, 'python3', {'index.py': PY, 'extra.txt': 'x'})
    assert json.loads(a.data)['files'] == ['index.py']
    assert json.loads(b.data)['files'] == ['extra.txt', 'index.py']
    assert a.headers['x-fc-instance-id'] != b.headers['x-fc-instance-id']
