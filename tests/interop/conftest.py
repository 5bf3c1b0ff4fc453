"""Starts the real `nimbus` server once per session and hands out SDK clients talking to it."""

import os
import tempfile
from pathlib import Path

import fc2
import pytest

from interop_util import (ACCESS_KEY_ID, ACCESS_KEY_SECRET, ACCOUNT_ID, HANDLER_SRC, SECURITY_TOKEN,
                          start_server, unique, write_zip)
from nimbus_serve import NimbusServe, NimbusServeError

REPO_ROOT = Path(__file__).resolve().parents[2]
HEALTH_TIMEOUT_S = 60
SHUTDOWN_TIMEOUT_S = 10

# every `nimbus serve` writes a CLI profile; keep the suite's servers out of the user's ~/.nimbus
os.environ.setdefault('NIMBUS_PROFILE', os.path.join(tempfile.mkdtemp(prefix='nimbus-profile-'), 'profile.json'))

# all traffic goes to 127.0.0.1: never route it through a proxy from the environment
for _var in ('NO_PROXY', 'no_proxy'):
    os.environ[_var] = ','.join(filter(None, [os.environ.get(_var), '127.0.0.1', 'localhost']))


def _nimbus_binary():
    raw = Path(os.environ.get('NIMBUS_BIN', '.build/debug/nimbus'))
    if not raw.is_absolute():
        raw = raw if (Path.cwd() / raw).exists() else REPO_ROOT / raw
    path = raw.resolve()
    if not (path.is_file() and os.access(str(path), os.X_OK)):
        pytest.fail('nimbus executable not found at {0} (build it, or set NIMBUS_BIN)'.format(path),
                    pytrace=False)
    return path


# The session's server, so a failing test's report can carry what Nimbus logged meanwhile.
_SESSION_SERVERS = []


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed and _SESSION_SERVERS:
        report.sections.append(('nimbus serve stderr (last 4000 characters)', _SESSION_SERVERS[0].stderr_tail(4000)))


@pytest.fixture(scope='session')
def nimbus_server(tmp_path_factory):
    binary = _nimbus_binary()
    base_dir = tmp_path_factory.mktemp('nimbus')
    data_dir = base_dir / 'data'
    data_dir.mkdir()
    env = dict(NIMBUS_ACCOUNT_ID=ACCOUNT_ID,
               NIMBUS_ACCESS_KEY_ID=ACCESS_KEY_ID,
               NIMBUS_ACCESS_KEY_SECRET=ACCESS_KEY_SECRET,
               NIMBUS_SECURITY_TOKEN=SECURITY_TOKEN,
               # The suite starts a few hundred instances; keep them from filling the platform cap.
               NIMBUS_INSTANCE_MAX='400', NIMBUS_INSTANCE_IDLE_TIMEOUT='60',
               # Async retries back off from 0.2 s instead of FC's 1 s, so retry tests stay short.
               NIMBUS_ASYNC_RETRY_BASE='0.2')
    server = NimbusServe(binary, data_dir, env=env, stdout_path=base_dir / 'server.stdout.log',
                         stderr_path=base_dir / 'server.stderr.log', cwd=base_dir)
    server.base_dir = base_dir
    _SESSION_SERVERS.append(server)
    try:
        server.start(health_timeout=HEALTH_TIMEOUT_S)
    except NimbusServeError as error:
        pytest.fail(str(error), pytrace=False)

    yield server

    if not server.running():
        pytest.fail('nimbus died during the session with code {0}; stderr:\n{1}'.format(
            server.proc.returncode, server.stderr_tail()), pytrace=False)
    try:
        code = server.stop(timeout=SHUTDOWN_TIMEOUT_S)
    except NimbusServeError as error:
        pytest.fail(str(error), pytrace=False)
    assert code == 0, 'nimbus exited with code {0} after SIGTERM (expected a clean exit); stderr:\n{1}'.format(
        code, server.stderr_tail())


@pytest.fixture(scope='session')
def endpoint(nimbus_server):
    return nimbus_server.endpoint


@pytest.fixture(scope='session')
def make_client(endpoint):
    """Factory for SDK clients; override accessKeyID / accessKeySecret / securityToken as needed."""
    def _make(**overrides):
        kwargs = dict(endpoint=endpoint, accessKeyID=ACCESS_KEY_ID, accessKeySecret=ACCESS_KEY_SECRET,
                      Timeout=120)
        kwargs.update(overrides)
        return fc2.Client(**kwargs)
    return _make


@pytest.fixture(scope='session')
def client(make_client):
    return make_client()


@pytest.fixture
def unique_name():
    """unique_name('svc') -> 'svc_1a2b3c4d' (a fresh valid name on every call)."""
    return unique


@pytest.fixture
def service(client):
    """A freshly created, empty service; returns its name."""
    name = unique('svc')
    client.create_service(name, description='interop test service')
    return name


@pytest.fixture
def make_zip(tmp_path):
    """make_zip({'index.py': '...'}) -> path of a zip file on disk holding exactly those entries."""
    counter = [0]

    def _make(files):
        counter[0] += 1
        return write_zip(tmp_path / 'code{0}.zip'.format(counter[0]), files)
    return _make


@pytest.fixture
def function(client, service, make_zip):
    """(service, function) with a small python3 function created from a zip."""
    name = unique('fn')
    client.create_function(service, name, 'python3', 'index.handler',
                           codeZipFile=make_zip({'index.py': HANDLER_SRC}), memorySize=128, timeout=10)
    return service, name


@pytest.fixture
def assert_alive(nimbus_server, client):
    """Call after abusive requests: the process is still up and a normal SDK call still works."""
    def _check():
        assert nimbus_server.running(), 'nimbus died; stderr:\n' + nimbus_server.stderr_tail()
        assert isinstance(client.list_services(limit=1).data.get('services'), list)
    return _check


@pytest.fixture
def lane_off_endpoint(tmp_path_factory):
    """A second server (keys AK/SK) with NIMBUS_WARM_LANE=off: every call goes through the router,
    the reference the warm lane's answers are compared with."""
    proc, endpoint = start_server(tmp_path_factory.mktemp('nolane'), NIMBUS_WARM_LANE='off')
    yield endpoint
    proc.terminate()
    proc.wait(timeout=30)
