#!/usr/bin/env python3
"""Start-to-listening time of runtime shims: process start until 127.0.0.1:$FC_SERVER_PORT accepts.

Each shim (a python ``bootstrap.py`` or a node ``bootstrap.js``) is run from a copy of its whole
directory in a temp dir, made read-only (``chmod -R a-w``, as Nimbus's read-only bind of
Resources/<runtime>), with PYTHONDONTWRITEBYTECODE=1 so that no bytecode cache helps either (root
ignores the mode bits). Several shims are started alternately, back to back, each round beginning
with the next shim, after one discarded warm-up start each. Stdlib only. Usage:

    python3 benchmarks/shim_start.py [-n RUNS] [--standby] SHIM [SHIM ...] [RUNS]

A SHIM is a path, or REV:PATH for the file as committed at git revision REV (its directory is
taken from ``git archive``), e.g. the single-file python shim against the package, or the node one:

    python3 benchmarks/shim_start.py -n 20 \\
        b058aed:Sources/NimbusRuntime/Resources/python/bootstrap.py \\
        Sources/NimbusRuntime/Resources/python/bootstrap.py
    python3 benchmarks/shim_start.py b058aed:Sources/NimbusRuntime/Resources/nodejs/bootstrap.js \\
        Sources/NimbusRuntime/Resources/nodejs/bootstrap.js 20

The interpreters are the ones Nimbus picks by default (python3, node from /usr/bin, /usr/local/bin,
/bin, then PATH); NIMBUS_PYTHON and NIMBUS_NODE override them, as for ``nimbus serve``. It prints a
markdown table: median, p90 (nearest rank), min and max in ms, and each median against the first's.
"""

import argparse
import io
import math
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time

POLL_S = 0.0002  # between connection attempts
TIMEOUT_S = 10.0

