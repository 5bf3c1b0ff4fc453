"""A throwaway `nimbus serve` for the small benchmark scripts: free loopback port, fresh data dir."""

import contextlib
import os
import socket
import subprocess
import tempfile
import time

import fc2
import requests


@contextlib.contextmanager
def local_nimbus(binary, data_dir=None, **env):
    """Yields (endpoint, SDK client with keys AK/SK) once /health answers; stops the server after."""
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    environment = dict(os.environ, NIMBUS_ACCESS_KEY_ID='AK', NIMBUS_ACCESS_KEY_SECRET='SK', **env)
    server = subprocess.Popen([binary, 'serve', '--port', str(port), '--data-dir', data_dir or tempfile.mkdtemp(prefix='nimbus-')],
                              env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = 'http://127.0.0.1:%d' % port
    try:
        for _ in range(100):
            try:
                if requests.get(endpoint + '/health', timeout=1).ok:
                    break
            except requests.RequestException:
                time.sleep(0.1)
        yield endpoint, fc2.Client(endpoint=endpoint, accessKeyID='AK', accessKeySecret='SK')
    finally:
        server.terminate()
        server.wait(timeout=60)
