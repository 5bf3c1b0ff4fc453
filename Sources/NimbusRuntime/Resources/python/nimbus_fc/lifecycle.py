"""The instance lifecycle (spec 2.5, 2.8, 5): the function's settings and environment, initializer, hooks, SIGTERM."""

import logging
import os
import sys
import threading
import traceback

from nimbus_fc.calls import convert, fail_with, int_or, success
from nimbus_fc.logs import parse_level

# --------------------------------------------------------------------------------------------
# The function's settings and the environment user code gets

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

DEFAULT_PORT = 9000


class Settings(object):
    """What the function's environment says; read at start, or at a standby's assignment."""

    def __init__(self, script_dir):
        self.script_dir = script_dir  # bootstrap.py's directory, which Python put on sys.path
        self.code_path = os.getcwd()
        self.default_handler = ""
        self.default_initializer = ""
        self.log_level = logging.INFO
        self.concurrency = 1

    def read(self, env, code_path_default=None):
        """Takes the settings from ``env``; returns the port to listen on."""
        port = int_or(env.get("FC_SERVER_PORT"), DEFAULT_PORT)
        self.code_path = env.get("FC_FUNC_CODE_PATH") or code_path_default or os.getcwd()
        self.default_handler = env.get("FC_FUNCTION_HANDLER") or ""
        self.default_initializer = env.get("FC_FUNCTION_INITIALIZER") or ""
        self.log_level = parse_level(env.get("FC_SERVER_LOG_LEVEL"))
        concurrency = env.get("FC_INSTANCE_CONCURRENCY") or env.get("FC_CONCURRENT_LIMIT")
        self.concurrency = max(1, int_or(concurrency, 1))
        return port

    def handler_of(self, call):
        """The handler a call names, else the function's."""
        return call.header("x-fc-function-handler") or self.default_handler


def sanitize_environment():
    for key in list(os.environ):
        if (key.startswith("FC_") or key.startswith("_FC_")) and key not in SAFE_ENV:
            del os.environ[key]


def setup_sys_path(code_path, script_dir):
    """The shim's directory off sys.path; the code directory and FC's /opt/python layers first."""
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != script_dir]
    version = "%d.%d" % sys.version_info[:2]
    for entry in ("/opt/python", "/opt/python/lib/python%s/site-packages" % version, code_path):
        sys.path.insert(0, entry)


# --------------------------------------------------------------------------------------------
# Initializer, hooks, SIGTERM

PRE_FREEZE_HEADER = "x-fc-instance-lifecycle-pre-freeze-handler"
PRE_STOP_HEADER = "x-fc-instance-lifecycle-pre-stop-handler"

TIMEOUT_MESSAGE = "Dumping stack trace after function timeout"
SIGTERM_EXIT_CODE = 143


def _run_hook(function, context):
    try:
        result = function(context)
    except Exception as exc:
        return fail_with(exc, exc.__traceback__)
    return convert(result)


class Lifecycle(object):
    """Runs the initializer and the hooks; owns the initializer's lock and whether it succeeded."""

    def __init__(self, settings, code):
        self._settings = settings
        self._code = code
        self._init_lock = threading.Lock()
        self._initialized = False

    def initialize(self, call):
        """``initializer(context)``, at most once successfully per process."""
        name = call.header("x-fc-function-initializer") or self._settings.default_initializer
        if not name:
            return success(b"")
        with self._init_lock:
            if self._initialized:
                return success(b"")
            function = self._code.load(name)
            reply = _run_hook(function, self._code.context(call))
            if reply.ok:
                self._initialized = True
            return reply

    def pre_freeze(self, call):
        return self._hook(call, PRE_FREEZE_HEADER)

    def pre_stop(self, call):
        return self._hook(call, PRE_STOP_HEADER)

    def _hook(self, call, header):
        name = call.header(header)
        if not name:
            return success(b"")
        function = self._code.load(name)
        return _run_hook(function, self._code.context(call))


def sigterm_handler(log_router):
    """The SIGTERM handler: exit 143 at once when idle, else FC's timeout stack dump first."""

    def on_sigterm(signum, frame):
        # The handler runs on the main thread, which may be inside any lock at this moment (ours,
        # logging's, the stdout buffer's): take none of them unless a call is really running.
        try:
            running = log_router.running()
        except Exception:
            running = {}
        if not running:
            os._exit(SIGTERM_EXIT_CODE)  # every line was flushed when it was written
        try:
            logger = logging.getLogger()
            logger.error(TIMEOUT_MESSAGE)  # FC's timeout stack dump
            for thread_id, stack in sys._current_frames().items():
                request_id = running.get(thread_id, log_router.last_request_id)
                logger.error("request id = %s, thread id = %s", request_id, thread_id)
                logger.error("".join(traceback.format_stack(stack)).rstrip("\n"))
        finally:
            log_router.hard_exit(SIGTERM_EXIT_CODE)

    return on_sigterm
