"""The servers this suite starts: Nimbus through the project's launcher (tests/nimbus_serve.py), the nginx
reverse proxy it is measured against, and a watch on `nimbus serve` processes started by others.

Every server goes in a process group of its own, recorded (for run.sh's trap) in $NIMBUS_BENCH_PIDFILE, so a
killed bench.py leaves nothing behind."""

import os
import shutil
import signal
import subprocess
import threading

import fc2
from nimbus_serve import NimbusServe, NimbusServeError

from benchlib.fixtures import ACCESS_KEY_ID, ACCESS_KEY_SECRET, ACCOUNT_ID
from benchlib.measure import children, cpu_seconds, proc_kb
from benchlib.net import free_port, wait_port

KEPT_ENV = ('NIMBUS_PYTHON', 'NIMBUS_NODE', 'NIMBUS_BWRAP')  # every other NIMBUS_* of ours is not Nimbus's


def record(process):
    """Notes a process group for run.sh's trap in $NIMBUS_BENCH_PIDFILE."""
    pidfile = os.environ.get('NIMBUS_BENCH_PIDFILE')
    if pidfile:
        with open(pidfile, 'a') as handle:
            handle.write('%d\n' % process.pid)


def spawn(argv, **options):
    """Popen in a new process group, recorded (for run.sh's trap)."""
    process = subprocess.Popen(argv, start_new_session=True, **options)
    record(process)
    return process


def kill_group(process):
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=10)


class Nimbus:
    """A `nimbus serve` on a free port with a fresh data dir; stopped (and its instances) on exit."""

    def __init__(self, binary, workdir, name, extra_env=None):
        self.binary = binary
        self.data = os.path.join(workdir, 'nimbus-%s' % name)
        shutil.rmtree(self.data, ignore_errors=True)
        os.makedirs(self.data)
        env = {key: None for key in os.environ if key.startswith('NIMBUS_') and key not in KEPT_ENV}
        env.update(NIMBUS_ACCESS_KEY_ID=ACCESS_KEY_ID, NIMBUS_ACCESS_KEY_SECRET=ACCESS_KEY_SECRET,
                   NIMBUS_ACCOUNT_ID=ACCOUNT_ID)
        env.update(extra_env or {})
        self.log_path = os.path.join(workdir, 'nimbus-%s.log' % name)  # stdout and stderr
        self.server = NimbusServe(binary, self.data, env=env, stderr_path=self.log_path, stdout_path=self.log_path,
                                  new_session=True, on_start=record)
        try:
            self.server.start(health_timeout=30)
        except NimbusServeError as error:
            self.kill_group()
            raise RuntimeError('%s (see %s)' % (str(error).split('; stderr:')[0], self.log_path)) from None
        self.port = self.server.port
        self.endpoint = self.server.endpoint
        self.client = fc2.Client(endpoint=self.endpoint, accessKeyID=ACCESS_KEY_ID,
                                 accessKeySecret=ACCESS_KEY_SECRET, Timeout=120)

    @property
    def pid(self):
        return self.server.proc.pid

    def warnings(self):
        """Warning and error lines Nimbus has logged so far."""
        try:
            with open(self.log_path, errors='replace') as handle:
                return [line.strip() for line in handle if ' warning ' in line or ' error ' in line]
        except OSError:
            return []

    def rss_mb(self):
        return proc_kb(self.pid, 'VmRSS') / 1024.0

    def cpu(self):
        return cpu_seconds([self.pid])

    def signed(self, method, path, extra=None):
        """Headers exactly as the official SDK builds and signs them (Date fixed: valid 15 minutes)."""
        headers = self.client._build_common_headers(method, path, dict(extra or {}))
        headers.pop('content-length', None)
        return headers

    def stop(self):
        try:
            self.server.stop(timeout=30)
        except NimbusServeError:  # it did not exit on SIGTERM and NimbusServe killed it: its group goes too
            self.kill_group()

    def kill_group(self):
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except OSError:
            pass


def nimbus_servers(ours=None):
    """PIDs of every `nimbus serve` process on the host but those whose data dir is under `ours`."""
    found = set()
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open('/proc/%s/cmdline' % entry, 'rb') as handle:
                argv = handle.read().split(b'\0')
        except OSError:
            continue
        if len(argv) > 1 and os.path.basename(argv[0]) == b'nimbus' and argv[1] == b'serve':
            data_dir = argv[argv.index(b'--data-dir') + 1] if b'--data-dir' in argv[:-1] else b''
            if ours is None or not data_dir.startswith(os.path.join(ours, '').encode()):
                found.add(int(entry))
    return found


class ForeignServers(threading.Thread):
    """Watches for `nimbus serve` processes this suite did not start (theirs is a data dir outside `workdir`).
    Each one that starts removes every instance cgroup under /sys/fs/cgroup/*/nimbus (Cgroups.removeLeftovers),
    killing our instances."""

    def __init__(self, workdir):
        super().__init__(daemon=True)
        self.workdir = workdir
        self.seen = nimbus_servers(workdir)
        self.started = 0
        self.stopping = threading.Event()

    def run(self):
        while not self.stopping.wait(0.5):
            current = nimbus_servers(self.workdir)
            self.started += len(current - self.seen)
            self.seen |= current


class NginxProxy:
    """nginx as a plain reverse proxy to one upstream port (HTTP/1.1 keepalive upstream)."""

    def __init__(self, workdir, upstream_port):
        self.dir = os.path.join(workdir, 'nginx-proxy')
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)
        os.chmod(self.dir, 0o777)  # workers run as nobody and may buffer bodies here
        self.port = free_port()
        d = self.dir
        conf = '''worker_processes auto;
pid %(d)s/nginx.pid;
error_log stderr warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path %(d)s/body; proxy_temp_path %(d)s/proxy; fastcgi_temp_path %(d)s/fcgi;
  uwsgi_temp_path %(d)s/uwsgi; scgi_temp_path %(d)s/scgi;
  keepalive_requests 100000000;
  client_max_body_size 64m;
  upstream fn {
    server 127.0.0.1:%(up)d;
    keepalive 64;
    keepalive_requests 100000000;
  }
  server {
    listen 127.0.0.1:%(port)d;
    location / {
      proxy_pass http://fn;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
''' % {'d': d, 'up': upstream_port, 'port': self.port}
        with open(os.path.join(d, 'nginx.conf'), 'w') as handle:
            handle.write(conf)
        self.log = open(os.path.join(d, 'error.log'), 'wb')
        self.process = spawn(
            ['nginx', '-p', d, '-e', 'stderr', '-c', os.path.join(d, 'nginx.conf'), '-g', 'daemon off;'],
            stdout=self.log, stderr=subprocess.STDOUT)
        if not wait_port(self.port, 10):
            self.stop()
            raise RuntimeError('nginx reverse proxy did not start (see %s/error.log)' % d)

    def pids(self):
        return [self.process.pid] + children(self.process.pid)

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.log.close()
