"""A throwaway `nimbus serve` for the small benchmark scripts: free loopback port, fresh data dir,
through the launcher the tests use (tests/nimbus_serve.py)."""

import contextlib
import os
import sys
import tempfile

import fc2

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'tests'))
from nimbus_serve import NimbusServe  # noqa: E402


@contextlib.contextmanager
def local_nimbus(binary, data_dir=None, **env):
    """Yields (endpoint, SDK client with keys AK/SK) once /health answers; stops the server after."""
    env = dict({'NIMBUS_ACCESS_KEY_ID': 'AK', 'NIMBUS_ACCESS_KEY_SECRET': 'SK'}, **env)
    server = NimbusServe(binary, data_dir or tempfile.mkdtemp(prefix='nimbus-'), env=env).start()
    try:
        yield server.endpoint, fc2.Client(endpoint=server.endpoint, accessKeyID='AK', accessKeySecret='SK')
    finally:
        server.stop(timeout=60)
