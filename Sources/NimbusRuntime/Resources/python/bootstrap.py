# -*- coding: utf-8 -*-
"""Nimbus python3 runtime shim: Alibaba Cloud FC 2.0 "python3" semantics behind the instance
HTTP contract (docs: fc-runtimes spec sections 0, 1, 2 and 4).

Started by the Nimbus supervisor as ``python3 -u bootstrap.py`` with cwd = the function's code
directory. Serves HTTP/1.1 (keep-alive) on 127.0.0.1:$FC_SERVER_PORT:

* ``POST /invoke``       -> ``handler(event: bytes, context)``
* ``POST /initialize``   -> ``initializer(context)``, at most once successfully per process
* ``GET  /pre-freeze``   -> ``pre_freeze(context)``   (name from x-fc-instance-lifecycle-pre-freeze-handler)
* ``GET  /pre-stop``     -> ``pre_stop(context)``     (name from x-fc-instance-lifecycle-pre-stop-handler)
* anything with ``x-fc-control-path: /http-invoke`` -> WSGI ``handler(environ, start_response)``

Success: 200 + converted return value. Function error: 404 with ``x-fc-status: 404`` and
``x-fc-error-type: UnhandledInvocationError`` and FC's error JSON. Standard library only.

Standby mode (``NIMBUS_STANDBY=1``): the process starts before its function is known, with only
FC_SERVER_PORT, FC_FUNC_CODE_PATH, NIMBUS_STANDBY, PATH, HOME, LANG and TZ set and an empty code
directory. It listens and prints its "inited" line, answers every call with 503 until
``POST /nimbus/assign`` (no x-fc-control-path) hands it ``{"environment": {...}}`` -- the complete
environment a normal start would have had -- then configures itself exactly as a normal start does
(200 ``{"assigned": true}``; a second assign is 409). Until then ``GET /nimbus/assign`` answers
200 ``{"assigned": false}`` on a kept-alive connection, which the platform keeps for the assignment.
"""

import binascii
import http
import importlib
import importlib.machinery
import importlib.util
import io
import json
import logging
import os
import queue
import re
import signal
import socket
import socketserver
import sys
import threading
import time
import traceback

# --------------------------------------------------------------------------------------------
# Constants

# FC_* variables user code may see (spec 2.8; FC_FUNCTION_VERSION from spec 4.4). Every other
# FC_* / _FC_* variable (FC_SERVER_PORT, FC_SERVER_LOG_LEVEL, FC_INSTANCE_CONCURRENCY, ...) is
# removed from os.environ before user code is imported.
SAFE_ENV = frozenset(
    [
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
    ]
)

# Headers the platform adds to a call; they never reach the WSGI environ as HTTP_* keys
# (HTTP_X_FC_FUNCTION_HANDLER is set explicitly, as FC does).
PLATFORM_HEADERS = frozenset(
    [
        "x-fc-request-id",
        "x-fc-function-name",
        "x-fc-function-handler",
        "x-fc-function-memory",
        "x-fc-function-timeout",
        "x-fc-function-initializer",
        "x-fc-initialization-timeout",
        "x-fc-service-name",
        "x-fc-service-logproject",
        "x-fc-service-logstore",
        "x-fc-qualifier",
        "x-fc-version-id",
        "x-fc-region",
        "x-fc-account-id",
        "x-fc-retry-count",
        "x-fc-access-key-id",
        "x-fc-access-key-secret",
        "x-fc-security-token",
        "x-fc-instance-lifecycle-pre-freeze-handler",
        "x-fc-instance-lifecycle-pre-stop-handler",
        "x-fc-control-path",
        "x-fc-http-params",
        "x-fc-tracing-opentracing-span-context",
        "x-fc-tracing-opentracing-span-baggages",
        "x-fc-tracing-jaeger-endpoint",
        "x-fc-function-type",
        "x-fc-function-deadline",
        "x-fc-client-ip",
        "x-fc-trace-id",
        "x-fc-instance-id",
    ]
)

# Request headers that describe the hop to this shim, not the client's request.
HOP_REQUEST_HEADERS = frozenset(["content-length", "transfer-encoding"])

# Response headers of a WSGI app that this shim owns (the body is always sent in full).
HOP_RESPONSE_HEADERS = frozenset(["content-length", "transfer-encoding", "connection", "keep-alive"])

KIND_INVOKE = "invoke"
KIND_HTTP = "http"
KIND_INITIALIZE = "initialize"
KIND_PRE_FREEZE = "pre-freeze"
KIND_PRE_STOP = "pre-stop"

PATH_KINDS = {
    "/invoke": KIND_INVOKE,
    "/initialize": KIND_INITIALIZE,
    "/pre-freeze": KIND_PRE_FREEZE,
    "/pre-stop": KIND_PRE_STOP,
}

LOG_LABELS = {
    KIND_INVOKE: "Invoke",
    KIND_HTTP: "Invoke",
    KIND_INITIALIZE: "Initialize",
    KIND_PRE_FREEZE: "PreFreeze",
    KIND_PRE_STOP: "PreStop",
}

ERROR_SUFFIX = ", Error: Unhandled function error"
TIMEOUT_MESSAGE = "Dumping stack trace after function timeout"
SIGTERM_EXIT_CODE = 143
INIT_FAILURE_EXIT_CODE = 129

CONTENT_TYPE_EVENT = "application/octet-stream"
CONTENT_TYPE_ERROR = "application/json"

LOG_FORMAT = "%(asctime)s.%(msecs)03dZ %(fc_request_id)s [%(levelname)s] %(message)s"
LOG_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"

# Filename the interpreter records for frames of this file (used to drop runtime frames).
_SHIM_FILENAME = (lambda: None).__code__.co_filename


# --------------------------------------------------------------------------------------------
# Process state (set up in main())

