"""wrk runs: a Lua script per request shape, one run's figures (with the CPU and context switches of watched
processes per request), and the median over rounds."""

import json
import re
import statistics
import subprocess
import tempfile

from benchlib.measure import context_switches, cpu_seconds

WRK_TIMEOUT = '5s'


class InstanceLost(Exception):
    """The instance under test went away mid-scenario; the scenario is run again once."""


WRK_REPORT = r'''
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"bytes":%d,"connect":%d,"read":%d,"write":%d,"status":%d,' ..
    '"timeout":%d,"p50":%d,"p90":%d,"p99":%d,"p999":%d,"mean":%.1f,"max":%d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9),
    latency.mean, latency.max))
end
'''


def lua_string(text):
    return '"' + text.replace('\\', '\\\\').replace('"', '\\"').replace('\n', '\\n') + '"'


def wrk_script(workdir, method='GET', body=None, headers=None):
    lines = ['wrk.method = %s' % lua_string(method)]
    if body is not None:
        lines.append('wrk.body = %s' % lua_string(body))
    for name, value in (headers or {}).items():
        if name.lower() in ('host', 'content-length'):
            continue
        lines.append('wrk.headers[%s] = %s' % (lua_string(name), lua_string(value)))
    handle = tempfile.NamedTemporaryFile('w', suffix='.lua', dir=workdir, delete=False)
    handle.write('\n'.join(lines) + '\n' + WRK_REPORT)
    handle.close()
    return handle.name


def wrk(url, script, threads, connections, seconds, cpu_of=None):
    """Runs wrk; returns its numbers (latencies in µs) plus CPU seconds per request of watched processes."""
    before = {name: cpu_seconds(pids()) for name, pids in (cpu_of or {}).items()}
    switches_before = {name: context_switches(pids()) for name, pids in (cpu_of or {}).items()}
    command = ['wrk', '-t%d' % threads, '-c%d' % connections, '-d%ds' % seconds, '--timeout', WRK_TIMEOUT,
               '-s', script, url]
    out = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 30)
    after = {name: cpu_seconds(pids()) for name, pids in (cpu_of or {}).items()}
    switches_after = {name: context_switches(pids()) for name, pids in (cpu_of or {}).items()}
    match = re.search(r'^WRKJSON (\{.*\})$', out.stdout, re.M)
    if not match:
        raise RuntimeError('wrk gave no report: %s %s' % (out.stdout[-500:], out.stderr[-500:]))
    result = json.loads(match.group(1))
    result['rps'] = result['requests'] / (result['duration_us'] / 1e6)
    result['errors'] = sum(result[k] for k in ('connect', 'read', 'write', 'status', 'timeout'))
    if result['requests']:
        result['cpu_us_per_req'] = {name: (after[name] - before[name]) * 1e6 / result['requests'] for name in before}
        result['switches_per_req'] = {name: (switches_after[name] - switches_before[name]) / result['requests']
                                      for name in before}
    return result


def merge_rounds(rounds):
    """Median over rounds of each figure (rounds alternate targets, so drift hits all of them alike)."""
    merged = {}
    for key in ('rps', 'p50', 'p90', 'p99', 'p999', 'mean', 'max'):
        merged[key] = statistics.median(r[key] for r in rounds)
    merged['requests'] = sum(r['requests'] for r in rounds)
    merged['errors'] = sum(r['errors'] for r in rounds)
    names = set()
    for r in rounds:
        names.update(r.get('cpu_us_per_req', {}))
    for key in ('cpu_us_per_req', 'switches_per_req'):
        merged[key] = {name: statistics.median(r[key][name] for r in rounds if name in r.get(key, {}))
                       for name in names}
    merged['rounds'] = rounds
    return merged
