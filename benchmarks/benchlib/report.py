"""What a run prints and writes: a scenario's table, the machine it ran on, the targets, the Markdown copy."""

import datetime
import os
import platform
import re
import shutil
import subprocess
import sys

from benchlib.fixtures import REPO
from benchlib.measure import proc_meminfo


def print_table(title, columns, rows, notes=()):
    """One scenario's table on stdout (its Markdown copy is in markdown())."""
    widths = [max(len(str(c)), *(len(str(r[i])) for r in rows)) if rows else len(str(c))
              for i, c in enumerate(columns)]
    print('\n## %s' % title)
    print('  '.join(str(c).ljust(w) for c, w in zip(columns, widths)))
    print('  '.join('-' * w for w in widths))
    for row in rows:
        print('  '.join(str(v).ljust(w) for v, w in zip(row, widths)))
    for note in notes:
        print('  * ' + note)
    sys.stdout.flush()


def machine(binary):
    """The host, its tools and the Nimbus binary, as the report's header gives them."""
    info = {'cores': os.cpu_count(), 'kernel': platform.release(), 'arch': platform.machine()}
    try:
        with open('/proc/cpuinfo') as handle:
            models = re.findall(r'^model name\s*:\s*(.+)$', handle.read(), re.M)
        info['cpu'] = models[0].strip() if models else platform.processor()
    except OSError:
        info['cpu'] = platform.processor()
    info['memory_gb'] = round(proc_meminfo('MemTotal') / 1048576, 1)
    try:
        with open('/etc/os-release') as handle:
            info['os'] = re.search(r'^PRETTY_NAME="?([^"\n]+)', handle.read(), re.M).group(1)
    except (OSError, AttributeError):
        info['os'] = platform.platform()
    kinds = []
    if shutil.which('systemd-detect-virt'):
        for flag in ('--vm', '--container'):
            out = subprocess.run(['systemd-detect-virt', flag], capture_output=True, text=True).stdout.strip()
            if out and out != 'none':
                kinds.append(out)
    if not kinds:
        try:
            with open('/proc/cpuinfo') as handle:
                if ' hypervisor' in handle.read():
                    kinds.append('hypervisor')
        except OSError:
            pass
    info['virtualization'] = ' + '.join(kinds) or 'none'
    versions = {}
    for name, command in (('wrk', ['wrk', '-v']), ('nginx', ['nginx', '-v']),
                          ('python3', [os.environ.get('NIMBUS_PYTHON', '/usr/bin/python3'), '--version']),
                          ('node', [os.environ.get('NIMBUS_NODE', '/usr/bin/node'), '--version']),
                          ('bwrap', ['bwrap', '--version'])):
        try:
            out = subprocess.run(command, capture_output=True, text=True, timeout=10)
            versions[name] = (out.stdout + out.stderr).strip().splitlines()[0].split(' Copyright')[0]
        except (OSError, IndexError, subprocess.TimeoutExpired):
            versions[name] = None
    info['tools'] = versions
    try:
        commit = subprocess.run(['git', '-C', REPO, 'rev-parse', '--short', 'HEAD'], capture_output=True,
                                text=True).stdout.strip()
        dirty = subprocess.run(['git', '-C', REPO, 'status', '--porcelain', '--', 'Sources', 'Package.swift'],
                               capture_output=True, text=True).stdout.strip()
        info['checkout'] = commit + (' + uncommitted changes in Sources' if dirty else '')
    except OSError:
        pass
    built = datetime.datetime.fromtimestamp(os.path.getmtime(binary), datetime.timezone.utc)
    info['binary_built'] = built.isoformat(timespec='seconds')
    info['nimbus_commit'] = os.environ.get('NIMBUS_BENCH_COMMIT') or (
        'checkout %s; binary built %s' % (info.get('checkout', '?'), info['binary_built']))
    info['load_before'] = os.getloadavg()
    return info


