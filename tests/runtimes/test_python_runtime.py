"""Live tests of the python3 runtime shim (Sources/NimbusRuntime/Resources/python: the entry point
bootstrap.py and the package nimbus_fc/ beside it).

Each runtime is a real `python3 -u bootstrap.py` subprocess serving 127.0.0.1:<free port> with the
fixture code of tests/runtimes/fixtures/python copied to a temp directory; the tests speak the
instance HTTP contract (spec fc-runtimes.md sections 0, 1, 2 and 4) with http.client, the way Nimbus
does. Stdlib + pytest only. Run: python3 -m pytest -q tests/runtimes/test_python_runtime.py
"""

import base64
import datetime
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
BOOTSTRAP = REPO_ROOT / "Sources" / "NimbusRuntime" / "Resources" / "python" / "bootstrap.py"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "python"
PYTHON = sys.executable or shutil.which("python3")

START_TIMEOUT_S = 10
REQUEST_TIMEOUT_S = 10
OUTPUT_TIMEOUT_S = 5
STOP_TIMEOUT_S = 5

LOG_LINE = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3})Z (\S*) \[(\w+)\] (.*)$")

SAFE_FC_ENV = {
    "FC_FUNC_CODE_PATH",
    "FC_FUNCTION_MEMORY_SIZE",
    "FC_RUNTIME_VERSION",
    "FC_ACCOUNT_ID",
    "FC_FUNCTION_HANDLER",
    "FC_FUNCTION_NAME",
    "FC_SERVICE_NAME",
    "FC_VER_ID",
    "FC_FUNCTION_VERSION",
    "FC_QUALIFIER",
    "FC_REGION",
    "FC_INSTANCE_ID",
}


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def new_request_id():
    return str(uuid.uuid4())


def fc_headers(request_id, control_path, handler="index.echo", **overrides):
    """The x-fc-* headers Nimbus puts on every call (spec 1.1)."""
    headers = {
        "x-fc-request-id": request_id,
        "x-fc-access-key-id": "",
        "x-fc-access-key-secret": "",
        "x-fc-security-token": "",
        "x-fc-function-name": "fn",
        "x-fc-function-handler": handler,
        "x-fc-function-memory": "128",
        "x-fc-function-timeout": "3",
        "x-fc-function-initializer": "",
        "x-fc-initialization-timeout": "3",
        "x-fc-instance-lifecycle-pre-freeze-handler": "",
        "x-fc-instance-lifecycle-pre-stop-handler": "",
        "x-fc-service-name": "svc",
        "x-fc-service-logproject": "",
        "x-fc-service-logstore": "",
        "x-fc-qualifier": "LATEST",
        "x-fc-version-id": "",
        "x-fc-region": "local",
        "x-fc-account-id": "1234567890",
        "x-fc-retry-count": "0",
        "x-fc-control-path": control_path,
    }
    for key, value in overrides.items():
        headers[key.replace("_", "-")] = value
    return headers


def http_params(path, request_uri, method, client_ip="198.51.100.7", host="example.com"):
    envelope = {"path": path, "requestURI": request_uri, "method": method, "clientIP": client_ip, "host": host}
    return base64.b64encode(json.dumps(envelope).encode("utf-8")).decode("ascii")


class Response:
    def __init__(self, status, reason, headers, body):
        self.status = status
        self.reason = reason
        self.headers = headers  # list of (name, value), repeated names kept
        self.body = body

    def header(self, name):
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    def all(self, name):
        return [value for key, value in self.headers if key.lower() == name.lower()]

    def json(self):
        return json.loads(self.body)


def send(conn, method, path, headers=(), body=b""):
    """One request on `conn`; `headers` is a dict or a list of pairs (repeats allowed)."""
    pairs = list(headers.items()) if isinstance(headers, dict) else list(headers)
    conn.putrequest(method, path, skip_host=any(k.lower() == "host" for k, _ in pairs), skip_accept_encoding=True)
    for key, value in pairs:
        conn.putheader(key, value)
    if method not in ("GET", "HEAD") or body:
        conn.putheader("Content-Length", str(len(body)))
    conn.endheaders(body if body else None)
    resp = conn.getresponse()
    data = resp.read()
    return Response(resp.status, resp.reason, resp.getheaders(), data)


