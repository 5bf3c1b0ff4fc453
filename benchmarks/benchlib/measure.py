"""Figures: statistics, number formatting, and what /proc and the cgroup tree say about processes."""

import glob
import math
import os


def percentile(values, p):
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100.0 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def stats(samples):
    return {'p50': percentile(samples, 50), 'p99': percentile(samples, 99), 'n': len(samples)}


def fmt(value, digits=1):
    if value is None:
        return '-'
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    return ('%.' + str(digits) + 'f') % value


# --------------------------------------------------------------------------------------------
# Processes (/proc)

CLOCK_TICKS = os.sysconf('SC_CLK_TCK')


def cpu_seconds(pids):
    total = 0
    for pid in pids:
        try:
            with open('/proc/%d/stat' % pid) as handle:
                fields = handle.read().rsplit(')', 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, IndexError, ValueError):
            pass
    return total / CLOCK_TICKS


def context_switches(pids):
    """Voluntary + involuntary context switches of every thread of these processes."""
    total = 0
    for pid in pids:
        for status in glob.glob('/proc/%d/task/*/status' % pid):
            try:
                with open(status) as handle:
                    for line in handle:
                        if line.startswith(('voluntary_ctxt_switches', 'nonvoluntary_ctxt_switches')):
                            total += int(line.split()[1])
            except OSError:
                pass
    return total


def children(pid):
    try:
        with open('/proc/%d/task/%d/children' % (pid, pid)) as handle:
            return [int(p) for p in handle.read().split()]
    except OSError:
        return []


def proc_kb(pid, field, source='status'):
    """A `kB` field of /proc/<pid>/status (VmRSS, VmHWM) or smaps_rollup (Pss)."""
    try:
        with open('/proc/%d/%s' % (pid, source)) as handle:
            for line in handle:
                if line.startswith(field + ':'):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def proc_meminfo(field):
    with open('/proc/meminfo') as handle:
        for line in handle:
            if line.startswith(field + ':'):
                return int(line.split()[1])
    return 0


# --------------------------------------------------------------------------------------------
# Cgroups of Nimbus's instances (to find and measure them)


def cgroup_folders(pattern):
    """Instance cgroup folders (memory controller, or the unified hierarchy) matching `i-<pattern>`, under
    Nimbus's parent (`nimbus`, or `nimbus-<data dir digest>` since each server has its own)."""
    found = []
    for base in ('/sys/fs/cgroup/memory', '/sys/fs/cgroup', '/sys/fs/cgroup/unified'):
        found.extend(glob.glob(os.path.join(base, 'nimbus*', 'i-' + pattern)))
        if found:
            break
    return sorted(found)


def parent_pid(pid):
    return proc_kb(pid, 'PPid')  # not kB, but the same "Name:\tvalue" line


def instance_cgroups(function_prefix, server_pid):
    """Cgroups of the running instances of one Nimbus whose function name starts with `function_prefix`.
    The cgroup holds the sandbox (bwrap and the program); its nimbus-init, outside it, is Nimbus's child."""
    return [folder for folder in cgroup_folders(function_prefix + '*')
            if any(parent_pid(parent_pid(pid)) == server_pid for pid in cgroup_pids(folder))]


def instance_processes(folder):
    """The processes of one instance: its cgroup's, plus the nimbus-init outside it that started them."""
    pids = set(cgroup_pids(folder))
    for pid in list(pids):
        parent = parent_pid(pid)
        if parent and parent not in pids:
            try:
                with open('/proc/%d/comm' % parent) as handle:
                    if handle.read().strip() == 'nimbus-init':
                        pids.add(parent)
            except OSError:
                pass
    return sorted(pids)


def cgroup_memory_bytes(folder):
    for name in ('memory.usage_in_bytes', 'memory.current'):
        try:
            with open(os.path.join(folder, name)) as handle:
                return int(handle.read().strip())
        except OSError:
            continue
    return None


def cgroup_pids(folder):
    pids = []
    for folder_ in {folder, folder.replace('/memory/', '/pids/', 1)}:
        try:
            with open(os.path.join(folder_, 'cgroup.procs')) as handle:
                pids.extend(int(p) for p in handle.read().split())
        except OSError:
            pass
    return sorted(set(pids))