_stdout = sys.stdout  # the real stdout; user code may replace sys.stdout
_stdout_lock = threading.Lock()
_code_path = os.getcwd()
_default_handler = ""
_default_initializer = ""
_log_level = logging.INFO
_concurrency = 1

_tls = threading.local()
_last_request_id = None  # "current" request for threads the user starts (FC's global id)
_inflight = {}  # thread ident -> request id, for the timeout stack dump
_inflight_lock = threading.Lock()

_handlers = {}  # handler string -> callable, for the instance lifetime
_load_lock = threading.Lock()
_init_lock = threading.Lock()
_initialized = False

_jobs = queue.SimpleQueue()  # user code runs on the main thread when concurrency == 1
_run_on_main_thread = True  # read per call: a standby learns its concurrency at assignment
_slots = None  # BoundedSemaphore(concurrency) for invocations when concurrency > 1

# Standby mode (NIMBUS_STANDBY=1): started ahead of time, configured by POST /nimbus/assign.
ASSIGN_PATH = "/nimbus/assign"
_standby = False
_assigned = True  # False only in a standby that has not been assigned yet
_assign_lock = threading.Lock()
_standby_port_text = None  # FC_SERVER_PORT as the standby was started with it
_standby_code_path = None  # FC_FUNC_CODE_PATH as the standby was started with it
_standby_start_tz = None  # TZ as the standby was started with it


# --------------------------------------------------------------------------------------------
# FC error types (their class names are the errorType values)


class ImportModuleError(Exception):
    pass


class UserCodeSyntaxError(Exception):
    pass


class InvalidHandleName(Exception):
    pass


class HandlerNotFound(Exception):
    pass


class UserCodeError(Exception):
    pass


class _LoadFailure(Exception):
    """Loading a handler failed; ``error`` is FC's error dict."""

    def __init__(self, error):
        Exception.__init__(self, error.get("errorMessage"))
        self.error = error


# --------------------------------------------------------------------------------------------
# Return-value conversion (spec 2.2)


def _default_serializer(obj):
    # decimal and datetime are looked up, not imported: a value of theirs means the function imported them.
    decimal = sys.modules.get("decimal")
    if decimal is not None and isinstance(obj, decimal.Decimal):
        return float(obj)
    datetime = sys.modules.get("datetime")
    if datetime is not None and isinstance(obj, (datetime.datetime, datetime.date)):
        return obj.isoformat()
    if hasattr(obj, "to_json"):
        return obj.to_json()
    raise TypeError(repr(obj) + " is not JSON serializable")


def to_json(obj):
    return json.dumps(obj, default=_default_serializer, indent=4, sort_keys=True)


# --------------------------------------------------------------------------------------------
# Error bodies (spec 2.1, 2.4)


def _make_error(exc, trace):
    error = {"errorMessage": str(exc), "errorType": exc.__class__.__name__}
    if trace:
        error["stackTrace"] = trace
    return error


def _frames_of(tb):
    """4-string frames ['File "..."', 'line N', 'in f', 'source'], runtime frames removed."""
    frames = []
    for frame in traceback.extract_tb(tb):
        if frame.filename == _SHIM_FILENAME:
            continue
        frames.append(
            [
                'File "%s"' % frame.filename,
                "line %s" % frame.lineno,
                "in %s" % frame.name,
                (frame.line or "").strip(),
            ]
        )
    return frames


def _error_json(exc, tb):
    return to_json(_make_error(exc, _frames_of(tb)))


_SYNTAX_LOCATION = re.compile(r'^(File ".*"), (line \d+)$')


def _load_error(err):
    """FC's load-failure error: a flat stackTrace from the exception being handled."""
    exc_type, exc_value = sys.exc_info()[:2]
    trace = []
    if exc_type is not None:
        for index, chunk in enumerate(traceback.format_exception_only(exc_type, exc_value)):
            for line in chunk.split("\n"):
                item = line.replace("^", "").strip()
                if not item:
                    continue
                match = _SYNTAX_LOCATION.match(item) if index == 0 else None
                if match:
                    trace.extend(match.groups())
                else:
                    trace.append(item)
    return _make_error(err, trace)


# --------------------------------------------------------------------------------------------
# Logging (spec 2.6)


def _current_request_id():
    request_id = getattr(_tls, "request_id", None)
    if request_id is None:
        request_id = _last_request_id
    return request_id or ""


class _RequestIdFilter(logging.Filter):
    """Stamps records with the calling thread's request id (unless a context logger did)."""

    def filter(self, record):
        if not hasattr(record, "fc_request_id"):
            record.fc_request_id = _current_request_id()
        return True


class _FixedRequestIdFilter(logging.Filter):
    def __init__(self, request_id):
        logging.Filter.__init__(self)
        self.request_id = request_id

    def filter(self, record):
        record.fc_request_id = self.request_id
        return True


_log_handler = None


def _setup_logging(level):
    global _log_handler
    logging.Formatter.converter = time.gmtime  # FC sets UTC for every formatter
    handler = logging.StreamHandler(_stdout)
    handler.setFormatter(logging.Formatter(LOG_FORMAT, LOG_DATE_FORMAT))
    handler.addFilter(_RequestIdFilter())
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level)
    _log_handler = handler


def _parse_level(text):
    text = (text or "INFO").strip().upper()
    if text.isdigit():
        return int(text)
    level = logging.getLevelName(text)
    return level if isinstance(level, int) else logging.INFO


def _context_logger(request_id):
    logger = logging.Logger(request_id)  # not registered with logging's manager: no leak
    logger.setLevel(_log_level)
    logger.addFilter(_FixedRequestIdFilter(request_id))
    if _log_handler is not None:
        logger.addHandler(_log_handler)
    return logger


def _stdout_line(text):
    with _stdout_lock:
        try:
            _stdout.write(text + "\n")
            _stdout.flush()
        except Exception:
            pass


