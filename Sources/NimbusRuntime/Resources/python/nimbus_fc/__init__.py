"""Nimbus's python3 runtime shim as a package: main() wires its modules together and runs it (from bootstrap.py)."""

# One package with a name no function uses, so that no user module on sys.path (``server``,
# ``context``, ...) can shadow one of its modules or be shadowed by one. Standard library only,
# Python 3.9+. The modules, by concern: ``server`` (HTTP/1.1), ``calls`` (a call, its reply, the
# thread it runs on), ``context`` (handlers by name, FCContext), ``http_adapter`` (WSGI),
# ``lifecycle`` (settings, initializer, hooks, SIGTERM), ``logs`` (stdout lines and request ids),
# ``standby``. Each one costs an import at every start (nothing is cached: the directory is
# read-only in the sandbox), so there are few of them: see benchmarks/shim_start.py.

import os
import signal
import sys
import threading

from nimbus_fc.calls import KIND_HTTP, KIND_INITIALIZE, KIND_INVOKE, KIND_PRE_FREEZE, KIND_PRE_STOP
from nimbus_fc.calls import Runner, classify, run_invoke
from nimbus_fc.context import UserCode
from nimbus_fc.http_adapter import run_http
from nimbus_fc.lifecycle import Lifecycle, Settings, sanitize_environment, setup_sys_path, sigterm_handler
from nimbus_fc.logs import LogRouter
from nimbus_fc.server import RuntimeServer
from nimbus_fc.standby import Standby

INIT_FAILURE_EXIT_CODE = 129


def main(entry_path):
    """Runs the shim; ``entry_path`` is bootstrap.py's path (its directory is the shim's)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            if (stream.encoding or "").lower().replace("-", "") != "utf8":
                stream.reconfigure(encoding="utf-8", errors="backslashreplace")
        except Exception:
            pass
    settings = Settings(os.path.dirname(os.path.abspath(entry_path)))
    logs = LogRouter(sys.stdout)
    code = UserCode(settings, logs)
    lifecycle = Lifecycle(settings, code)
    work = {
        KIND_INVOKE: lambda call: run_invoke(call, code),
        KIND_HTTP: lambda call: run_http(call, code),
        KIND_INITIALIZE: lifecycle.initialize,
        KIND_PRE_FREEZE: lifecycle.pre_freeze,
        KIND_PRE_STOP: lifecycle.pre_stop,
    }
    runner = Runner(logs, work)

    def configure(code_path_default=None):
        """The function's settings from os.environ (at start, or at a standby's assignment)."""
        port = settings.read(os.environ, code_path_default)
        logs.level = settings.log_level
        runner.configure(settings.concurrency)
        return port

    standby = None
    if os.environ.get("NIMBUS_STANDBY") == "1":
        standby = Standby(settings, logs, configure)
        port = standby.start()
    else:
        port = configure()
        sanitize_environment()
        setup_sys_path(settings.code_path, settings.script_dir)
        logs.setup(settings.log_level)
    signal.signal(signal.SIGTERM, sigterm_handler(logs))

    def answer(call):
        reply = standby.gate(call) if standby is not None else None
        if reply is None:
            reply = runner.dispatch(classify(call), call)
        return reply

    # The server thread exists before the port accepts: while the main thread is inside
    # pthread_create all its signals are blocked, and a SIGTERM sent the moment the port opens
    # would go to the new thread, leaving the main thread asleep in the runner's job queue.
    server = RuntimeServer(("127.0.0.1", port), answer)
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
    logs.line("FunctionCompute python3 runtime inited.")
    runner.serve_main_thread()  # the main thread runs user code when calls are serial (signals work there)