def function_env(port, code_dir, extra_env=None):
    """The environment Nimbus gives a (normally started) instance of the fixture function."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8",
        "TZ": "Asia/Shanghai",  # logging must still be UTC
        "FC_SERVER_PORT": str(port),
        "FC_CUSTOM_LISTEN_PORT": str(port),
        "FC_FUNC_CODE_PATH": str(code_dir),
        "FC_FUNCTION_HANDLER": "index.echo",
        "FC_FUNCTION_INITIALIZER": "",
        "FC_FUNCTION_NAME": "fn",
        "FC_FUNCTION_MEMORY_SIZE": "128",
        "FC_SERVICE_NAME": "svc",
        "FC_REGION": "local",
        "FC_ACCOUNT_ID": "1234567890",
        "FC_QUALIFIER": "LATEST",
        "FC_VER_ID": "",
        "FC_INSTANCE_ID": "instance-1",
        "FC_RUNTIME_VERSION": "python3.10",
        "FC_SERVER_LOG_LEVEL": "INFO",
        "FC_INSTANCE_CONCURRENCY": "1",
        "NIMBUS_TEST_VAR": "user-value",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    env.update(extra_env or {})
    return env


def standby_env(port, code_dir):
    """The only variables a standby process starts with (its function is not known yet)."""
    return {
        "FC_SERVER_PORT": str(port),
        "FC_FUNC_CODE_PATH": str(code_dir),
        "NIMBUS_STANDBY": "1",
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8",
        "TZ": "UTC",
    }


class PyRuntime:
    """One `python3 -u bootstrap.py` process with its stdout/stderr captured line by line.

    With ``standby=True`` it is a standby (NIMBUS_STANDBY=1) started in ``cwd``, not in the
    (still empty) code directory; ``assign`` then hands it a function's environment.
    """

    def __init__(self, code_dir, extra_env=None, standby=False, cwd=None):
        self.code_dir = str(code_dir)
        self.port = _free_port()
        if standby:
            env = dict(standby_env(self.port, self.code_dir), **(extra_env or {}))
        else:
            env = function_env(self.port, self.code_dir, extra_env)
        began = time.monotonic()
        self.proc = subprocess.Popen(
            [PYTHON, "-u", str(BOOTSTRAP)],
            cwd=str(cwd or self.code_dir),
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self._lock = threading.Lock()
        self._stdout = []
        self._stderr = []
        self._readers = [
            threading.Thread(target=self._pump, args=(self.proc.stdout, self._stdout), daemon=True),
            threading.Thread(target=self._pump, args=(self.proc.stderr, self._stderr), daemon=True),
        ]
        for reader in self._readers:
            reader.start()
        self._wait_listening()
        self.listening_after_s = time.monotonic() - began

    def _pump(self, stream, sink):
        for raw in iter(stream.readline, b""):
            with self._lock:
                sink.append(raw.decode("utf-8", "replace").rstrip("\n"))

    def _wait_listening(self):
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("runtime exited with %s: %s" % (self.proc.returncode, self.stderr()))
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.01)
        self.stop()
        raise RuntimeError("runtime did not listen within %d s" % START_TIMEOUT_S)

    def stdout(self):
        with self._lock:
            return list(self._stdout)

    def stderr(self):
        with self._lock:
            return "\n".join(self._stderr)

    def wait_for(self, predicate, timeout=OUTPUT_TIMEOUT_S):
        """The stdout lines once `predicate(lines)` holds (bounded wait)."""
        deadline = time.monotonic() + timeout
        while True:
            lines = self.stdout()
            if predicate(lines):
                return lines
            if time.monotonic() > deadline:
                raise AssertionError("stdout never matched; got:\n" + "\n".join(lines[-60:]))
            time.sleep(0.01)

    def wait_for_line(self, line, timeout=OUTPUT_TIMEOUT_S):
        return self.wait_for(lambda lines: line in lines, timeout)

    def connection(self):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT_S)

    def request(self, method, path, headers=(), body=b""):
        conn = self.connection()
        try:
            return send(conn, method, path, headers, body)
        finally:
            conn.close()

    def invoke(self, handler, body=b"", request_id=None, **overrides):
        request_id = request_id or new_request_id()
        headers = fc_headers(request_id, "/invoke", handler, **overrides)
        headers["Content-Type"] = "application/octet-stream"
        return self.request("POST", "/invoke", headers, body)

    def assign(self, environment):
        """POST /nimbus/assign on an open connection: (response, milliseconds it took)."""
        conn = self.connection()
        try:
            conn.connect()
            body = json.dumps({"environment": environment}).encode("utf-8")
            began = time.perf_counter()
            resp = send(conn, "POST", "/nimbus/assign", {"Content-Type": "application/json"}, body)
            return resp, (time.perf_counter() - began) * 1000.0
        finally:
            conn.close()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        try:
            self.proc.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            pass
        for reader in self._readers:
            reader.join(STOP_TIMEOUT_S)


@pytest.fixture(scope="module")
def start_runtime(tmp_path_factory):
    """Factory: a fresh runtime over a fresh copy of the fixture code; all stopped at module end."""
    started = []

    def start(**extra_env):
        code_dir = tmp_path_factory.mktemp("pycode") / "code"
        shutil.copytree(FIXTURES, code_dir)
        runtime = PyRuntime(code_dir, {k: str(v) for k, v in extra_env.items()})
        started.append(runtime)
        return runtime

    yield start
    for runtime in started:
        runtime.stop()


@pytest.fixture(scope="module")
def rt(start_runtime):
    """The serial runtime (instance concurrency 1) most tests share."""
    return start_runtime()


@pytest.fixture(scope="module")
def rt4(start_runtime):
    """A runtime with instance concurrency 4."""
    return start_runtime(FC_INSTANCE_CONCURRENCY=4)


def assert_function_error(resp):
    assert resp.status == 404
    assert resp.header("x-fc-status") == "404"
    assert resp.header("x-fc-error-type") == "UnhandledInvocationError"
    error = resp.json()
    assert set(error) <= {"errorMessage", "errorType", "stackTrace"}
    return error


# ---- event handler ---------------------------------------------------------------------------


def test_event_echo_bytes_in_and_out(rt):
    payload = bytes(range(256)) * 4 + "\u4f60\u597d".encode("utf-8")
    resp = rt.invoke("index.echo", payload)
    assert resp.status == 200
    assert resp.header("Content-Type") == "application/octet-stream"
    assert resp.header("x-fc-status") == "200"
    assert resp.body == payload


def test_empty_event_is_empty_bytes(rt):
    resp = rt.invoke("index.echo", b"")
    assert resp.status == 200
    assert resp.body == b""


def test_default_handler_from_environment(rt):
    rid = new_request_id()
    headers = fc_headers(rid, "/invoke", handler="")
    resp = rt.request("POST", "/invoke", headers, b"from-env-handler")
    assert resp.status == 200
    assert resp.body == b"from-env-handler"


CONVERSIONS = [
    ("index.ret_str", "h\u00e9llo \u4f60\u597d".encode("utf-8")),
    ("index.ret_bytes", b"\x00\x01\xfe\xff"),
    ("index.ret_dict", json.dumps({"b": 1, "a": {"d": [1, 2], "c": "x"}}, indent=4, sort_keys=True).encode()),
    ("index.ret_none", b"null"),
    ("index.ret_int", b"3"),
    ("index.ret_decimal", b'{\n    "price": 12.5\n}'),
    ("index.ret_datetime", b'{\n    "at": "2024-01-02T03:04:05.600000",\n    "day": "2024-01-02"\n}'),
    ("index.ret_to_json", b'{\n    "point": {\n        "x": 1,\n        "y": 2\n    }\n}'),
]


@pytest.mark.parametrize("handler,expected", CONVERSIONS, ids=[c[0].split(".")[1] for c in CONVERSIONS])
def test_return_value_conversion(rt, handler, expected):
    resp = rt.invoke(handler)
    assert resp.status == 200, resp.body
    assert resp.header("Content-Type") == "application/octet-stream"
    assert resp.body == expected


def test_unserializable_return_is_type_error(rt):
    rid = new_request_id()
    error = assert_function_error(rt.invoke("index.ret_unserializable", request_id=rid))
    assert error["errorType"] == "TypeError"
    assert error["errorMessage"].endswith(" is not JSON serializable")
    rt.wait_for_line("FC Invoke End RequestId: %s, Error: Unhandled function error" % rid)


def test_context_fields(rt):
    rid = new_request_id()
    baggages = base64.b64encode(json.dumps({"k": "v"}).encode()).decode()
    resp = rt.invoke(
        "index.context_info",
        request_id=rid,
        x_fc_access_key_id="AKID",
        x_fc_access_key_secret="SECRET",
        x_fc_security_token="TOKEN",
        x_fc_function_name="my-fn",
        x_fc_function_memory="512",
        x_fc_function_timeout="60",
        x_fc_service_name="my-svc",
        x_fc_service_logproject="proj",
        x_fc_service_logstore="store",
        x_fc_qualifier="prod",
        x_fc_version_id="7",
        x_fc_region="cn-shanghai",
        x_fc_account_id="1986114430573743",
        x_fc_retry_count="2",
        x_fc_tracing_opentracing_span_context="span-ctx",
        x_fc_tracing_opentracing_span_baggages=baggages,
        x_fc_tracing_jaeger_endpoint="http://jaeger",
    )
    assert resp.status == 200, resp.body
    info = resp.json()
    assert info["request_id"] == info["requestId"] == rid
    assert info["access_key_id"] == info["accessKeyId"] == "AKID"
    assert info["access_key_secret"] == info["accessKeySecret"] == "SECRET"
    assert info["security_token"] == info["securityToken"] == "TOKEN"
    assert info["function_name"] == "my-fn"
    assert info["function_handler"] == "index.context_info"
    assert info["function_memory"] == 512 and info["function_timeout"] == 60
    assert info["service_name"] == "my-svc"
    assert (info["log_project"], info["log_store"]) == ("proj", "store")
    assert (info["qualifier"], info["version_id"]) == ("prod", "7")
    assert info["region"] == "cn-shanghai"
    assert info["account_id"] == "1986114430573743"
    assert info["retry_count"] == 2
    assert info["span_context"] == "span-ctx"
    assert info["span_baggages"] == {"k": "v"}
    assert info["jaeger_endpoint"] == "http://jaeger"
    assert info["logger_type"] == "Logger"
    assert info["to_json"] == {
        "requestId": rid,
        "credentials": {"accessKeyId": "AKID", "accessKeySecret": "SECRET", "securityToken": "TOKEN"},
        "function": {"name": "my-fn", "handler": "index.context_info", "memory": 512, "timeout": 60},
        "service": {
            "name": "my-svc",
            "logProject": "proj",
            "logStore": "store",
            "qualifier": "prod",
            "versionId": "7",
        },
        "region": "cn-shanghai",
        "accountId": "1986114430573743",
        "retryCount": 2,
        "tracing": {
            "openTracingSpanContext": "span-ctx",
            "openTracingSpanBaggages": {"k": "v"},
            "jaegerEndpoint": "http://jaeger",
        },
    }


def test_environment_is_sanitized_and_code_root_first(rt):
    resp = rt.invoke("index.environment")
    assert resp.status == 200, resp.body
    info = resp.json()
    assert set(info["fc"]) <= SAFE_FC_ENV
    assert "FC_FUNC_CODE_PATH" in info["fc"] and "FC_FUNCTION_HANDLER" in info["fc"]
    for internal in ("FC_SERVER_PORT", "FC_SERVER_LOG_LEVEL", "FC_INSTANCE_CONCURRENCY", "FC_CUSTOM_LISTEN_PORT"):
        assert internal not in info["fc"]
    assert info["user"] == "user-value"
    assert info["sys_path_0"] == rt.code_dir
    assert os.path.realpath(info["cwd"]) == os.path.realpath(rt.code_dir)
    assert info["main_thread"] is True  # serial instances run user code on the main thread


# ---- errors ----------------------------------------------------------------------------------


def test_handler_exception_is_unhandled_invocation_error(rt):
    rid = new_request_id()
    error = assert_function_error(rt.invoke("index.boom", b"oops", request_id=rid))
    assert error["errorType"] == "ValueError"
    assert error["errorMessage"] == "bad value: oops"
    frames = error["stackTrace"]
    index_py = 'File "%s"' % os.path.join(rt.code_dir, "index.py")
    assert all(isinstance(frame, list) and len(frame) == 4 for frame in frames)
    assert frames[0][0] == index_py and frames[0][2] == "in boom"
    assert re.fullmatch(r"line \d+", frames[0][1])
    assert frames[0][3] == '_inner(event.decode("utf-8"))'
    assert frames[-1][0] == index_py and frames[-1][2] == "in _inner"
    assert frames[-1][3] == 'raise ValueError("bad value: %s" % value)'
    assert not any("bootstrap.py" in frame[0] or "nimbus_fc" in frame[0] for frame in frames)  # runtime frames
    lines = rt.wait_for_line("FC Invoke End RequestId: %s, Error: Unhandled function error" % rid)
    assert "FC Invoke Start RequestId: %s" % rid in lines
    assert any(re.match(r"^\S+Z %s \[ERROR\] \{$" % rid, line) for line in lines)


def test_custom_exception_type_name(rt):
    error = assert_function_error(rt.invoke("index.boom_custom"))
    assert error["errorType"] == "CustomError"
    assert error["errorMessage"] == "custom failure"
    assert error["stackTrace"][0][2] == "in boom_custom"


LOAD_FAILURES = [
    ("missing_module.handler", "ImportModuleError", "Unable to import module 'missing_module'"),
    ("bad_import.handler", "ImportModuleError", "Unable to import module 'bad_import'"),
    ("bad_syntax.handler", "UserCodeSyntaxError", "Syntax error in module 'bad_syntax'"),
    ("nodot", "InvalidHandleName", "Invalid handler 'nodot'"),
    ("index.no_such_function", "HandlerNotFound", "Handler 'no_such_function' is missing on module 'index'"),
    ("bad_init.handler", "UserCodeError", "Module initialization error: 'kaboom at import'"),
    ("bad_value.handler", "InvalidHandleName", "Invalid handler 'bad_value'"),
]


@pytest.mark.parametrize("handler,error_type,message", LOAD_FAILURES, ids=[f[0] for f in LOAD_FAILURES])
def test_load_failures(rt, handler, error_type, message):
    rid = new_request_id()
    error = assert_function_error(rt.invoke(handler, request_id=rid))
    assert error["errorType"] == error_type
    assert error["errorMessage"] == message
    trace = error["stackTrace"]
    assert trace and all(isinstance(item, str) for item in trace)
    if handler == "bad_syntax.handler":
        assert trace[0] == 'File "%s"' % os.path.join(rt.code_dir, "bad_syntax.py")
        assert trace[1] == "line 4"
        assert trace[-1].startswith("SyntaxError: ")
    if handler == "bad_import.handler":
        assert trace == ["ModuleNotFoundError: No module named 'nimbus_module_that_does_not_exist'"]
    if handler == "index.no_such_function":
        assert trace == ["AttributeError: module 'index' has no attribute 'no_such_function'"]
    rt.wait_for_line("FC Invoke End RequestId: %s, Error: Unhandled function error" % rid)


def test_package_and_directory_handlers(rt):
    resp = rt.invoke("pkg.mod.handler")
    assert resp.status == 200, resp.body
    assert resp.body == b"pkg.mod:helper:pkg.mod"
    resp = rt.invoke("sub/dir/mod.handler")
    assert resp.status == 200, resp.body
    assert resp.body == b"sub/dir/mod:sub/dir/mod"


# ---- initializer and lifecycle hooks ---------------------------------------------------------


def test_initializer_runs_once(start_runtime):
    runtime = start_runtime(FC_FUNCTION_INITIALIZER="init_mod.initialize")
    first, second = new_request_id(), new_request_id()
    # The header is empty here: the runtime falls back to FC_FUNCTION_INITIALIZER.
    resp = runtime.request("POST", "/initialize", fc_headers(first, "/initialize"))
    assert resp.status == 200, resp.body
    assert resp.body == b"initialized"
    headers = fc_headers(second, "/initialize", x_fc_function_initializer="init_mod.initialize")
    resp = runtime.request("POST", "/initialize", headers)
    assert resp.status == 200
    assert resp.body == b""
    resp = runtime.invoke("init_mod.handler")
    assert resp.status == 200, resp.body
    assert resp.json() == {"runs": 1, "request_ids": [first]}
    lines = runtime.wait_for_line("FC Initialize End RequestId: %s" % first)
    assert "FC Initialize Start RequestId: %s" % first in lines
    resp = runtime.invoke("index.environment")
    assert "FC_FUNCTION_INITIALIZER" not in resp.json()["fc"]


def test_failed_initializer_can_run_again(start_runtime):
    runtime = start_runtime()
    rid = new_request_id()
    headers = fc_headers(rid, "/initialize", x_fc_function_initializer="init_mod.flaky_initialize")
    error = assert_function_error(runtime.request("POST", "/initialize", headers))
    assert error["errorType"] == "RuntimeError"
    assert error["errorMessage"] == "first initializer attempt fails"
    assert error["stackTrace"][0][2] == "in flaky_initialize"
    runtime.wait_for_line("FC Initialize End RequestId: %s, Error: Unhandled function error" % rid)
    for _ in range(2):
        headers = fc_headers(new_request_id(), "/initialize", x_fc_function_initializer="init_mod.flaky_initialize")
        assert runtime.request("POST", "/initialize", headers).status == 200
    assert runtime.invoke("init_mod.flaky_state").json() == {"attempts": 2}


def test_lifecycle_hooks(rt):
    freeze_id, stop_id = new_request_id(), new_request_id()
    headers = fc_headers(freeze_id, "/pre-freeze", x_fc_instance_lifecycle_pre_freeze_handler="index.pre_freeze")
    resp = rt.request("GET", "/pre-freeze", headers)
    assert resp.status == 200, resp.body
    assert resp.body == b"frozen"
    headers = fc_headers(stop_id, "/pre-stop", x_fc_instance_lifecycle_pre_stop_handler="index.pre_stop")
    resp = rt.request("GET", "/pre-stop", headers)
    assert resp.status == 200, resp.body
    seen = rt.invoke("index.hooks_seen").json()
    assert ["pre_freeze", freeze_id] in seen and ["pre_stop", stop_id] in seen
    lines = rt.wait_for_line("FC PreStop End RequestId: %s" % stop_id)
    for line in (
        "FC PreFreeze Start RequestId: %s" % freeze_id,
        "FC PreFreeze End RequestId: %s" % freeze_id,
        "FC PreStop Start RequestId: %s" % stop_id,
    ):
        assert line in lines
    assert any(re.match(r"^\S+Z %s \[INFO\] pre-freeze hook ran$" % freeze_id, line) for line in lines)


def test_hook_without_handler_is_a_no_op(rt):
    resp = rt.request("GET", "/pre-freeze", fc_headers(new_request_id(), "/pre-freeze"))
    assert resp.status == 200
    assert resp.body == b""


def test_failing_hook(rt):
    rid = new_request_id()
    headers = fc_headers(rid, "/pre-stop", x_fc_instance_lifecycle_pre_stop_handler="index.failing_hook")
    error = assert_function_error(rt.request("GET", "/pre-stop", headers))
    assert error["errorType"] == "RuntimeError"
    rt.wait_for_line("FC PreStop End RequestId: %s, Error: Unhandled function error" % rid)


# ---- logging ---------------------------------------------------------------------------------


def test_logging_format_and_boundaries(rt):
    rid = new_request_id()
    resp = rt.invoke("index.log_it", request_id=rid)
    assert resp.status == 200 and resp.body == b"logged"
    end = "FC Invoke End RequestId: %s" % rid
    lines = rt.wait_for_line(end)
    start_at = lines.index("FC Invoke Start RequestId: %s" % rid)
    end_at = lines.index(end)
    mine = lines[start_at + 1 : end_at]
    parsed = [LOG_LINE.match(line) for line in mine]
    records = [(m.group(2), m.group(3), m.group(4)) for m in parsed if m]
    assert (rid, "INFO", "root info line") in records
    assert (rid, "WARNING", "child warning line") in records
    assert (rid, "ERROR", "context error line") in records
    assert "plain print line" in mine
    assert not any("root debug line" in line for line in lines)
    stamp = next(m.group(1) for m in parsed if m and m.group(4) == "root info line")
    logged = datetime.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=datetime.timezone.utc)
    assert abs((datetime.datetime.now(datetime.timezone.utc) - logged).total_seconds()) < 120  # UTC, not TZ


def test_runtime_inited_line_and_quiet_stderr(rt):
    rt.invoke("index.echo", b"x")
    assert "FunctionCompute python3 runtime inited." in rt.stdout()
    assert rt.stderr() == ""


# ---- HTTP trigger (WSGI) ---------------------------------------------------------------------


def http_call(runtime_or_conn, handler, method="GET", path="/", request_uri=None, headers=(), body=b"", **params):
    request_uri = request_uri or path
    rid = params.pop("request_id", None) or new_request_id()
    pairs = list(headers)
    pairs += list(fc_headers(rid, "/http-invoke", handler).items())
    pairs.append(("x-fc-http-params", http_params(path, request_uri, method, **params)))
    if isinstance(runtime_or_conn, PyRuntime):
        return runtime_or_conn.request(method, request_uri, pairs, body)
    return send(runtime_or_conn, method, request_uri, pairs, body)


def test_wsgi_status_and_repeated_headers(rt):
    resp = http_call(rt, "index.wsgi_status", "POST", "/anything", body=b"x")
    assert resp.status == 202
    assert resp.reason == "Accepted"
    assert resp.all("Set-Cookie") == ["a=1", "b=2"]
    assert resp.header("X-Custom") == "custom-value"
    assert resp.header("Content-Type") == "text/plain"
    assert resp.header("x-fc-status") is None
    assert resp.body == b"accepted"


def test_wsgi_environ(rt):
    rid = new_request_id()
    uri = "/2016-08-15/proxy/svc/fn/users/42?q=%E4%BD%A0%E5%A5%BD&x=1"
    resp = http_call(
        rt,
        "index.wsgi_environ",
        "PUT",
        "/users/42",
        request_uri=uri,
        headers=[("Host", "example.com"), ("X-Multi", "one"), ("X-Multi", "two"), ("User-Agent", "pytest")],
        body=b"abc",
        client_ip="203.0.113.9",
        request_id=rid,
    )
    assert resp.status == 200, resp.body
    env = resp.json()
    assert env["REQUEST_METHOD"] == "PUT"
    assert env["PATH_INFO"] == "/users/42"
    assert env["QUERY_STRING"] == "q=%E4%BD%A0%E5%A5%BD&x=1"
    assert env["fc.request_uri"] == uri
    assert env["REMOTE_ADDR"] == "203.0.113.9"
    assert env["CONTENT_TYPE"] == "application/octet-stream"
    assert env["CONTENT_LENGTH"] == "3"
    assert env["body"] == "abc"
    assert env["HTTP_HOST"] == "example.com"
    assert env["HTTP_X_MULTI"] == "one,two"
    assert env["HTTP_USER_AGENT"] == "pytest"
    assert env["HTTP_X_FC_FUNCTION_HANDLER"] == "index.wsgi_environ"
    assert env["x_fc_keys"] == ["HTTP_X_FC_FUNCTION_HANDLER"]
    assert env["has_content_length_header"] is False
    assert env["NIMBUS_TEST_VAR"] == "user-value"
    assert env["context_request_id"] == rid
    assert (env["SCRIPT_NAME"], env["SERVER_NAME"], env["SERVER_PORT"]) == ("", "FCRUNTIME", "9000")
    assert (env["SERVER_PROTOCOL"], env["SERVER_SOFTWARE"], env["HTTP"]) == ("HTTP/1.1", "FCRUNTIME/1.0", "on")
    assert env["wsgi.version"] == [1, 0] and env["wsgi.url_scheme"] == "http"
    assert env["wsgi.multithread"] is False and env["wsgi.multiprocess"] is False and env["wsgi.run_once"] is False
    lines = rt.wait_for_line("FC Invoke End RequestId: %s" % rid)
    assert "FC Invoke Start RequestId: %s" % rid in lines


def test_wsgi_content_type_and_unicode_path(rt):
    resp = http_call(
        rt,
        "index.wsgi_environ",
        "POST",
        "/caf\u00e9/\u4f60\u597d",
        request_uri="/caf%C3%A9/%E4%BD%A0%E5%A5%BD",
        headers=[("Content-Type", "text/plain; charset=utf-8")],
        body="h\u00e9".encode("utf-8"),
    )
    assert resp.status == 200, resp.body
    env = resp.json()
    assert env["CONTENT_TYPE"] == "text/plain; charset=utf-8"
    # PEP 3333 native string: the UTF-8 bytes of the path, one character per byte.
    assert env["PATH_INFO"].encode("latin-1").decode("utf-8") == "/caf\u00e9/\u4f60\u597d"
    assert env["QUERY_STRING"] == ""


def test_wsgi_binary_body_echo_1mb(rt):
    payload = os.urandom(1 << 20)
    resp = http_call(rt, "index.wsgi_echo", "POST", "/upload", headers=[("Content-Type", "application/zip")], body=payload)
    assert resp.status == 200
    assert resp.header("Content-Length") == str(len(payload))
    assert resp.body == payload


def test_wsgi_keep_alive(rt):
    conn = rt.connection()
    try:
        first = http_call(conn, "index.wsgi_echo", "POST", "/one", body=b"first")
        sock = conn.sock
        assert sock is not None
        second = http_call(conn, "index.wsgi_echo", "POST", "/two", body=b"second")
        assert conn.sock is sock  # same TCP connection, not reopened
        third = http_call(conn, "index.wsgi_no_content", "DELETE", "/three")
        fourth = http_call(conn, "index.wsgi_echo", "HEAD", "/four")
        fifth = send(conn, "POST", "/invoke", fc_headers(new_request_id(), "/invoke"), b"event")
        assert conn.sock is sock
    finally:
        conn.close()
    assert (first.status, first.body) == (200, b"first")
    assert (second.status, second.body) == (200, b"second")
    assert (third.status, third.body) == (204, b"")
    assert third.header("Content-Length") is None
    assert (fourth.status, fourth.body) == (200, b"")
    assert (fifth.status, fifth.body) == (200, b"event")


def test_keep_alive_round_trips_have_no_nagle_stall(rt):
    # 40 sequential calls on one connection; a 40 ms delayed-ACK stall per call would take > 1.6 s.
    conn = rt.connection()
    try:
        send(conn, "POST", "/invoke", fc_headers(new_request_id(), "/invoke"), b"warm-up")
        began = time.monotonic()
        for index in range(40):
            body = b"x" * (index * 100)
            resp = send(conn, "POST", "/invoke", fc_headers(new_request_id(), "/invoke"), body)
            assert resp.status == 200 and resp.body == body
        elapsed = time.monotonic() - began
    finally:
        conn.close()
    assert elapsed < 0.8, "40 keep-alive round trips took %.3f s" % elapsed


def test_wsgi_write_and_iterable(rt):
    resp = http_call(rt, "index.wsgi_write")
    assert resp.status == 200
    assert resp.body == b"written-iter1-iter2"
    resp = http_call(rt, "index.wsgi_generator")
    assert resp.status == 201
    assert resp.body == b"gen-body"


def test_wsgi_exception(rt):
    rid = new_request_id()
    error = assert_function_error(http_call(rt, "index.wsgi_boom", request_id=rid))
    assert error["errorType"] == "KeyError"
    assert error["errorMessage"] == "'missing-key'"
    assert error["stackTrace"][0][0] == 'File "%s"' % os.path.join(rt.code_dir, "index.py")
    assert error["stackTrace"][-1][2] == "in wsgi_boom"
    rt.wait_for_line("FC Invoke End RequestId: %s, Error: Unhandled function error" % rid)


def test_wsgi_load_failure(rt):
    error = assert_function_error(http_call(rt, "index.not_there"))
    assert error["errorType"] == "HandlerNotFound"


# ---- concurrency -----------------------------------------------------------------------------


def four_sleepy_calls(runtime):
    """Four 0.5 s calls at once; returns their request ids, replies and the time they all took."""
    rids = [new_request_id() for _ in range(4)]
    results = {}

    def call(rid):
        results[rid] = runtime.invoke("index.sleepy", request_id=rid)

    threads = [threading.Thread(target=call, args=(rid,)) for rid in rids]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(REQUEST_TIMEOUT_S)
    return rids, results, time.monotonic() - began


def test_concurrent_calls_run_in_parallel_with_own_request_ids(rt4):
    rids, results, elapsed = four_sleepy_calls(rt4)
    assert elapsed < 1.5, "4 x 0.5 s calls took %.2f s" % elapsed
    for rid in rids:
        assert results[rid].status == 200
        assert results[rid].body == rid.encode()
    lines = rt4.wait_for(lambda ls: all("FC Invoke End RequestId: %s" % rid in ls for rid in rids))
    records = {(m.group(2), m.group(4)) for m in map(LOG_LINE.match, lines) if m}
    for rid in rids:
        assert (rid, "ctx-logger %s" % rid) in records
        assert (rid, "root-logger %s" % rid) in records


def test_concurrent_runtime_runs_handlers_in_worker_threads(rt4):
    resp = rt4.invoke("index.environment")
    assert resp.status == 200
    assert resp.json()["main_thread"] is False


# ---- process ---------------------------------------------------------------------------------


def test_sigterm_exits_promptly(start_runtime):
    runtime = start_runtime()
    assert runtime.invoke("index.echo", b"up").status == 200
    runtime.proc.send_signal(signal.SIGTERM)
    assert runtime.proc.wait(STOP_TIMEOUT_S) == 143


def test_sigterm_during_a_call_dumps_stacks(start_runtime):
    runtime = start_runtime()
    rid = new_request_id()
    conn = runtime.connection()
    try:
        headers = fc_headers(rid, "/invoke", "index.sleepy")
        conn.request("POST", "/invoke", body=b"", headers=headers)
        runtime.wait_for_line("FC Invoke Start RequestId: %s" % rid)
        runtime.proc.send_signal(signal.SIGTERM)
        assert runtime.proc.wait(STOP_TIMEOUT_S) == 143
    finally:
        conn.close()
    runtime.wait_for(lambda ls: any("Dumping stack trace after function timeout" in line for line in ls))


def test_sys_exit_in_handler_ends_the_process(start_runtime):
    runtime = start_runtime()
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        runtime.invoke("index.exits")
    assert runtime.proc.wait(STOP_TIMEOUT_S) == 3


# ---- standby mode (NIMBUS_STANDBY=1, POST /nimbus/assign) -----------------------------------------

ASSIGN_LIMIT_MS = 50


@pytest.fixture(scope="module")
def start_standby(tmp_path_factory):
    """Factory: a standby over an empty code directory, started elsewhere; all stopped at module end."""
    started = []

    def start():
        base = tmp_path_factory.mktemp("standby")
        for folder in ("code", "cwd", "tmp"):
            (base / folder).mkdir()
        runtime = PyRuntime(base / "code", {"TMPDIR": str(base / "tmp")}, standby=True, cwd=base / "cwd")
        runtime.tmp_dir = base / "tmp"
        started.append(runtime)
        return runtime

    yield start
    for runtime in started:
        runtime.stop()


def mount_and_assign(runtime, **overrides):
    """The code "appears" (copied in), then the fixture function's environment is assigned."""
    shutil.copytree(FIXTURES, runtime.code_dir, dirs_exist_ok=True)
    environment = function_env(runtime.port, runtime.code_dir, {k: str(v) for k, v in overrides.items()})
    resp, ms = runtime.assign(environment)
    assert resp.status == 200, resp.body
    assert resp.json() == {"assigned": True}
    return ms


