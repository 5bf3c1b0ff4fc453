"""Baselines run on the host, outside Nimbus and its sandbox: a command's start-to-exit time, and a runtime's
program (a shim, or the nginx bootstrap) started as Nimbus would start it, timed until its port accepts."""

import glob
import os
import subprocess
import tempfile
import threading
import time
import zipfile

from benchlib.net import free_port, wait_port
from benchlib.servers import kill_group, spawn


def shim_path(suite, relative):
    for folder in glob.glob(os.path.join(os.path.dirname(os.path.realpath(suite.binary)), '*NimbusRuntime*')):
        path = os.path.join(folder, relative)
        if os.path.exists(path):
            return path
    return None


def time_command(command, n):
    """Start-to-exit times of a command. A blocking wait(): Popen.wait(timeout=...) polls with doubling
    sleeps (0.5, 1, 2, 4, 8 ms...) and would round every sample up to 7.5, 15.5, 31.5 ms..."""
    samples = []
    for _ in range(n):
        began = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        watchdog = threading.Timer(30, process.kill)
        watchdog.start()
        status = process.wait()
        elapsed = time.perf_counter() - began
        watchdog.cancel()
        if status != 0:
            raise subprocess.CalledProcessError(status, command)
        samples.append(elapsed * 1000)
    return samples


def unsandboxed(suite, runtime, port):
    """argv, env and cwd to run a runtime's program on the host as Nimbus would run it in the sandbox."""
    code = os.path.join(suite.workdir, 'code-%s' % runtime)
    if not os.path.isdir(code):
        with zipfile.ZipFile(suite.zips[{'custom': 'nginx'}.get(runtime, runtime)]) as archive:
            archive.extractall(code)
        if runtime == 'custom':
            os.chmod(os.path.join(code, 'bootstrap'), 0o755)
    os.makedirs(os.path.join(suite.workdir, 'scratch'), exist_ok=True)
    scratch = tempfile.mkdtemp(dir=os.path.join(suite.workdir, 'scratch'))
    env = {'PATH': '/usr/local/bin:/usr/bin:/bin', 'HOME': scratch, 'LANG': 'C.UTF-8',
           'FC_SERVER_PORT': str(port), 'FC_CUSTOM_LISTEN_PORT': str(port), 'PORT': str(port),
           'FC_FUNC_CODE_PATH': code, 'FC_FUNCTION_HANDLER': 'index.handler', 'FC_FUNCTION_NAME': 'base',
           'FC_SERVICE_NAME': 'bench', 'FC_FUNCTION_MEMORY_SIZE': '128', 'FC_INSTANCE_CONCURRENCY': '1',
           'NGX_DIR': scratch}
    if runtime == 'python3':
        argv = [os.environ.get('NIMBUS_PYTHON', '/usr/bin/python3'), '-u', shim_path(suite, 'python/bootstrap.py')]
    elif runtime == 'nodejs20':
        argv = [os.environ.get('NIMBUS_NODE', '/usr/bin/node'), shim_path(suite, 'nodejs/bootstrap.js')]
    else:
        argv = ['/bin/sh', os.path.join(code, 'bootstrap')]
    return argv, env, code


def time_listen(suite, runtime, n):
    """Starts the runtime's program unsandboxed and times it until its port accepts."""
    samples = []
    for _ in range(n):
        port = free_port()
        argv, env, code = unsandboxed(suite, runtime, port)
        began = time.perf_counter()
        process = spawn(argv, cwd=code, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            if not wait_port(port, 20, 0.0005):
                raise RuntimeError('%s did not listen unsandboxed' % runtime)
            samples.append((time.perf_counter() - began) * 1000)
        finally:
            kill_group(process)
    return samples