def _enter_request(request_id):
    global _last_request_id
    _tls.request_id = request_id
    _last_request_id = request_id
    with _inflight_lock:
        _inflight[threading.get_ident()] = request_id


def _leave_request():
    _tls.request_id = None
    with _inflight_lock:
        _inflight.pop(threading.get_ident(), None)


# --------------------------------------------------------------------------------------------
# context (spec 2.3)


class Credentials(object):
    def __init__(self, access_key_id, access_key_secret, security_token):
        self.access_key_id = access_key_id
        self.access_key_secret = access_key_secret
        self.security_token = security_token
        self.accessKeyId = access_key_id
        self.accessKeySecret = access_key_secret
        self.securityToken = security_token

    def to_dict(self):
        return {
            "accessKeyId": self.access_key_id,
            "accessKeySecret": self.access_key_secret,
            "securityToken": self.security_token,
        }


class ServiceMeta(object):
    def __init__(self, service_name, log_project, log_store, qualifier, version_id):
        self.name = service_name
        self.log_project = log_project
        self.log_store = log_store
        self.qualifier = qualifier
        self.version_id = version_id

    def to_dict(self):
        return {
            "name": self.name,
            "logProject": self.log_project,
            "logStore": self.log_store,
            "qualifier": self.qualifier,
            "versionId": self.version_id,
        }


class FunctionMeta(object):
    def __init__(self, name, handler, memory, timeout, initializer=None, initialization_timeout=None):
        self.name = name
        self.handler = handler
        self.memory = memory
        self.timeout = timeout
        # Not in FC python3's FunctionMeta.to_dict; kept as extra attributes only.
        self.initializer = initializer
        self.initialization_timeout = initialization_timeout

    def to_dict(self):
        return {"name": self.name, "handler": self.handler, "memory": self.memory, "timeout": self.timeout}


class Tracing(object):
    def __init__(self, span_context, base64_baggages, jaeger_endpoint):
        self.span_context = span_context
        self.jaeger_endpoint = jaeger_endpoint
        self.span_baggages = self.parseOpenTracingBaggages(base64_baggages)

    def parseOpenTracingBaggages(self, base64_baggages):
        baggages = {}
        if base64_baggages:
            try:
                baggages = json.loads(binascii.a2b_base64(base64_baggages))
            except Exception:
                baggages = {}
        return baggages

    def to_dict(self):
        return {
            "openTracingSpanContext": self.span_context,
            "openTracingSpanBaggages": self.span_baggages,
            "jaegerEndpoint": self.jaeger_endpoint,
        }


class FCContext(object):
    def __init__(
        self, account_id, request_id, credentials, function_meta, service_meta, region, tracing, retry_count=0
    ):
        self.requestId = request_id
        self.request_id = request_id
        self.credentials = credentials
        self.function = function_meta
        self.service = service_meta
        self.region = region
        self.account_id = account_id
        self.retry_count = retry_count
        self.tracing = tracing
        self._logger = None

    def getLogger(self):
        """Logger whose lines always carry this call's request id (use it with concurrency > 1)."""
        if self._logger is None:
            self._logger = _context_logger(self.request_id)
        return self._logger

    @property
    def logger(self):
        return self.getLogger()

    @logger.setter
    def logger(self, value):
        self._logger = value

    def to_json(self):
        return json.dumps(
            {
                "requestId": self.request_id,
                "credentials": self.credentials.to_dict(),
                "function": self.function.to_dict(),
                "service": self.service.to_dict(),
                "region": self.region,
                "accountId": self.account_id,
                "retryCount": self.retry_count,
                "tracing": self.tracing.to_dict(),
            }
        )


def _int_or(value, default):
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return default


# --------------------------------------------------------------------------------------------
# Handler resolution (spec 2.1)