def report(capsys, text):
    with capsys.disabled():
        print("\n[python standby] " + text)


# Values that differ from fc_headers' defaults, so context fields show where they come from.
STANDBY_FUNCTION = {
    "FC_FUNCTION_NAME": "standby-fn",
    "FC_FUNCTION_MEMORY_SIZE": "256",
    "FC_SERVICE_NAME": "standby-svc",
    "FC_REGION": "cn-hangzhou",
    "FC_ACCOUNT_ID": "987654321",
    "FC_QUALIFIER": "prod",
    "NIMBUS_TEST_VAR": "standby-user-value",
}


@pytest.fixture(scope="module")
def sb(start_standby):
    """A serial standby, assigned the fixture function (its assign time in .assign_ms)."""
    runtime = start_standby()
    assert runtime.invoke("index.echo", b"early").status == 503
    runtime.assign_ms = mount_and_assign(runtime, **STANDBY_FUNCTION)
    return runtime


def assert_not_assigned(resp):
    assert resp.status == 503
    assert resp.header("Content-Type") == "application/json"
    assert resp.json() == {"errorMessage": "instance not assigned"}


def test_standby_unassigned_calls_get_503(start_standby):
    runtime = start_standby()
    runtime.wait_for_line("FunctionCompute python3 runtime inited.")
    assert os.listdir(runtime.code_dir) == []
    assert os.listdir(runtime.tmp_dir) == []  # the warm-up module it ran before listening is gone
    conn = runtime.connection()
    try:  # one keep-alive connection for all of them
        assert_not_assigned(send(conn, "POST", "/invoke", fc_headers(new_request_id(), "/invoke"), b"x"))
        assert_not_assigned(send(conn, "POST", "/initialize", fc_headers(new_request_id(), "/initialize")))
        assert_not_assigned(send(conn, "GET", "/pre-stop", fc_headers(new_request_id(), "/pre-stop")))
        assert_not_assigned(http_call(conn, "index.wsgi_echo", "POST", "/anything", body=b"x"))
        # The platform's question before it assigns; it keeps this connection for the assignment.
        probe = send(conn, "GET", "/nimbus/assign")
        assert (probe.status, probe.json()) == (200, {"assigned": False})
        # A platform call (it carries x-fc-control-path) is never the assign call.
        assert_not_assigned(http_call(conn, "index.wsgi_echo", "POST", "/nimbus/assign", body=b"{}"))
    finally:
        conn.close()
    assert not any("RequestId" in line for line in runtime.stdout())
    assert runtime.stderr() == ""


