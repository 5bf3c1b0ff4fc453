"""Start-up refuses a broken install: `nimbus serve` launches a trial instance the way every instance is
launched (nimbus-init, bubblewrap, setpriv, its cgroup, a trivial program) and, where that cannot work,
exits at once with one line on stderr naming what is missing and how to fix it."""

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import requests

from interop_util import start_server

BROKEN_INIT = '#!/bin/sh\necho "nimbus-init: this is not nimbus-init" >&2\nexit 3\n'


def install(tmp_path, nimbus_init=None):
    """`nimbus` and its resource bundles copied to a folder of their own, with `nimbus_init` (a script's
    text) beside it, or no nimbus-init at all: what a `--product nimbus` build of old left behind."""
    build = Path(os.environ['NIMBUS_BIN']).resolve().parent
    folder = tmp_path / 'install'
    folder.mkdir()
    shutil.copy2(str(build / 'nimbus'), str(folder / 'nimbus'))
    for bundle in build.glob('*.resources'):
        shutil.copytree(str(bundle), str(folder / bundle.name), symlinks=True)
    if nimbus_init is not None:
        (folder / 'nimbus-init').write_text(nimbus_init)
        (folder / 'nimbus-init').chmod(0o755)
    return folder / 'nimbus'


def serve(binary, tmp_path, **env):
    environment = dict(os.environ, NIMBUS_ACCESS_KEY_ID='a', NIMBUS_ACCESS_KEY_SECRET='b', **env)
    return subprocess.run([str(binary), 'serve', '--port', '0', '--data-dir', str(tmp_path / 'd')],
                          env=environment, capture_output=True, text=True, timeout=60)


def cgroup_folders(data_dir):
    """This data dir's cgroup folders (Nimbus names them by a digest of its path) on this host."""
    group = 'nimbus-' + hashlib.sha256(str(data_dir).encode()).hexdigest()[:12]
    return [path for path in Path('/sys/fs/cgroup').glob('*/' + group)] + list(Path('/sys/fs/cgroup').glob(group))


def refusal(result):
    """The one line a refused start prints (a sandbox-off warning may come before it)."""
    assert result.returncode != 0, 'nimbus started:\n' + result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if 'SANDBOX OFF' not in line]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith('nimbus: Nimbus cannot '), lines[0]
    return lines[0]


@pytest.mark.parametrize('sandbox', ['on', 'off'])
def test_a_build_without_nimbus_init_refuses_to_start(tmp_path, sandbox):
    binary = install(tmp_path)
    line = refusal(serve(binary, tmp_path, NIMBUS_SANDBOX=sandbox))
    assert 'nimbus-init is missing (no executable at {0})'.format(binary.parent / 'nimbus-init') in line, line
    assert 'swift build --product nimbus' in line, line


@pytest.mark.parametrize('sandbox', ['on', 'off'])
def test_a_nimbus_init_that_does_not_work_fails_the_trial_launch(tmp_path, sandbox):
    binary = install(tmp_path, nimbus_init=BROKEN_INIT)
    line = refusal(serve(binary, tmp_path, NIMBUS_SANDBOX=sandbox))
    assert 'nimbus-init ({0}) does not work'.format(binary.parent / 'nimbus-init') in line, line
    assert 'exited with status 3: nimbus-init: this is not nimbus-init' in line, line
    assert 'swift build --product nimbus' in line, line


def test_a_sandbox_that_cannot_start_a_program_refuses_to_start(tmp_path):
    """bubblewrap is there but does not work: the trial launch, not a file check, finds it."""
    fake = tmp_path / 'bwrap'
    fake.write_text('#!/bin/sh\necho "bwrap: No permissions to create new namespace" >&2\nexit 1\n')
    fake.chmod(0o755)
    line = refusal(serve(os.environ['NIMBUS_BIN'], tmp_path, NIMBUS_BWRAP=str(fake)))
    assert 'cannot sandbox function instances on this host' in line, line
    assert 'exited with status 1: bwrap: No permissions to create new namespace' in line, line
    assert 'NIMBUS_SANDBOX=off' in line, line
    assert cgroup_folders(tmp_path / 'd') == []  # a refused start leaves no cgroup folder behind


def test_a_working_install_starts_with_the_trial_passed(tmp_path):
    """The same copied install with the real nimbus-init beside it starts (the copy itself is not the fault)."""
    binary = install(tmp_path)
    shutil.copy2(str(Path(os.environ['NIMBUS_BIN']).resolve().parent / 'nimbus-init'),
                 str(binary.parent / 'nimbus-init'))
    proc, endpoint = start_server(tmp_path / 'd', binary=str(binary))
    try:
        assert requests.get(endpoint + '/health', timeout=10).json()['sandbox']['enabled'] is True
    finally:
        proc.terminate()
        proc.wait(timeout=30)
