"""Instances never outlive Nimbus: not after SIGTERM, not after SIGKILL."""

import signal
import subprocess
import time

import fc2
import pytest
import requests

from interop_util import start_server, write_zip

SRC = 'import os\ndef handler(event, context):\n    return os.environ["FC_INSTANCE_ID"]\n'


def start(tmp_path, **env):
    return start_server(tmp_path / 'data', **env)


def instance_processes(data_dir):
    """Processes whose command line points into this server's code folder or its shims (nimbus-init, bwrap)."""
    out = subprocess.run(['pgrep', '-af', 'nimbus-init'], capture_output=True, text=True).stdout
    return [line for line in out.splitlines() if str(data_dir) in line]


@pytest.mark.parametrize('how', [signal.SIGTERM, signal.SIGKILL])
def test_no_instance_survives_nimbus(tmp_path, how):
    proc, endpoint = start(tmp_path)
    try:
        client = fc2.Client(endpoint=endpoint, accessKeyID='AK', accessKeySecret='SK')
        client.create_service('s')
        package = write_zip(tmp_path / 'f.zip', {'index.py': SRC})
        for name in ('a', 'b'):
            client.create_function('s', name, 'python3', 'index.handler', codeZipFile=package)
            client.invoke_function('s', name)
        assert len(instance_processes(tmp_path)) >= 2  # the two instances, and any standbys
        proc.send_signal(how)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    deadline = time.monotonic() + 10
    while instance_processes(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert instance_processes(tmp_path) == []


def test_sandbox_off_is_an_explicit_choice(tmp_path):
    proc, endpoint = start(tmp_path, NIMBUS_SANDBOX='off')
    try:
        assert requests.get(endpoint + '/health', timeout=10).json()['sandbox']['enabled'] is False
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_a_second_server_leaves_the_first_servers_instances_alone(client, service, make_zip, tmp_path):
    client.create_function(service, 'kept', 'python3', 'index.handler', codeZipFile=make_zip({'index.py': SRC}))
    before = client.invoke_function(service, 'kept').data
    proc, _ = start(tmp_path)
    proc.terminate()
    proc.wait(timeout=30)
    assert client.invoke_function(service, 'kept').data == before, 'another Nimbus killed this one\'s instance'
    # Stopped while its standbys were still starting, it leaves none of their /code slots mounted.
    with open('/proc/self/mountinfo') as mounts:
        left = [line.split()[4] for line in mounts if str(tmp_path / 'data') + '/' in line]
    assert left == []