def test_standby_bad_assign_leaves_it_assignable(start_standby, tmp_path):
    runtime = start_standby()
    for body in (b"", b"not json", b"[]", b'{"env": {}}', b'{"environment": {"A": 1}}', b'{"environment": {"A=B": "x"}}'):
        resp = runtime.request("POST", "/nimbus/assign", {"Content-Type": "application/json"}, body)
        assert resp.status == 400, body
        assert resp.json()["errorMessage"]
    missing = function_env(runtime.port, str(tmp_path / "not-mounted"))
    resp, _ = runtime.assign(missing)
    assert resp.status == 500 and "not-mounted" in resp.json()["errorMessage"]
    assert_not_assigned(runtime.invoke("index.echo"))
    mount_and_assign(runtime)
    assert runtime.invoke("index.echo", b"finally").body == b"finally"


def test_standby_assign_is_fast(sb, capsys):
    report(capsys, "assign took %.2f ms" % sb.assign_ms)
    assert sb.assign_ms < ASSIGN_LIMIT_MS


def test_standby_second_assign_conflicts(sb):
    resp, _ = sb.assign(function_env(sb.port, sb.code_dir))
    assert resp.status == 409
    assert resp.header("Content-Type") == "application/json"
    assert resp.json()["errorMessage"]
    assert sb.invoke("index.echo", b"still-mine").body == b"still-mine"