CODE = {
    "index.py": "def handler(event, context):\n    return event\n",
    "index.js": "exports.handler = (event, context, callback) => callback(null, event);\n",
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(spec, into):
    """A read-only copy of the shim's directory under ``into``; returns the copied shim's path."""
    rev, sep, path = spec.partition(":")
    if not sep or os.path.exists(spec):
        rev, path = None, spec
    directory = os.path.join(into, "shim")
    if rev is None:
        shutil.copytree(os.path.dirname(os.path.abspath(path)), directory,
                        ignore=shutil.ignore_patterns("__pycache__", "node_modules"))
    else:
        git = ["git", "rev-parse", "--show-toplevel", "--show-prefix"]
        top, prefix = (subprocess.run(git, capture_output=True, text=True, check=True).stdout.split("\n") + [""])[:2]
        folder = os.path.normpath(os.path.join(prefix, os.path.dirname(path)))  # from the top of the repository
        archive = subprocess.run(["git", "-C", top, "archive", rev, folder], capture_output=True, check=True).stdout
        extracted = os.path.join(into, "archive")
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            if hasattr(tarfile, "data_filter"):  # Python 3.12+ (and security releases before it)
                tar.extractall(extracted, filter="data")
            else:
                tar.extractall(extracted)
        shutil.move(os.path.join(extracted, folder), directory)
    for root, dirs, files in os.walk(directory):
        for name in files:
            os.chmod(os.path.join(root, name), 0o444)
        os.chmod(root, 0o555)
    return os.path.join(directory, os.path.basename(path))


def make_writable(directory):
    for root, dirs, files in os.walk(directory):
        os.chmod(root, 0o755)


def interpreter(name):
    """As Nimbus picks it (RuntimeConfiguration.interpreter): /usr/bin, /usr/local/bin, /bin, then PATH."""
    for directory in ["/usr/bin", "/usr/local/bin", "/bin"]:
        candidate = os.path.join(directory, name)
        if os.access(candidate, os.X_OK):
            return candidate
    return shutil.which(name) or name


def command(shim):
    if shim.endswith(".js"):
        return [os.environ.get("NIMBUS_NODE") or interpreter("node"), shim]
    return [os.environ.get("NIMBUS_PYTHON") or interpreter("python3"), "-u", shim]


def environment(port, code_dir, standby):
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8",
        "TZ": "UTC",
        "FC_SERVER_PORT": str(port),
        "FC_FUNC_CODE_PATH": code_dir,
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    if standby:
        env["NIMBUS_STANDBY"] = "1"
    else:
        env.update({"FC_FUNCTION_HANDLER": "index.handler", "FC_INSTANCE_CONCURRENCY": "1",
                    "FC_SERVER_LOG_LEVEL": "INFO", "FC_FUNCTION_NAME": "bench", "FC_FUNCTION_MEMORY_SIZE": "128"})
    return env


def start_once(shim, code_dir, standby):
    """Milliseconds from Popen until a connection to the port succeeds."""
    port = free_port()
    env = environment(port, code_dir, standby)
    began = time.perf_counter()
    proc = subprocess.Popen(command(shim), cwd=code_dir, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1.0).close()
                return (time.perf_counter() - began) * 1000.0
            except OSError:
                if proc.poll() is not None:
                    raise RuntimeError("%s exited with %s: %s" % (shim, proc.returncode, proc.stderr.read().decode()))
                if time.perf_counter() - began > TIMEOUT_S:
                    raise RuntimeError("%s did not listen within %.0f s" % (shim, TIMEOUT_S))
                time.sleep(POLL_S)
    finally:
        proc.kill()
        proc.wait()
        proc.stderr.close()


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("shims", nargs="+", metavar="SHIM", help="bootstrap.py / bootstrap.js, or REV:PATH; a last bare number is RUNS")
    parser.add_argument("-n", "--runs", type=int, default=20, help="starts per shim (default 20)")
    parser.add_argument("--standby", action="store_true", help="start them as standbys (NIMBUS_STANDBY=1)")
    args = parser.parse_args()
    if len(args.shims) > 1 and args.shims[-1].isdigit() and not os.path.exists(args.shims[-1]):
        args.runs = int(args.shims.pop())  # the runs count given last

    work = tempfile.mkdtemp(prefix="shim-start-")
    try:
        code_dir = os.path.join(work, "code")
        os.mkdir(code_dir)
        if not args.standby:
            for name, text in CODE.items():
                with open(os.path.join(code_dir, name), "w") as handle:
                    handle.write(text)
        copies = []
        for index, spec in enumerate(args.shims):
            into = os.path.join(work, str(index))
            os.mkdir(into)
            copies.append(prepare(spec, into))
        for shim in copies:  # warm-up: file cache, interpreter binary
            start_once(shim, code_dir, args.standby)
        samples = [[] for _ in copies]
        for round_ in range(args.runs):
            for offset in range(len(copies)):
                index = (round_ + offset) % len(copies)
                samples[index].append(start_once(copies[index], code_dir, args.standby))
        for shim in copies:
            for root, dirs, _ in os.walk(os.path.dirname(shim)):
                if "__pycache__" in dirs:
                    print("warning: %s has a __pycache__" % root, file=sys.stderr)
    finally:
        make_writable(work)
        shutil.rmtree(work, ignore_errors=True)

    mode = "standby" if args.standby else "normal"
    width = max(len(spec) for spec in args.shims)
    print("start -> listening (%s start, %d runs each, alternating, read-only copies, no bytecode cache)" % (mode, args.runs))
    print("| %-*s | median ms | p90 ms | min ms | max ms | median vs first |" % (width, "shim"))
    print("| %s | ---: | ---: | ---: | ---: | ---: |" % ("-" * width))
    base = statistics.median(samples[0])
    for spec, values in zip(args.shims, samples):
        median = statistics.median(values)
        print("| %-*s | %.1f | %.1f | %.1f | %.1f | %+.1f |" % (
            width, spec, median, percentile(values, 0.9), min(values), max(values), median - base))


if __name__ == "__main__":
    main()
