"""The one launcher of `nimbus serve` for the tests and the benchmarks (stdlib and requests only).

A server on a free loopback port with its own data dir, started once /health answers; its stderr
goes to a file (or nowhere), so a failing test can show what Nimbus logged. Usage:

    server = NimbusServe(binary, data_dir, env={'NIMBUS_ACCESS_KEY_ID': 'AK', ...}).start()
    ... server.endpoint ...
    code = server.stop()
"""

import os
import signal
import socket
import subprocess
import time

import requests


class NimbusServeError(RuntimeError):
    """The server exited before it answered /health, did not answer in time, or did not stop."""


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class NimbusServe(object):
    def __init__(self, binary, data_dir, env=None, stderr_path=None, stdout_path=None, cwd=None,
                 new_session=False, on_start=None):
        """`env` is added to this process's environment (a None value removes the variable);
        `stderr_path` / `stdout_path` None discards (the same path for both keeps them in one file).
        `new_session` starts Nimbus as a process group of its own (so a killer of the group takes
        its instances too); `on_start` is called with the Popen as soon as it exists (to record its
        pid for a trap before /health answers)."""
        self.binary = str(binary)
        self.data_dir = data_dir
        self.env = {key: value for key, value in dict(os.environ, **(env or {})).items() if value is not None}
        self.stderr_path = stderr_path
        self.stdout_path = stdout_path
        self.cwd = None if cwd is None else str(cwd)
        self.new_session = new_session
        self.on_start = on_start
        self.port = None
        self.proc = None

    @property
    def endpoint(self):
        return 'http://127.0.0.1:{0}'.format(self.port)

    def start(self, health_timeout=60):
        self.port = free_port()
        os.makedirs(str(self.data_dir), exist_ok=True)
        err = open(str(self.stderr_path), 'wb') if self.stderr_path else subprocess.DEVNULL
        if self.stdout_path and str(self.stdout_path) == str(self.stderr_path):
            out = err
        else:
            out = open(str(self.stdout_path), 'wb') if self.stdout_path else subprocess.DEVNULL
        try:
            self.proc = subprocess.Popen(
                [self.binary, 'serve', '--host', '127.0.0.1', '--port', str(self.port), '--data-dir', str(self.data_dir)],
                stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=self.env, cwd=self.cwd,
                start_new_session=self.new_session)
        finally:
            for handle in {id(out): out, id(err): err}.values():
                if handle is not subprocess.DEVNULL:
                    handle.close()
        if self.on_start:
            self.on_start(self.proc)
        deadline = time.monotonic() + health_timeout
        while not self.healthy():
            if not self.running():
                raise NimbusServeError('nimbus exited with code {0} before answering /health; stderr:\n{1}'.format(
                    self.proc.returncode, self.stderr_tail()))
            if time.monotonic() > deadline:
                self.proc.kill()
                self.proc.wait(timeout=10)
                raise NimbusServeError('nimbus did not answer GET /health within {0} s; stderr:\n{1}'.format(
                    health_timeout, self.stderr_tail()))
            time.sleep(0.1)
        return self

    def healthy(self):
        try:
            return requests.get(self.endpoint + '/health', timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=10):
        """SIGTERM, then its exit code; killed and NimbusServeError if it does not exit in `timeout`."""
        if self.running():
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
            raise NimbusServeError('nimbus did not exit within {0} s of SIGTERM; stderr:\n{1}'.format(
                timeout, self.stderr_tail()))

    def stderr_tail(self, limit=8000):
        if not self.stderr_path:
            return '<stderr not kept>'
        try:
            with open(str(self.stderr_path), 'rb') as handle:
                return handle.read().decode('utf-8', 'replace')[-limit:]
        except OSError:
            return '<no stderr captured>'
