"""Standby mode (NIMBUS_STANDBY=1): a process started before its function is known, assigned one by POST /nimbus/assign."""

import importlib.util
import json
import logging
import os
import sys
import threading
import time

from nimbus_fc.calls import CONTENT_TYPE_ERROR, Reply, int_or
from nimbus_fc.lifecycle import DEFAULT_PORT, sanitize_environment, setup_sys_path

ASSIGN_PATH = "/nimbus/assign"


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


class Standby(object):
    """Owns whether the process is assigned yet (and the lock of that), and what it was started with."""

    def __init__(self, settings, log_router, configure):
        self._settings = settings
        self._log_router = log_router
        self._configure = configure  # configure(code_path_default) -> port: what a normal start runs
        self._assigned = False
        self._assign_lock = threading.Lock()
        self._port_text = os.environ.get("FC_SERVER_PORT")  # as the standby was started with them
        self._code_path = os.environ.get("FC_FUNC_CODE_PATH")
        self._start_tz = os.environ.get("TZ")

    def start(self):
        """No function yet: nothing is read from its settings or its (empty) code directory."""
        self._log_router.setup(logging.INFO)  # the level is set at assignment
        _warm_up()
        return int_or(self._port_text, DEFAULT_PORT)

    def gate(self, call):
        """The reply to the assign call, or 503 while unassigned, else None (the call goes on)."""
        if _is_assign_call(call):
            return self._assign(call)
        if not self._assigned and _is_assign_call(call, "GET"):
            return _control_reply(200, "OK", {"assigned": False})
        if not self._assigned:
            return _control_reply(503, "Service Unavailable", {"errorMessage": "instance not assigned"})
        return None

    def _assign(self, call):
        with self._assign_lock:
            if self._assigned:
                return _control_reply(409, "Conflict", {"errorMessage": "instance already assigned"})
            try:
                environment = _assignment_environment(call.body)
            except ValueError as exc:
                return _control_reply(400, "Bad Request", {"errorMessage": str(exc)})
            code_path = environment.get("FC_FUNC_CODE_PATH") or self._code_path or os.getcwd()
            try:
                os.chdir(code_path)  # a normal start has cwd = the code directory
            except OSError as exc:
                message = "cannot enter the code directory %s: %s" % (code_path, exc.strerror or exc)
                return _control_reply(500, "Internal Server Error", {"errorMessage": message})
            if self._port_text is not None:
                environment["FC_SERVER_PORT"] = self._port_text
            else:
                environment.pop("FC_SERVER_PORT", None)
            try:
                os.environ.clear()
                os.environ.update(environment)
                # The same configuration as a normal start runs.
                self._configure(code_path)
                sanitize_environment()
                added = self._interpreter_environment(os.environ)
                setup_sys_path(self._settings.code_path, self._settings.script_dir)
                for entry in sys.path[:3] + added:  # no finder may remember a directory that was empty
                    sys.path_importer_cache.pop(entry, None)
                logging.getLogger().setLevel(self._settings.log_level)
            except Exception as exc:  # not expected; the platform stops an instance it cannot assign
                message = "assignment failed: %s: %s" % (exc.__class__.__name__, exc)
                return _control_reply(500, "Internal Server Error", {"errorMessage": message})
            self._assigned = True
        return _control_reply(200, "OK", {"assigned": True})

    def _interpreter_environment(self, environment):
        """What the interpreter itself takes from the environment at start, applied late."""
        sys.dont_write_bytecode = sys.flags.dont_write_bytecode or bool(environment.get("PYTHONDONTWRITEBYTECODE"))
        python_path = environment.get("PYTHONPATH")
        entries = []
        if python_path:  # a normal start puts these right after the script's directory
            entries = [os.path.abspath(entry) for entry in python_path.split(os.pathsep)]
            script_dir = self._settings.script_dir
            at = 1 if sys.path and os.path.abspath(sys.path[0] or os.curdir) == script_dir else 0
            sys.path[at:at] = entries
        if environment.get("TZ") != self._start_tz:
            time.tzset()
        return entries


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
