"""The run: one Suite holds the fixtures, the main Nimbus and what the scenarios (benchmarks/scenarios) report,
runs the chosen ones in order (each once more if its instance went away), then prints the targets and writes
the JSON and Markdown."""

import datetime
import json
import os
import shutil
import tempfile
import time
import traceback

import fc2

from benchlib.fixtures import ECHO_BOOTSTRAP, ECHO_JS, NGINX_BOOTSTRAP, NODE_HANDLER, PY_HANDLER, make_zip
from benchlib.net import accepts
from benchlib.report import machine as describe_machine, markdown, print_table, targets as measured_targets
from benchlib.servers import ForeignServers, Nimbus
from benchlib.wrk import InstanceLost, wrk


class Suite:
    def __init__(self, args, scenarios):
        """`scenarios`: (name, function of the suite) in the order they run."""
        self.args = args
        self.scenarios = scenarios
        self.binary = os.path.abspath(args.bin)
        self.workdir = tempfile.mkdtemp(prefix='nimbus-bench-')
        os.chmod(self.workdir, 0o755)
        self.quick = args.quick
        self.results = {}
        self.tables = []
        self.notes = []
        self.cleanups = []
        self.zips = {
            'nginx': make_zip(os.path.join(self.workdir, 'nginx.zip'), {'bootstrap': (NGINX_BOOTSTRAP, 0o755)}),
            'echo': make_zip(os.path.join(self.workdir, 'echo.zip'),
                             {'bootstrap': (ECHO_BOOTSTRAP, 0o755), 'echo.js': (ECHO_JS, 0o644)}),
            'python3': make_zip(os.path.join(self.workdir, 'py.zip'), {'index.py': (PY_HANDLER, 0o644)}),
            'nodejs20': make_zip(os.path.join(self.workdir, 'node.zip'), {'index.js': (NODE_HANDLER, 0o644)}),
        }
        self.main = None
        self.last_density = None

    # ---- output

    def table(self, scenario, title, columns, rows, notes=()):
        self.tables.append({'scenario': scenario, 'title': title, 'columns': columns, 'rows': rows,
                            'notes': list(notes)})
        print_table(title, columns, rows, notes)

    # ---- fixtures

    def main_nimbus(self):
        if self.main is None:
            self.main = Nimbus(self.binary, self.workdir, 'main', {
                'NIMBUS_INSTANCE_MAX_PER_FUNCTION': str(self.args.burst),
                'NIMBUS_INSTANCE_MAX': str(self.args.burst + 100),  # the platform cap (0877998 and later)
                'NIMBUS_INSTANCE_IDLE_TIMEOUT': '900',
            })
            self.main.client.create_service('bench', internetAccess=True)
        return self.main

    def stop_main(self):
        if self.main is not None:
            self.main.stop()
            self.main = None

    def deploy(self, nimbus, service, name, runtime, zip_key, trigger=False, **options):
        """Creates the function (and its anonymous HTTP trigger); one already there (a retry) is reused."""
        options.setdefault('memorySize', 128)
        options.setdefault('timeout', 60)
        try:
            nimbus.client.create_function(service, name, runtime, 'index.handler', codeZipFile=self.zips[zip_key],
                                          **options)
        except fc2.fc_exceptions.FcError as error:
            if 'AlreadyExists' not in str(error):
                raise
            return
        if trigger:
            nimbus.client.create_trigger(service, name, 'http', 'http',
                                         {'authType': 'anonymous', 'methods': ['GET', 'POST']}, None, None)

    def guarded_wrk(self, port, url, script, threads, connections, seconds, cpu_of):
        """wrk, refusing to report a run during which the instance under test went away."""
        self.require(port, 'the instance under test')
        try:
            result = wrk(url, script, threads, connections, seconds, cpu_of)
        except RuntimeError:
            self.require(port, 'the instance under test')
            raise
        self.require(port, 'the instance under test')
        return result

    @staticmethod
    def require(port, what):
        """The instance we measure must still be there (another Nimbus starting on this host kills it)."""
        if not accepts(port):
            raise InstanceLost('%s on port %d stopped answering' % (what, port))

    # ---- driver

    def run(self):
        started = datetime.datetime.now(datetime.timezone.utc)
        machine = describe_machine(self.binary)
        print('# Nimbus benchmarks, %s' % started.strftime('%Y-%m-%d %H:%M UTC'))
        print('machine: %d cores (%s), %.1f GB RAM, %s, kernel %s, %s; virtualization: %s' % (
            machine['cores'], machine['cpu'], machine['memory_gb'], machine['arch'], machine['kernel'],
            machine['os'], machine.get('virtualization', '?')))
        print('nimbus: %s (%s); tools: %s' % (self.binary, machine.get('nimbus_commit'),
                                                     ', '.join('%s' % v for v in machine['tools'].values() if v)))
        print('load average before: %.2f %.2f %.2f' % machine['load_before'], flush=True)
        monitor = ForeignServers(self.workdir)
        monitor.start()
        others = sorted(monitor.seen)
        machine['other_nimbus_servers'] = len(others)
        if others:
            warning = ('%d other `nimbus serve` process(es) run on this host: they share the cores (and a Nimbus '
                       'older than 0877998 kills every instance under /sys/fs/cgroup/*/nimbus when it starts)'
                       % len(others))
            self.notes.append(warning)
            print('WARNING: ' + warning, flush=True)
        chosen = [s for s, _ in self.scenarios if (not self.args.only or s in self.args.only)
                  and s not in self.args.skip]
        scenario = dict(self.scenarios)
        failures = {}
        timings = {}
        try:
            for name in chosen:
                began = time.perf_counter()
                foreign_before = monitor.started
                servers = [n for n in (self.main,) if n is not None]
                warnings_before = {id(n): len(n.warnings()) for n in servers}
                try:
                    try:
                        scenario[name](self)
                    except InstanceLost as error:
                        self.notes.append('%s: ran twice: %s' % (name, error))
                        print('\n   %s: %s; running it again' % (name, error), flush=True)
                        scenario[name](self)
                except Exception as error:
                    failures[name] = '%s: %s' % (type(error).__name__, error)
                    print('\n## %s: could not run here: %s' % (name, failures[name]), flush=True)
                    traceback.print_exc()
                timings[name] = time.perf_counter() - began
                print('   (%s took %.1f s)' % (name, timings[name]), flush=True)
                foreign = monitor.started - foreign_before
                if foreign:
                    self.notes.append('%s: %d `nimbus serve` process(es) not ours started during the scenario (load '
                                      'from elsewhere; a Nimbus older than 0877998 also kills instances at start)'
                                      % (name, foreign))
                for server in [n for n in (self.main, self.last_density) if n is not None]:
                    lines = server.warnings()[warnings_before.get(id(server), 0):]
                    if lines:
                        self.notes.append('%s: Nimbus logged %d warning(s), first: %s'
                                          % (name, len(lines), lines[0][:240]))
        finally:
            self.stop_main()
            for cleanup in reversed(self.cleanups):
                try:
                    cleanup()
                except Exception:
                    pass
        machine['load_after'] = os.getloadavg()
        monitor.stopping.set()
        machine['foreign_nimbus_starts'] = monitor.started
        targets = measured_targets(self.results)
        if targets:
            print('\n## Targets (issue 10; issue 4 for cold start and burst)')
            for t in targets:
                print('  %-62s %-12s measured %-10s %s' % (t['name'], t['target'], t['measured'],
                                                           'met' if t['met'] else 'NOT MET'))
        for note in self.notes:
            print('  * ' + note)
        report = {
            'started': started.isoformat(timespec='seconds'), 'machine': machine, 'binary': self.binary,
            'scenario_seconds': timings, 'failed': failures, 'targets': targets, 'notes': self.notes,
            'results': self.results, 'tables': self.tables, 'quick': self.quick,
        }
        os.makedirs(os.path.dirname(os.path.abspath(self.args.json)), exist_ok=True)
        with open(self.args.json, 'w') as handle:
            json.dump(report, handle, indent=1, default=str)
            handle.write('\n')
        with open(os.path.splitext(self.args.json)[0] + '.md', 'w') as handle:
            handle.write(markdown(report))
        print('\nwrote %s (and .md); total %.0f s' % (self.args.json, sum(timings.values())))
        if failures:
            print('kept %s (Nimbus logs) for the failures above' % self.workdir)
        else:
            shutil.rmtree(self.workdir, ignore_errors=True)
        return 1 if failures else 0
