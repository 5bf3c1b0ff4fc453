"""One call (spec 1.4, 2.2, 2.4): the request, its kind, its reply or FC error, and running it where FC would."""

import json
import logging
import os
import queue
import sys
import threading
import traceback

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

CONTENT_TYPE_EVENT = "application/octet-stream"
CONTENT_TYPE_ERROR = "application/json"

# Frames of the shim's own modules are dropped from stack traces; user code never lives here.
_RUNTIME_DIR = os.path.dirname(__file__)


def int_or(value, default):
    """A header's or a variable's integer value, else ``default``."""
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return default


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
# Replies (spec 2.2)


class Reply(object):
    __slots__ = ("status", "reason", "headers", "body", "ok")

    def __init__(self, status, reason, headers, body, ok):
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body
        self.ok = ok


def success(body):
    headers = [("Content-Type", CONTENT_TYPE_EVENT), ("x-fc-status", "200")]
    return Reply(200, "OK", headers, body, True)


def failure(error_json):
    headers = [
        ("Content-Type", CONTENT_TYPE_ERROR),
        ("x-fc-status", "404"),
        ("x-fc-error-type", "UnhandledInvocationError"),
    ]
    return Reply(404, "Not Found", headers, error_json.encode("utf-8"), False)


def fail_with(exc, tb):
    error_json = _error_json(exc, tb)
    logging.getLogger().error(error_json)
    return failure(error_json)


def convert(result):
    """Spec 2.2: str -> UTF-8, bytes as is, anything else pretty sorted JSON."""
    try:
        if isinstance(result, bytes):
            body = result
        elif isinstance(result, str):
            body = result.encode("utf-8")
        else:
            body = to_json(result).encode("utf-8")
    except Exception as exc:
        return fail_with(exc, exc.__traceback__)
    return success(body)


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


def make_error(exc, trace):
    error = {"errorMessage": str(exc), "errorType": exc.__class__.__name__}
    if trace:
        error["stackTrace"] = trace
    return error


def _frames_of(tb):
    """4-string frames ['File "..."', 'line N', 'in f', 'source'], runtime frames removed."""
    frames = []
    for frame in traceback.extract_tb(tb):
        if os.path.dirname(frame.filename) == _RUNTIME_DIR:
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
    return to_json(make_error(exc, _frames_of(tb)))


class LoadFailure(Exception):
    """Loading a handler failed; ``error`` is FC's error dict."""

    def __init__(self, error):
        Exception.__init__(self, error.get("errorMessage"))
        self.error = error


# --------------------------------------------------------------------------------------------
# Running calls


def run_invoke(call, code):
    """An event call: ``handler(event: bytes, context)``."""
    function = code.handler(call)
    context = code.context(call)
    try:
        result = function(call.body, context)
    except Exception as exc:
        return fail_with(exc, exc.__traceback__)
    return convert(result)


class Runner(object):
    """Runs calls: on the main thread when calls are serial (signals work there), else in the
    server's thread, at most ``concurrency`` invocations at a time. Owns the main thread's job queue."""

    def __init__(self, log_router, work):
        self._log_router = log_router
        self._work = work  # kind -> function(call) -> Reply
        self._jobs = queue.SimpleQueue()  # user code runs on the main thread when concurrency == 1
        self._run_on_main_thread = True  # read per call: a standby learns its concurrency at assignment
        self._slots = None  # BoundedSemaphore(concurrency) for invocations when concurrency > 1

    def configure(self, concurrency):
        self._slots = threading.BoundedSemaphore(concurrency)  # before the switch below: read per call
        self._run_on_main_thread = concurrency == 1

    def execute(self, kind, call):
        """Runs one call in the current thread: boundary log lines, user code, reply."""
        logs = self._log_router
        request_id = call.request_id
        label = LOG_LABELS[kind]
        logs.enter(request_id)
        logs.line("FC %s Start RequestId: %s" % (label, request_id))
        reply = None
        exit_code = None
        try:
            reply = self._work[kind](call)
        except LoadFailure as load_failure:
            logging.getLogger().error(load_failure.error)
            reply = failure(to_json(load_failure.error))
        except Exception as exc:  # runtime trouble outside user code
            reply = fail_with(exc, exc.__traceback__)
        except BaseException as exc:  # sys.exit() / KeyboardInterrupt in user code: the process ends
            exit_code = exc.code if isinstance(exc, SystemExit) else 1
            if exit_code is None:
                exit_code = 0
            elif not isinstance(exit_code, int):
                logs.line(str(exit_code))
                exit_code = 1
        finally:
            ok = reply is not None and reply.ok
            logs.line("FC %s End RequestId: %s%s" % (label, request_id, "" if ok else ERROR_SUFFIX))
            logs.leave()
        if exit_code is not None:
            logs.hard_exit(exit_code)
        return reply

    def dispatch(self, kind, call):
        """Runs a call where FC would: on the main thread when serial, else in this thread."""
        if self._run_on_main_thread:
            done = threading.Event()
            box = []

            def job():
                try:
                    box.append(self.execute(kind, call))
                finally:
                    done.set()

            self._jobs.put(job)
            done.wait()
            return box[0]
        if kind in (KIND_INVOKE, KIND_HTTP):
            with self._slots:
                return self.execute(kind, call)
        return self.execute(kind, call)

    def serve_main_thread(self):
        """The main thread's loop: it runs user code when calls are serial. Never returns."""
        while True:
            try:
                # Python runs signal handlers on the main thread only; should a signal still be
                # taken by another thread, the main thread sees it within a second.
                job = self._jobs.get(timeout=1.0)
            except queue.Empty:
                continue
            job()
