"""Elastic instances on a dedicated server with short timeouts: caps and throttling, provisioned
instances that come back after a kill, scale to zero, lifecycle hooks, and `nimbus instances`."""

import base64
import json
import os
import signal
import subprocess
import threading
import time

import fc2
import pytest

from interop_util import raw_request, start_server, write_zip

SRC = r'''
import logging, os, time

def handler(event, context):
    time.sleep(float(event or b'0'))
    return os.environ['FC_INSTANCE_ID']

def freeze(context):
    logging.getLogger().info('freezing')

def stop(context):
    logging.getLogger().info('stopping')
'''


@pytest.fixture(scope='module')
def elastic(tmp_path_factory):
    base = tmp_path_factory.mktemp('elastic')
    proc, endpoint = start_server(base / 'd', NIMBUS_INSTANCE_IDLE_TIMEOUT='3', NIMBUS_INSTANCE_QUEUE_TIMEOUT='1',
                                  NIMBUS_INSTANCE_MAX='4')
    client = fc2.Client(endpoint=endpoint, accessKeyID='AK', accessKeySecret='SK')
    client.create_service('e')
    package = write_zip(base / 'f.zip', {'index.py': SRC})
    yield client, endpoint, package, base
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)


def create(client, package, name, **kwargs):
    client.create_function('e', name, 'python3', 'index.handler', codeZipFile=package, timeout=10, **kwargs)


def instances(client, name):
    return client.list_instances('e', 'LATEST', name).data['instances']


def wait_for(condition, seconds=15):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


def call_all(client, name, count, payload=b'1.5'):
    results = []

    def one():
        try:
            results.append(client.invoke_function('e', name, payload=payload).data.decode())
        except fc2.FcError as error:
            results.append(error)
    threads = [threading.Thread(target=one) for _ in range(count)]
    [t.start() for t in threads]
    [t.join(timeout=60) for t in threads]
    return results


def test_on_demand_cap_throttles_with_fc_error(elastic):
    client, _, package, _ = elastic
    create(client, package, 'capped')
    client.put_on_demand_config('e', 'LATEST', 'capped', 1)
    results = call_all(client, 'capped', 3)
    throttled = [r for r in results if isinstance(r, fc2.FcError)]
    assert throttled, results
    assert all(r.status_code == 429 and r.err_code == 'ResourceExhausted' for r in throttled)
    # the message names the cap that was full and how to raise it
    assert all("on-demand config caps it at 1 instance (raise maximumInstanceCount" in r.message
               for r in throttled), throttled[0].message
    assert len({r for r in results if isinstance(r, str)}) == 1, 'more than one instance ran'
    client.delete_on_demand_config('e', 'LATEST', 'capped')


def test_the_platform_cap_throttles_and_says_so(elastic):
    """No per-function cap by default: one function may take the platform's whole room (4 here)."""
    client, _, package, _ = elastic
    create(client, package, 'wide')
    results = call_all(client, 'wide', 7)
    ran = {r for r in results if isinstance(r, str)}
    throttled = [r for r in results if isinstance(r, fc2.FcError)]
    assert throttled and len(ran) <= 4, results
    assert all(r.status_code == 429 and 'platform cap of 4 instances' in r.message and
               'NIMBUS_INSTANCE_MAX' in r.message for r in throttled), throttled[0].message
    assert wait_for(lambda: instances(client, 'wide') == [], 15)  # the room is free again for the next tests


def test_idle_instances_scale_to_zero(elastic):
    client, _, package, _ = elastic
    create(client, package, 'idle')
    call_all(client, 'idle', 2, payload=b'0.3')
    assert len(instances(client, 'idle')) == 2
    assert wait_for(lambda: instances(client, 'idle') == [], 15), instances(client, 'idle')


def test_provisioned_instances_stay_at_target(elastic):
    client, _, package, base = elastic
    create(client, package, 'prov')
    client.put_provision_config('e', 'LATEST', 'prov', 2)
    assert wait_for(lambda: len(instances(client, 'prov')) == 2)
    assert wait_for(lambda: client.get_provision_config('e', 'LATEST', 'prov').data['current'] == 2)
    listed = subprocess.run(['pgrep', '-af', 'nimbus-init'], capture_output=True, text=True).stdout.splitlines()
    mine = [line.split()[0] for line in listed if str(base) in line]
    os.kill(int(mine[0]), signal.SIGKILL)
    time.sleep(4)  # longer than the idle timeout: provisioned instances are not reaped
    assert wait_for(lambda: len(instances(client, 'prov')) == 2), 'a killed provisioned instance was not replaced'
    client.put_provision_config('e', 'LATEST', 'prov', 0)
    assert wait_for(lambda: instances(client, 'prov') == [], 20)


def test_lifecycle_hooks_run(elastic):
    client, endpoint, package, _ = elastic
    body = {'functionName': 'hooks', 'runtime': 'python3', 'handler': 'index.handler', 'timeout': 10,
            'code': {'zipFile': base64.b64encode(open(package, 'rb').read()).decode()},
            'instanceLifecycleConfig': {'preFreeze': {'handler': 'index.freeze', 'timeout': 3},
                                        'preStop': {'handler': 'index.stop', 'timeout': 3}}}
    created = raw_request(endpoint, 'POST', '/2016-08-15/services/e/functions', body=json.dumps(body).encode(),
                          key_id='AK', secret='SK')
    assert created.status_code == 200, created.text
    client.invoke_function('e', 'hooks', payload=b'0')
    assert wait_for(lambda: instances(client, 'hooks') == [], 20)

    def messages():
        return [l['message'] for l in raw_request(endpoint, 'GET', '/2016-08-15/services/e/functions/hooks/logs',
                                                  key_id='AK', secret='SK').json()['logs']]
    assert wait_for(lambda: any('freezing' in m for m in messages()) and any('stopping' in m for m in messages()))
    assert any(m.startswith('FC PreFreeze Start') for m in messages())


def test_nimbus_instances_command(elastic):
    client, endpoint, package, _ = elastic
    create(client, package, 'listed')
    instance = client.invoke_function('e', 'listed', payload=b'0').data.decode()
    env = dict(os.environ, NIMBUS_ENDPOINT=endpoint, NIMBUS_ACCESS_KEY_ID='AK', NIMBUS_ACCESS_KEY_SECRET='SK')
    out = subprocess.run([os.environ['NIMBUS_BIN'], 'instances', 'e/listed'], env=env, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    line = [l for l in out.stdout.splitlines() if l.startswith(instance)]
    assert line and ' ready ' in line[0] and ' MB' in line[0], out.stdout