def test_standby_echo_and_default_handler(sb):
    payload = bytes(range(256)) + "\u4f60\u597d".encode("utf-8")
    resp = sb.invoke("index.echo", payload)
    assert resp.status == 200 and resp.header("x-fc-status") == "200"
    assert resp.body == payload
    resp = sb.request("POST", "/invoke", fc_headers(new_request_id(), "/invoke", handler=""), b"env-handler")
    assert (resp.status, resp.body) == (200, b"env-handler")


def test_standby_context_from_assigned_environment(sb):
    rid = new_request_id()
    headers = fc_headers(rid, "/invoke", "index.context_info")
    for name in ("function-name", "function-memory", "service-name", "region", "account-id", "qualifier"):
        del headers["x-fc-" + name]  # the runtime falls back to the environment
    resp = sb.request("POST", "/invoke", headers)
    assert resp.status == 200, resp.body
    info = resp.json()
    assert info["request_id"] == rid
    assert (info["function_name"], info["function_memory"]) == ("standby-fn", 256)
    assert (info["service_name"], info["qualifier"]) == ("standby-svc", "prod")
    assert (info["region"], info["account_id"]) == ("cn-hangzhou", "987654321")
    assert info["function_handler"] == "index.context_info"


def test_standby_environment_after_assignment(sb):
    info = sb.invoke("index.environment").json()
    assert set(info["fc"]) <= SAFE_FC_ENV
    assert "FC_FUNCTION_HANDLER" in info["fc"]
    assert info["user"] == "standby-user-value"
    assert info["sys_path_0"] == sb.code_dir
    assert os.path.realpath(info["cwd"]) == os.path.realpath(sb.code_dir)
    assert info["main_thread"] is True  # serial: user code on the main thread
    state = sb.invoke("index.process_state").json()
    environ = state["environ"]
    for gone in ("FC_SERVER_PORT", "NIMBUS_STANDBY", "FC_CUSTOM_LISTEN_PORT", "FC_INSTANCE_CONCURRENCY"):
        assert gone not in environ
    assert environ["NIMBUS_TEST_VAR"] == "standby-user-value"
    assert environ["TZ"] == "Asia/Shanghai" and state["utc_offset"] == "+0800"