def targets(results):
    """Each measured target (issue 10; issue 4 for cold start and burst) beside what this run measured."""
    out = []
    http_ = results.get('http')
    if http_:
        out.append({'name': 'warm HTTP-trigger throughput vs nginx (c%d)' % http_['connections'],
                    'target': '>= 0.9x', 'measured': '%.3fx' % http_['throughput_ratio_vs_nginx'],
                    'met': http_['throughput_ratio_vs_nginx'] >= 0.9})
        out.append({'name': 'added p50 over the direct call (c1)', 'target': '< 150 us',
                    'measured': '%.0f us' % http_['added_p50_us_vs_direct'],
                    'met': http_['added_p50_us_vs_direct'] < 150})
    cold = results.get('cold', {}).get('issue4')
    if cold:
        out.append({'name': 'issue 4: python3 cold-start median vs half of python3 -c pass', 'target':
                    '< %.1f ms' % (cold['bare_median_ms'] / 2), 'measured': '%.1f ms' % cold['cold_median_ms'],
                    'met': cold['cold_median_ms'] < cold['bare_median_ms'] / 2})
        out.append({'name': 'issue 4: python3 cold-start p99 vs python3 -c pass', 'target':
                    '< %.1f ms' % cold['bare_median_ms'], 'measured': '%.1f ms' % cold['cold_p99_ms'],
                    'met': cold['cold_p99_ms'] < cold['bare_median_ms']})
    burst = results.get('burst')
    if burst:
        out.append({'name': 'issue 4: burst of %d, errors' % burst['calls'], 'target': '0',
                    'measured': str(burst['failed']), 'met': burst['failed'] == 0})
        if burst.get('instances_ready_per_s'):
            out.append({'name': 'issue 4: burst, instances started per second', 'target': '> 100',
                        'measured': '%.0f' % burst['instances_ready_per_s'],
                        'met': burst['instances_ready_per_s'] > 100})
    dense = results.get('density')
    if dense and 'rss_mb_functions' in dense:
        out.append({'name': 'Nimbus RSS with %d functions deployed' % dense['functions'], 'target': '< 100 MB',
                    'measured': '%.1f MB' % dense['rss_mb_functions'], 'met': dense['rss_mb_functions'] < 100})
    return out



def markdown(report):
    m = report['machine']
    lines = ['Run %s on %d cores (%s), %.1f GB RAM, %s, kernel %s (%s), virtualization: %s; Nimbus: %s.'
             % (report['started'], m['cores'], m['cpu'], m['memory_gb'], m['arch'], m['kernel'], m['os'],
                m.get('virtualization', '?'), m.get('nimbus_commit')),
             '', 'Load average before %s, after %s; other `nimbus serve` processes on the host at start: %s, '
             'started during the run: %s.' % (
                 ' '.join('%.2f' % v for v in m.get('load_before', ())),
                 ' '.join('%.2f' % v for v in m.get('load_after', ())),
                 m.get('other_nimbus_servers', '?'), m.get('foreign_nimbus_starts', '?')), '']
    for t in report['tables']:
        lines.append('### ' + t['title'])
        lines.append('')
        lines.append('| ' + ' | '.join(str(c) for c in t['columns']) + ' |')
        lines.append('|' + '---|' * len(t['columns']))
        for row in t['rows']:
            lines.append('| ' + ' | '.join(str(v) for v in row) + ' |')
        lines.append('')
        for note in t['notes']:
            lines.append('- ' + note)
        lines.append('')
    for name, error in report['failed'].items():
        lines.append('- **%s could not run here**: %s' % (name, error))
    if report['notes']:
        lines += ['### Run notes', ''] + ['- ' + note for note in report['notes']] + ['']
    if report['targets']:
        lines += ['### Targets', '', '| target | wanted | measured | |', '|---|---|---|---|']
        for t in report['targets']:
            lines.append('| %s | %s | %s | %s |' % (t['name'], t['target'], t['measured'],
                                                   'met' if t['met'] else '**not met**'))
        lines.append('')
    return '\n'.join(lines) + '\n'