def _import_from_directory(modname):
    """``dir/sub/mod`` (or ``dir/sub/pkg.mod``): load under <code>/dir/sub, registered as modname."""
    if modname in sys.modules:
        return sys.modules[modname]
    slash = modname.rfind("/")
    directory = os.path.join(_code_path, modname[:slash])
    segments = modname[slash + 1 :].split(".")
    search = [directory]
    spec = None
    for position, segment in enumerate(segments):
        spec = importlib.machinery.PathFinder.find_spec(segment, search) if segment else None
        if spec is None or (spec.origin is None and position == len(segments) - 1):
            raise ImportError("No module named '%s'" % segment, name=segment)
        if position < len(segments) - 1:
            if not spec.submodule_search_locations:
                raise ImportError("No module named '%s'" % segments[position + 1], name=segments[position + 1])
            search = list(spec.submodule_search_locations)
    spec = importlib.util.spec_from_file_location(
        modname, spec.origin, submodule_search_locations=spec.submodule_search_locations
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[modname] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(modname, None)
        raise
    return module


def _import_user_module(modname):
    if "/" in modname:
        return _import_from_directory(modname)
    return importlib.import_module(modname)


def _resolve(handler):
    try:
        modname, fname = handler.rsplit(".", 1)
    except ValueError:
        raise _LoadFailure(_load_error(InvalidHandleName("Invalid handler '%s'" % handler)))
    try:
        module = _import_user_module(modname)
    except Exception as exc:
        if isinstance(exc, ImportError):
            err = ImportModuleError("Unable to import module '%s'" % modname)
        elif isinstance(exc, SyntaxError):
            err = UserCodeSyntaxError("Syntax error in module '%s'" % modname)
        elif isinstance(exc, ValueError):  # FC maps a ValueError at load time to InvalidHandleName
            err = InvalidHandleName("Invalid handler '%s'" % modname)
        else:
            err = UserCodeError("Module initialization error: '%s'" % str(exc))
        raise _LoadFailure(_load_error(err))
    try:
        return getattr(module, fname)
    except AttributeError:
        raise _LoadFailure(_load_error(HandlerNotFound("Handler '%s' is missing on module '%s'" % (fname, modname))))


def load_handler(handler):
    """The callable named by ``handler``, cached for the instance lifetime; raises _LoadFailure."""
    function = _handlers.get(handler)
    if function is not None:
        return function
    with _load_lock:
        function = _handlers.get(handler)
        if function is None:
            function = _resolve(handler)
            _handlers[handler] = function
        return function


# --------------------------------------------------------------------------------------------
# One call


class Reply(object):
    __slots__ = ("status", "reason", "headers", "body", "ok")

    def __init__(self, status, reason, headers, body, ok):
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body
        self.ok = ok


def _success(body):
    headers = [("Content-Type", CONTENT_TYPE_EVENT), ("x-fc-status", "200")]
    return Reply(200, "OK", headers, body, True)


def _failure(error_json):
    headers = [
        ("Content-Type", CONTENT_TYPE_ERROR),
        ("x-fc-status", "404"),
        ("x-fc-error-type", "UnhandledInvocationError"),
    ]
    return Reply(404, "Not Found", headers, error_json.encode("utf-8"), False)


def _fail_with(exc, tb):
    error_json = _error_json(exc, tb)
    logging.getLogger().error(error_json)
    return _failure(error_json)


def _convert(result):
    """Spec 2.2: str -> UTF-8, bytes as is, anything else pretty sorted JSON."""
    try:
        if isinstance(result, bytes):
            body = result
        elif isinstance(result, str):
            body = result.encode("utf-8")
        else:
            body = to_json(result).encode("utf-8")
    except Exception as exc:
        return _fail_with(exc, exc.__traceback__)
    return _success(body)


def _new_request_id():
    """A request id for a call the platform sent without one (only direct callers do)."""
    import uuid  # not at start: uuid imports platform, about 2 ms of every instance's start

    return str(uuid.uuid4())


class Call(object):
    """One request from the platform, as read by the HTTP server."""

    def __init__(self, method, path, headers, body, peer_ip):
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body
        self.peer_ip = peer_ip
        self._request_id = headers.get("x-fc-request-id")

    @property
    def request_id(self):
        """The platform's id; one is made only for a call that runs a function without one."""
        if not self._request_id:
            self._request_id = _new_request_id()
        return self._request_id

    def header(self, name, default=None):
        value = self.headers.get(name)
        return default if value is None else value

    @property
    def handler(self):
        return self.header("x-fc-function-handler") or _default_handler

    def context(self):
        h = self.header
        env = os.environ.get
        memory_default = _int_or(env("FC_FUNCTION_MEMORY_SIZE"), None)
        return FCContext(
            h("x-fc-account-id", env("FC_ACCOUNT_ID")),
            self.request_id,
            Credentials(h("x-fc-access-key-id"), h("x-fc-access-key-secret"), h("x-fc-security-token")),
            FunctionMeta(
                h("x-fc-function-name", env("FC_FUNCTION_NAME")),
                self.handler,
                _int_or(h("x-fc-function-memory"), memory_default),
                _int_or(h("x-fc-function-timeout"), None),
                h("x-fc-function-initializer", _default_initializer),
                _int_or(h("x-fc-initialization-timeout"), None),
            ),
            ServiceMeta(
                h("x-fc-service-name", env("FC_SERVICE_NAME")),
                h("x-fc-service-logproject"),
                h("x-fc-service-logstore"),
                h("x-fc-qualifier", env("FC_QUALIFIER")),
                h("x-fc-version-id"),
            ),
            h("x-fc-region", env("FC_REGION")),
            Tracing(
                h("x-fc-tracing-opentracing-span-context"),
                h("x-fc-tracing-opentracing-span-baggages"),
                h("x-fc-tracing-jaeger-endpoint"),
            ),
            _int_or(h("x-fc-retry-count"), 0),
        )


def _run_invoke(call):
    function = load_handler(call.handler)
    context = call.context()
    try:
        result = function(call.body, context)
    except Exception as exc:
        return _fail_with(exc, exc.__traceback__)
    return _convert(result)


def _run_hook(function, context):
    try:
        result = function(context)
    except Exception as exc:
        return _fail_with(exc, exc.__traceback__)
    return _convert(result)


def _run_initialize(call):
    global _initialized
    name = call.header("x-fc-function-initializer") or _default_initializer
    if not name:
        return _success(b"")
    with _init_lock:
        if _initialized:
            return _success(b"")
        function = load_handler(name)
        reply = _run_hook(function, call.context())
        if reply.ok:
            _initialized = True
        return reply


def _run_lifecycle(call, header):
    name = call.header(header)
    if not name:
        return _success(b"")
    function = load_handler(name)
    return _run_hook(function, call.context())


# ---- WSGI (spec 2.7)


def _wsgi_str(text):
    """Unicode text from the envelope -> PEP 3333 native string (UTF-8 bytes as latin-1)."""
    try:
        text.encode("ascii")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape").decode("latin-1")


def _http_params(call):
    params = None
    raw = call.header("x-fc-http-params")
    if raw:
        try:
            params = json.loads(binascii.a2b_base64(raw))
        except Exception:
            params = None
    if not isinstance(params, dict):  # plain HTTP without the envelope: describe the request itself
        params = {
            "path": call.path.split("?", 1)[0],
            "requestURI": call.path,
            "method": call.method,
            "clientIP": call.peer_ip,
        }
    return params


def build_environ(call, context):
    params = _http_params(call)
    environ = dict(os.environ)
    environ.update(
        {
            "CONTENT_LENGTH": str(len(call.body)),
            "HTTP": "on",
            "SCRIPT_NAME": "",
            "SERVER_NAME": "FCRUNTIME",
            "SERVER_PORT": "9000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "SERVER_SOFTWARE": "FCRUNTIME/1.0",
            "CONTENT_TYPE": "application/octet-stream",
            "QUERY_STRING": "",
            "wsgi.version": (1, 0),
            "wsgi.input": io.BytesIO(call.body),
            "wsgi.errors": sys.stderr,
            "wsgi.url_scheme": "http",
            "wsgi.multithread": False,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
    )
    environ["PATH_INFO"] = _wsgi_str(params.get("path") or "/")
    environ["REQUEST_METHOD"] = params.get("method") or call.method
    request_uri = params.get("requestURI") or ""
    environ["fc.request_uri"] = request_uri
    environ["REMOTE_ADDR"] = params.get("clientIP") or ""

    content_types = []
    grouped = {}
    for name, value in call.headers.items():
        lower = name.lower()
        if lower in PLATFORM_HEADERS or lower in HOP_REQUEST_HEADERS:
            continue
        if lower == "content-type":
            content_types.append(value)
            continue
        grouped.setdefault("HTTP_" + name.upper().replace("-", "_"), []).append(value)
    if content_types:
        environ["CONTENT_TYPE"] = ",".join(content_types)
    for key, values in grouped.items():
        environ[key] = ",".join(values)
    if params.get("host"):
        environ["HTTP_HOST"] = params["host"]

    if "?" in request_uri:
        environ["QUERY_STRING"] = _wsgi_str(request_uri.split("?", 1)[1])
    environ["HTTP_X_FC_FUNCTION_HANDLER"] = context.function.handler
    environ["fc.context"] = context
    return environ


class StartResponse(object):
    def __init__(self):
        self.status = None
        self.headers = None
        self.buffer = io.BytesIO()

    def __call__(self, status, headers, exc_info=None):
        # Nothing is sent before the app returns, so a second call (with exc_info) simply
        # replaces the status and headers, as PEP 3333 allows before headers are sent.
        exc_info = None
        code = int(status.split()[0].strip())
        collected = []
        for name, value in headers:
            collected.append((str(name), str(value)))
        self.status = (code, status)
        self.headers = collected
        return self.write

    def write(self, data):
        self.buffer.write(data)


def _http_reply(start, chunks):
    code, status_text = start.status
    parts = status_text.strip().split(None, 1)
    reason = parts[1] if len(parts) > 1 else ""
    if not reason:
        try:
            reason = http.HTTPStatus(code).phrase
        except ValueError:
            reason = "Unknown"
    body = start.buffer.getvalue() + b"".join(chunks)
    return Reply(code, reason, start.headers, body, True)


def _run_http(call):
    function = load_handler(call.handler)
    context = call.context()
    environ = build_environ(call, context)
    start = StartResponse()
    result = None
    try:
        try:
            result = function(environ, start)
            if isinstance(result, (bytes, bytearray)):
                chunks = [bytes(result)]
            else:
                chunks = list(result)
            if start.status is None:
                raise RuntimeError("start_response was not called")
            reply = _http_reply(start, chunks)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
    except Exception as exc:
        logging.getLogger().error(traceback.format_exc())
        return _fail_with(exc, exc.__traceback__)
    return reply


# ---- running a call


def _hard_exit(code):
    for stream in (_stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    os._exit(code)


def execute(kind, call):
    """Runs one call in the current thread: boundary log lines, user code, reply."""
    request_id = call.request_id
    label = LOG_LABELS[kind]
    _enter_request(request_id)
    _stdout_line("FC %s Start RequestId: %s" % (label, request_id))
    reply = None
    exit_code = None
    try:
        if kind == KIND_INVOKE:
            reply = _run_invoke(call)
        elif kind == KIND_HTTP:
            reply = _run_http(call)
        elif kind == KIND_INITIALIZE:
            reply = _run_initialize(call)
        elif kind == KIND_PRE_FREEZE:
            reply = _run_lifecycle(call, "x-fc-instance-lifecycle-pre-freeze-handler")
        else:
            reply = _run_lifecycle(call, "x-fc-instance-lifecycle-pre-stop-handler")
    except _LoadFailure as failure:
        logging.getLogger().error(failure.error)
        reply = _failure(to_json(failure.error))
    except Exception as exc:  # runtime trouble outside user code
        reply = _fail_with(exc, exc.__traceback__)
    except BaseException as exc:  # sys.exit() / KeyboardInterrupt in user code: the process ends
        exit_code = exc.code if isinstance(exc, SystemExit) else 1
        if exit_code is None:
            exit_code = 0
        elif not isinstance(exit_code, int):
            _stdout_line(str(exit_code))
            exit_code = 1
    finally:
        ok = reply is not None and reply.ok
        _stdout_line("FC %s End RequestId: %s%s" % (label, request_id, "" if ok else ERROR_SUFFIX))
        _leave_request()
    if exit_code is not None:
        _hard_exit(exit_code)
    return reply


def dispatch(kind, call):
    """Runs a call where FC would: on the main thread when serial, else in this thread."""
    if _run_on_main_thread:
        done = threading.Event()
        box = []

        def job():
            try:
                box.append(execute(kind, call))
            finally:
                done.set()

        _jobs.put(job)
        done.wait()
        return box[0]
    if kind in (KIND_INVOKE, KIND_HTTP):
        with _slots:
            return execute(kind, call)
    return execute(kind, call)


def classify(call):
    control = (call.header("x-fc-control-path") or "").strip()
    if control == "/http-invoke":
        return KIND_HTTP
    kind = PATH_KINDS.get(call.path.split("?", 1)[0])
    if kind is not None:
        return kind
    kind = PATH_KINDS.get(control)
    if kind is not None:
        return kind
    return KIND_HTTP


# --------------------------------------------------------------------------------------------
# HTTP server


class _BadRequest(Exception):
    pass


class _Headers(object):
    """A request's headers: case-insensitive lookup of the first value, and every pair in order."""

    __slots__ = ("_pairs", "_first")

    def __init__(self, pairs):
        self._pairs = pairs
        first = {}
        for name, value in pairs:
            first.setdefault(name.lower(), value)
        self._first = first

    def get(self, name, default=None):
        return self._first.get(name.lower(), default)

    def __getitem__(self, name):
        return self._first.get(name.lower())

    def __contains__(self, name):
        return name.lower() in self._first

    def items(self):
        return list(self._pairs)

    def get_all(self, name, failobj=None):
        wanted = name.lower()
        found = [value for key, value in self._pairs if key.lower() == wanted]
        return found or failobj


MAX_HEADERS = 100


class RuntimeRequestHandler(socketserver.StreamRequestHandler):
    """HTTP/1.1 with keep-alive, read by hand: http.server (and the http.client, email and ssl
    modules it imports) cost more than half of this shim's start-up, paid by every instance."""

    def handle(self):
        self.close_connection = True
        self.handle_one_request()
        while not self.close_connection:
            self.handle_one_request()

    def parse_request(self):
        """The request line and headers, read as http.server reads them; False once an error is sent."""
        self.command = None
        self.close_connection = True
        requestline = str(self.raw_requestline, "iso-8859-1").rstrip("\r\n")
        words = requestline.split()
        if len(words) != 3 or not words[2].startswith("HTTP/"):
            self.send_error(http.HTTPStatus.BAD_REQUEST, "Bad request syntax (%r)" % requestline)
            return False
        command, path, version = words
        try:
            major, minor = (int(part) for part in version[5:].split(".", 1))
        except ValueError:
            self.send_error(http.HTTPStatus.BAD_REQUEST, "Bad request version (%r)" % version)
            return False
        if major != 1:
            self.send_error(http.HTTPStatus.HTTP_VERSION_NOT_SUPPORTED, "Invalid HTTP version (%s)" % version)
            return False
        self.command, self.path = command, path
        pairs = []
        while True:
            line = self.rfile.readline(65537)
            if len(line) > 65536:
                self.send_error(http.HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Line too long")
                return False
            if line in (b"\r\n", b"\n", b""):
                break
            if len(pairs) >= MAX_HEADERS:
                self.send_error(http.HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Too many headers")
                return False
            name, colon, value = str(line, "iso-8859-1").partition(":")
            if colon:
                pairs.append((name.strip(), value.strip()))
        self.headers = _Headers(pairs)
        connection = (self.headers.get("connection") or "").lower()
        if "close" in connection:
            self.close_connection = True
        elif minor >= 1 or "keep-alive" in connection:
            self.close_connection = False
        if minor >= 1 and (self.headers.get("expect") or "").lower() == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        return True

    def send_error(self, code, message=None):
        self.close_connection = True
        reason = _status_phrase(code)
        body = (message or reason).encode("latin-1", "replace")
        head = "HTTP/1.1 %d %s\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n" % (
            int(code), reason, len(body))
        try:
            self.wfile.write(head.encode("latin-1") + body)
        except OSError:
            pass

    def handle_one_request(self):
        try:
            self.raw_requestline = self.rfile.readline(65537)
            if len(self.raw_requestline) > 65536:
                self.requestline = ""
                self.request_version = ""
                self.command = ""
                self.send_error(http.HTTPStatus.REQUEST_URI_TOO_LONG)
                return
            if not self.raw_requestline:
                self.close_connection = True
                return
            if not self.parse_request():
                return
            try:
                body = self._read_body()
            except _BadRequest as exc:
                self.send_error(http.HTTPStatus.BAD_REQUEST, str(exc))
                self.close_connection = True
                return
            call = Call(self.command, self.path, self.headers, body, self.client_address[0])
            reply = _standby_gate(call) if _standby else None
            if reply is None:
                reply = dispatch(classify(call), call)
            self._send(reply)
        except (OSError, ValueError):  # peer went away, or a broken socket
            self.close_connection = True

    def _read_body(self):
        encoding = (self.headers.get("transfer-encoding") or "").lower()
        if "chunked" in encoding:
            return self._read_chunked()
        length = self.headers.get("content-length")
        if not length:
            return b""
        try:
            size = int(length)
        except ValueError:
            raise _BadRequest("invalid Content-Length")
        if size < 0:
            raise _BadRequest("invalid Content-Length")
        body = self.rfile.read(size)
        if len(body) != size:
            raise OSError("connection closed while reading the body")
        return body

    def _read_chunked(self):
        out = bytearray()
        while True:
            line = self.rfile.readline(65537)
            if not line:
                raise OSError("connection closed while reading the body")
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise _BadRequest("invalid chunk size")
            if size == 0:
                while True:  # trailers
                    trailer = self.rfile.readline(65537)
                    if trailer in (b"\r\n", b"\n", b""):
                        return bytes(out)
            data = self.rfile.read(size)
            if len(data) != size:
                raise OSError("connection closed while reading the body")
            out += data
            self.rfile.readline(65537)

    def _send(self, reply):
        status = reply.status
        head_only = self.command == "HEAD"
        no_body = status < 200 or status in (204, 304)
        lines = ["HTTP/1.1 %d %s" % (status, _header_text(reply.reason))]
        app_length = None
        for name, value in reply.headers:
            if name.lower() in HOP_RESPONSE_HEADERS:
                if name.lower() == "content-length":
                    app_length = value
                continue
            lines.append("%s: %s" % (_header_text(name), _header_text(value)))
        if not no_body:
            length = str(len(reply.body))
            if head_only and app_length is not None and not reply.body:
                length = _header_text(app_length)
            lines.append("Content-Length: " + length)
        if self.close_connection:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")
        data = head if (head_only or no_body) else head + reply.body
        self.wfile.write(data)  # one write: headers and body in the same segment(s)


def _header_text(value):
    text = str(value).replace("\r", " ").replace("\n", " ")
    try:
        text.encode("latin-1")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8").decode("latin-1")


def _status_phrase(code):
    try:
        return http.HTTPStatus(int(code)).phrase
    except ValueError:
        return "Unknown"


class RuntimeServer(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def server_bind(self):
        # Skip HTTPServer's getfqdn() (a reverse DNS lookup on the start-up path).
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = host
        self.server_port = port

    def get_request(self):
        sock, address = self.socket.accept()
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        return sock, address

    def handle_error(self, request, client_address):
        pass


# --------------------------------------------------------------------------------------------
# Start-up


def _on_sigterm(signum, frame):
    # The handler runs on the main thread, which may be inside any lock at this moment (ours,
    # logging's, the stdout buffer's): take none of them unless a call is really running.
    try:
        running = dict(_inflight)
    except Exception:
        running = {}
    if not running:
        os._exit(SIGTERM_EXIT_CODE)  # every line was flushed when it was written
    try:
        logger = logging.getLogger()
        logger.error(TIMEOUT_MESSAGE)  # FC's timeout stack dump
        for thread_id, stack in sys._current_frames().items():
            logger.error("request id = %s, thread id = %s", running.get(thread_id, _last_request_id), thread_id)
            logger.error("".join(traceback.format_stack(stack)).rstrip("\n"))
    finally:
        _hard_exit(SIGTERM_EXIT_CODE)


def _sanitize_environment():
    for key in list(os.environ):
        if (key.startswith("FC_") or key.startswith("_FC_")) and key not in SAFE_ENV:
            del os.environ[key]


def _setup_sys_path(code_path):
    script_dir = os.path.dirname(os.path.abspath(_SHIM_FILENAME))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != script_dir]
    version = "%d.%d" % sys.version_info[:2]
    for entry in ("/opt/python", "/opt/python/lib/python%s/site-packages" % version, code_path):
        sys.path.insert(0, entry)


def _configure(code_path_default=None):
    """The function's settings from os.environ (at start, or at a standby's assignment)."""
    global _code_path, _default_handler, _default_initializer, _log_level, _concurrency
    global _run_on_main_thread, _slots
    env = os.environ
    port = _int_or(env.get("FC_SERVER_PORT"), 9000)
    _code_path = env.get("FC_FUNC_CODE_PATH") or code_path_default or os.getcwd()
    _default_handler = env.get("FC_FUNCTION_HANDLER") or ""
    _default_initializer = env.get("FC_FUNCTION_INITIALIZER") or ""
    _log_level = _parse_level(env.get("FC_SERVER_LOG_LEVEL"))
    concurrency = env.get("FC_INSTANCE_CONCURRENCY") or env.get("FC_CONCURRENT_LIMIT")
    _concurrency = max(1, _int_or(concurrency, 1))
    _slots = threading.BoundedSemaphore(_concurrency)  # before the switch below: read per call
    _run_on_main_thread = _concurrency == 1
    return port


# ---- standby mode


def _control_reply(status, reason, payload):
    body = json.dumps(payload).encode("utf-8")
    return Reply(status, reason, [("Content-Type", CONTENT_TYPE_ERROR)], body, status == 200)


def _is_assign_call(call, method="POST"):
    """POST assigns the standby; GET (before assignment) asks whether it is assigned.

    Platform calls always carry x-fc-control-path; an HTTP-trigger request whose own path is
    /nimbus/assign therefore still reaches the function after assignment."""
    return (
        call.method == method
        and call.path.split("?", 1)[0] == ASSIGN_PATH
        and not call.header("x-fc-control-path")
    )


def _standby_gate(call):
    """In a standby process: the reply to the assign call, or 503 while unassigned, else None."""
    if _is_assign_call(call):
        return _assign(call)
    if not _assigned and _is_assign_call(call, "GET"):
        return _control_reply(200, "OK", {"assigned": False})
    if not _assigned:
        return _control_reply(503, "Service Unavailable", {"errorMessage": "instance not assigned"})
    return None


def _assignment_environment(body):
    """The ``environment`` mapping of an assign body; raises ValueError with the reason."""
    try:
        payload = json.loads(body.decode("utf-8")) if body else None
    except (UnicodeDecodeError, ValueError):
        raise ValueError("the assign body is not JSON")
    environment = payload.get("environment") if isinstance(payload, dict) else None
    if not isinstance(environment, dict):
        raise ValueError('the assign body has no "environment" object')
    for key, value in environment.items():
        if not isinstance(value, str):
            raise ValueError("environment variable %r is not a string" % key)
        if not key or "=" in key or "\0" in key or "\0" in value:
            raise ValueError("invalid environment variable %r" % key)
    return dict(environment)


def _interpreter_environment(environment):
    """What the interpreter itself takes from the environment at start, applied late."""
    sys.dont_write_bytecode = sys.flags.dont_write_bytecode or bool(environment.get("PYTHONDONTWRITEBYTECODE"))
    python_path = environment.get("PYTHONPATH")
    entries = []
    if python_path:  # a normal start puts these right after the script's directory
        entries = [os.path.abspath(entry) for entry in python_path.split(os.pathsep)]
        script_dir = os.path.dirname(os.path.abspath(_SHIM_FILENAME))
        at = 1 if sys.path and os.path.abspath(sys.path[0] or os.curdir) == script_dir else 0
        sys.path[at:at] = entries
    if environment.get("TZ") != _standby_start_tz:
        time.tzset()
    return entries


def _assign(call):
    global _assigned
    with _assign_lock:
        if _assigned:
            return _control_reply(409, "Conflict", {"errorMessage": "instance already assigned"})
        try:
            environment = _assignment_environment(call.body)
        except ValueError as exc:
            return _control_reply(400, "Bad Request", {"errorMessage": str(exc)})
        code_path = environment.get("FC_FUNC_CODE_PATH") or _standby_code_path or os.getcwd()
        try:
            os.chdir(code_path)  # a normal start has cwd = the code directory
        except OSError as exc:
            message = "cannot enter the code directory %s: %s" % (code_path, exc.strerror or exc)
            return _control_reply(500, "Internal Server Error", {"errorMessage": message})
        if _standby_port_text is not None:
            environment["FC_SERVER_PORT"] = _standby_port_text
        else:
            environment.pop("FC_SERVER_PORT", None)
        try:
            os.environ.clear()
            os.environ.update(environment)
            # The same configuration as main() runs at a normal start.
            _configure(code_path)
            _sanitize_environment()
            added = _interpreter_environment(os.environ)
            _setup_sys_path(_code_path)
            for entry in sys.path[:3] + added:  # no finder may remember a directory that was empty
                sys.path_importer_cache.pop(entry, None)
            logging.getLogger().setLevel(_log_level)
        except Exception as exc:  # not expected; the platform stops an instance it cannot assign
            message = "assignment failed: %s: %s" % (exc.__class__.__name__, exc)
            return _control_reply(500, "Internal Server Error", {"errorMessage": message})
        _assigned = True
    return _control_reply(200, "OK", {"assigned": True})


def _start_standby():
    """No function yet: nothing is read from its settings or its (empty) code directory."""
    global _standby, _assigned, _standby_port_text, _standby_code_path, _standby_start_tz
    _standby = True
    _assigned = False
    _standby_port_text = os.environ.get("FC_SERVER_PORT")
    _standby_code_path = os.environ.get("FC_FUNC_CODE_PATH")
    _standby_start_tz = os.environ.get("TZ")
    _setup_logging(logging.INFO)  # the level is set at assignment
    _warm_up()
    return _int_or(_standby_port_text, 9000)


# A throwaway module with the constructs handlers are made of. CPython's first compile() in a
# process costs several times the next one (the parser and compiler set themselves up), and a
# function's code is compiled at its first call: a standby pays that before it listens.
_WARM_UP_SOURCE = """
import json
import os


class Greeter:
    def __init__(self, name="warm", *names, **options):
        self.names = [name, *names]
        self.options = dict(options)

    def __call__(self, event, context=None):
        data = json.loads(event) if event else {}
        return json.dumps({"names": [n.upper() for n in self.names], "keys": sorted(data)})


def handler(event, context=None):
    \"\"\"Comprehensions, f-strings, try/except, with and a closure, as user code has them.\"\"\"
    try:
        size = len(event or b"")
    except TypeError as exc:
        raise ValueError(f"bad event {exc!r}") from exc
    with open(os.devnull, "rb") as sink:
        sink.read(0)
    tally = {key: value for key, value in enumerate(range(size % 7))}
    answer = Greeter(*(str(key) for key in tally))
    return (lambda: answer(event, context))()
"""


def _warm_up():
    """Imports and runs _WARM_UP_SOURCE from a file, as the function's module will be, then forgets it."""
    directory = os.path.join(os.environ.get("TMPDIR") or "/tmp", ".nimbus-warm-up-%d" % os.getpid())
    name = "_nimbus_warm_up"
    path = os.path.join(directory, name + ".py")
    writes_bytecode = sys.dont_write_bytecode
    sys.dont_write_bytecode = True  # nothing left behind in the temp directory
    try:
        os.makedirs(directory, exist_ok=True)
        with open(path, "w") as handle:
            handle.write(_WARM_UP_SOURCE)
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        module.handler(b'{"a": 1}')
    except Exception:
        compile(_WARM_UP_SOURCE, "<warm-up>", "exec")  # no writable temp directory: the compiler at least
    finally:
        sys.dont_write_bytecode = writes_bytecode
        sys.modules.pop(name, None)
        for remove, leftover in ((os.unlink, path), (os.rmdir, directory)):
            try:
                remove(leftover)
            except OSError:
                pass


def main():
    global _stdout
    for stream in (sys.stdout, sys.stderr):
        try:
            if (stream.encoding or "").lower().replace("-", "") != "utf8":
                stream.reconfigure(encoding="utf-8", errors="backslashreplace")
        except Exception:
            pass
    _stdout = sys.stdout
    if os.environ.get("NIMBUS_STANDBY") == "1":
        port = _start_standby()
    else:
        port = _configure()
        _sanitize_environment()
        _setup_sys_path(_code_path)
        _setup_logging(_log_level)
    signal.signal(signal.SIGTERM, _on_sigterm)

    # The server thread exists before the port accepts: while the main thread is inside
    # pthread_create all its signals are blocked, and a SIGTERM sent the moment the port opens
    # would go to the new thread, leaving the main thread asleep in _jobs.get().
    server = RuntimeServer(("127.0.0.1", port), RuntimeRequestHandler, bind_and_activate=False)
    listening = threading.Event()

    def serve():
        listening.wait()
        server.serve_forever()

    threading.Thread(target=serve, name="fc-http", daemon=True).start()
    try:
        server.server_bind()
        server.server_activate()
    except OSError as exc:
        sys.stderr.write("nimbus python3 runtime: cannot listen on 127.0.0.1:%d: %s\n" % (port, exc))
        sys.stderr.flush()
        sys.exit(INIT_FAILURE_EXIT_CODE)
    listening.set()
    _stdout_line("FunctionCompute python3 runtime inited.")

    while True:  # the main thread runs user code when calls are serial (signals work there)
        try:
            # Python runs signal handlers on the main thread only; should a signal still be
            # taken by another thread, the main thread sees it within a second.
            job = _jobs.get(timeout=1.0)
        except queue.Empty:
            continue
        job()


if __name__ == "__main__":
    main()