def test_standby_package_directory_and_load_failures(sb):
    assert sb.invoke("pkg.mod.handler").body == b"pkg.mod:helper:pkg.mod"
    assert sb.invoke("sub/dir/mod.handler").body == b"sub/dir/mod:sub/dir/mod"
    error = assert_function_error(sb.invoke("missing_module.handler"))
    assert error["errorType"] == "ImportModuleError"


def test_standby_logging_carries_request_ids(sb):
    rid = new_request_id()
    resp = sb.invoke("index.log_it", request_id=rid)
    assert resp.status == 200 and resp.body == b"logged"
    end = "FC Invoke End RequestId: %s" % rid
    lines = sb.wait_for_line(end)
    mine = lines[lines.index("FC Invoke Start RequestId: %s" % rid) + 1 : lines.index(end)]
    records = [(m.group(2), m.group(3), m.group(4)) for m in map(LOG_LINE.match, mine) if m]
    assert (rid, "INFO", "root info line") in records
    assert (rid, "WARNING", "child warning line") in records
    assert (rid, "ERROR", "context error line") in records
    assert "plain print line" in mine
    assert not any("root debug line" in line for line in lines)
    assert sb.stderr() == ""


def test_standby_serial_calls_are_serialized(sb):
    results = []
    threads = [threading.Thread(target=lambda: results.append(sb.invoke("index.sleepy"))) for _ in range(2)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(REQUEST_TIMEOUT_S)
    elapsed = time.monotonic() - began
    assert [r.status for r in results] == [200, 200]
    assert elapsed >= 0.95, "serial instance ran 2 x 0.5 s calls in %.2f s" % elapsed


def test_standby_http_path_nimbus_assign_reaches_the_function(sb):
    resp = http_call(sb, "index.wsgi_echo", "POST", "/nimbus/assign", body=b"user-path")
    assert (resp.status, resp.body) == (200, b"user-path")


def test_standby_initializer_from_assigned_environment(start_standby):
    runtime = start_standby()
    mount_and_assign(runtime, FC_FUNCTION_INITIALIZER="init_mod.initialize")
    first, second = new_request_id(), new_request_id()
    resp = runtime.request("POST", "/initialize", fc_headers(first, "/initialize"))  # empty header
    assert (resp.status, resp.body) == (200, b"initialized")
    resp = runtime.request("POST", "/initialize", fc_headers(second, "/initialize"))
    assert (resp.status, resp.body) == (200, b"")
    assert runtime.invoke("init_mod.handler").json() == {"runs": 1, "request_ids": [first]}
    runtime.wait_for_line("FC Initialize End RequestId: %s" % first)
    assert "FC_FUNCTION_INITIALIZER" not in runtime.invoke("index.environment").json()["fc"]


def test_standby_concurrency_4_runs_calls_in_parallel(start_standby):
    runtime = start_standby()
    mount_and_assign(runtime, FC_INSTANCE_CONCURRENCY=4)
    rids, results, elapsed = four_sleepy_calls(runtime)
    assert elapsed < 1.5, "4 x 0.5 s calls took %.2f s" % elapsed
    for rid in rids:
        assert (results[rid].status, results[rid].body) == (200, rid.encode())
    lines = runtime.wait_for(lambda ls: all("FC Invoke End RequestId: %s" % rid in ls for rid in rids))
    records = {(m.group(2), m.group(4)) for m in map(LOG_LINE.match, lines) if m}
    for rid in rids:
        assert (rid, "ctx-logger %s" % rid) in records
        assert (rid, "root-logger %s" % rid) in records
    assert runtime.invoke("index.environment").json()["main_thread"] is False


def test_standby_matches_a_normal_start(start_standby, tmp_path):
    """Same code, same environment: a normal start and an assigned standby look alike to user code."""
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "extra_mod.py").write_text("def handler(event, context):\n    return 'from PYTHONPATH'\n")
    overrides = {
        "PYTHONPATH": str(extra),
        "FC_SERVER_LOG_LEVEL": "WARNING",
        "FC_FUNCTION_NAME": "twin",
        "NIMBUS_TEST_VAR": "twin-value",
    }
    standby = start_standby()
    shutil.copytree(FIXTURES, standby.code_dir, dirs_exist_ok=True)
    normal = PyRuntime(standby.code_dir, overrides)
    try:
        resp, _ = standby.assign(function_env(standby.port, standby.code_dir, overrides))
        assert resp.status == 200
        states = [runtime.invoke("index.process_state").json() for runtime in (normal, standby)]
        assert states[0] == states[1]  # also sys.modules: the standby's warm-up left no module behind
        assert states[0]["sys_path"][0] == standby.code_dir
        assert str(extra) in states[0]["sys_path"]
        assert states[0]["log_level"] == 30 and states[0]["dont_write_bytecode"] is True
        for runtime in (normal, standby):
            assert runtime.invoke("extra_mod.handler").body == b"from PYTHONPATH"
    finally:
        normal.stop()


def test_standby_sigterm_while_unassigned(start_standby):
    runtime = start_standby()
    runtime.proc.send_signal(signal.SIGTERM)
    assert runtime.proc.wait(STOP_TIMEOUT_S) == 143
