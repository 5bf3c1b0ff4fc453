"""`nimbus build` and the build `nimbus deploy` runs: dependencies from requirements.txt and package.json,
installed for the runtime's interpreter, cached by the dependency files, invoked through the fc2 SDK."""

import base64
import hashlib
import io
import json
import os
import shutil
import subprocess
import time
import zipfile

import fc2
import pytest
import requests

from interop_util import ACCESS_KEY_ID, ACCESS_KEY_SECRET, signed_headers, unique

PYTHON = '/usr/bin/python3'  # the server's default python3 interpreter, and so the build's


def nimbus(endpoint, *args, **env):
    environment = dict(os.environ, NIMBUS_ENDPOINT=endpoint, NIMBUS_ACCESS_KEY_ID=ACCESS_KEY_ID,
                       NIMBUS_ACCESS_KEY_SECRET=ACCESS_KEY_SECRET,
                       # npm retries an unreachable registry for about 70 s by default
                       npm_config_fetch_retries='0', **env)
    return subprocess.run([os.environ['NIMBUS_BIN']] + list(args), env=environment, capture_output=True,
                          text=True, timeout=600)


def deploy(endpoint, project):
    out = nimbus(endpoint, 'deploy', str(project), '--output', 'json')
    assert out.returncode == 0, out.stdout + out.stderr
    return json.loads(out.stdout)


def function_step(result, name):
    return next(s for s in result['plan'] if s['kind'] == 'function' and s['name'] == name)


def write_wheel(directory, name, version, source):
    """A pure-Python wheel written by hand, so pip installs it with no index and no build backend."""
    dist = '{0}-{1}'.format(name, version)
    files = {
        name + '/__init__.py': source,
        dist + '.dist-info/METADATA': 'Metadata-Version: 2.1\nName: {0}\nVersion: {1}\n'.format(name, version),
        dist + '.dist-info/WHEEL': 'Wheel-Version: 1.0\nGenerator: nimbus-test\nRoot-Is-Purelib: true\n'
                                   'Tag: py3-none-any\n',
    }
    record = []
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b'=').decode()
        record.append('{0},sha256={1},{2}'.format(path, digest, len(text.encode())))
    files[dist + '.dist-info/RECORD'] = '\n'.join(record + [dist + '.dist-info/RECORD,,']) + '\n'
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / (dist + '-py3-none-any.whl')
    with zipfile.ZipFile(str(path), 'w') as archive:
        for name_in_zip, text in files.items():
            archive.writestr(name_in_zip, text)
    return path


def project(tmp_path, service, function, runtime, files):
    root = tmp_path / 'project'
    code = root / function
    for path, text in files.items():
        (code / path).parent.mkdir(parents=True, exist_ok=True)
        (code / path).write_text(text)
    (root / 's.yaml').write_text(
        'edition: 1.0.0\nservices:\n  {1}:\n    component: fc\n    props:\n      service: {{name: {0}}}\n'
        '      function: {{name: {1}, runtime: {2}, codeUri: ./{1}, handler: index.handler, timeout: 30}}\n'
        .format(service, function, runtime))
    return root, code


def deployed_names(client, service, function):
    url = client.get_function_code(service, function).data['url']
    return sorted(zipfile.ZipFile(io.BytesIO(requests.get(url, timeout=30).content)).namelist())


PY_HANDLER = 'import greet\n\ndef handler(event, context):\n    return greet.hello()\n'


def test_python_requirements_are_built_cached_and_rebuilt_on_change(client, endpoint, tmp_path):
    service = unique('build')
    root, code = project(tmp_path, service, 'api', 'python3', {
        'index.py': PY_HANDLER, '.fcignore': 'wheels/\n',
        'requirements.txt': '--no-index\n./wheels/greet-1.0-py3-none-any.whl\n'})
    write_wheel(code / 'wheels', 'greet', '1.0', 'def hello():\n    return "hello from greet 1.0"\n')
    source_before = sorted(p.name for p in code.iterdir())

    first = deploy(endpoint, root)
    assert [(b['function'], b['cached']) for b in first['builds']] == [(service + '/api', False)]
    assert client.invoke_function(service, 'api', payload=b'').data == b'hello from greet 1.0'
    names = deployed_names(client, service, 'api')
    assert 'greet/__init__.py' in names and 'index.py' in names
    assert not any(n.startswith('wheels/') for n in names), names  # .fcignore holds for the build too
    assert sorted(p.name for p in code.iterdir()) == source_before  # the code folder was not written to
    assert (root / '.nimbus' / 'build' / service / 'api' / 'code' / 'greet' / '__init__.py').is_file()

    # With the wheel gone, pip would fail: an unchanged requirements.txt must not run it.
    shutil.rmtree(str(code / 'wheels'))
    (code / 'index.py').write_text(PY_HANDLER.replace('greet.hello()', '"new code, " + greet.hello()'))
    again = deploy(endpoint, root)
    assert [b['cached'] for b in again['builds']] == [True]
    assert function_step(again, service + '/api')['changes'] == ['code']  # the user's change still goes
    assert client.invoke_function(service, 'api', payload=b'').data == b'new code, hello from greet 1.0'
    built = nimbus(endpoint, 'build', str(root))
    assert built.returncode == 0 and 'cached {0}/api (requirements.txt unchanged'.format(service) in built.stdout

    write_wheel(code / 'wheels2', 'greet', '2.0', 'def hello():\n    return "hello from greet 2.0"\n')
    (code / '.fcignore').write_text('wheels2/\n')
    (code / 'requirements.txt').write_text('--no-index\n./wheels2/greet-2.0-py3-none-any.whl\n')
    changed = deploy(endpoint, root)
    assert [b['cached'] for b in changed['builds']] == [False]
    assert client.invoke_function(service, 'api', payload=b'').data == b'new code, hello from greet 2.0'
    assert 'greet-2.0.dist-info/METADATA' in deployed_names(client, service, 'api')


def test_a_requirement_that_cannot_be_found_fails_the_deploy_naming_it(client, endpoint, tmp_path):
    service = unique('build')
    root, code = project(tmp_path, service, 'api', 'python3', {
        'index.py': PY_HANDLER, 'requirements.txt': '--no-index\nnosuchpkg==9.9\n'})
    out = nimbus(endpoint, 'deploy', str(root))
    assert out.returncode == 1, out.stdout + out.stderr
    assert 'cannot build {0}/api: pip install failed'.format(service) in out.stderr
    assert 'ERROR: No matching distribution found for nosuchpkg==9.9' in out.stderr
    assert service not in [s['serviceName'] for s in client.list_services(prefix=service).data['services']]
    skipped = nimbus(endpoint, 'deploy', str(root), '--skip-build')
    assert skipped.returncode == 0 and 'building' not in skipped.stdout, skipped.stdout + skipped.stderr


NODE_HANDLER = ("exports.handler = (event, context, callback) => "
                "callback(null, require('greet').hello() + ' on ' + process.version);\n")


def node_package(directory, version):
    directory.mkdir(parents=True, exist_ok=True)
    (directory / 'package.json').write_text(json.dumps({'name': 'greet', 'version': version, 'main': 'index.js'}))
    (directory / 'index.js').write_text('exports.hello = () => "hello from greet {0}";\n'.format(version))


def package_json(dependencies, **extra):
    return json.dumps(dict({'name': 'web', 'version': '1.0.0', 'dependencies': dependencies}, **extra))


def test_node_file_dependencies_are_built_cached_and_rebuilt_on_change(client, endpoint, tmp_path):
    service = unique('build')
    # a dev dependency the registry would be needed for: --omit=dev must not reach for it
    root, code = project(tmp_path, service, 'web', 'nodejs18', {
        'index.js': NODE_HANDLER,
        'package.json': package_json({'greet': 'file:../greet'}, devDependencies={'nimbus-no-such-dev': '1.0.0'})})
    node_package(root / 'greet', '1.0.0')
    first = deploy(endpoint, root)
    assert [b['cached'] for b in first['builds']] == [False]
    answer = client.invoke_function(service, 'web', payload=b'').data.decode()
    assert answer.startswith('hello from greet 1.0.0 on v'), answer
    assert 'node_modules/greet/index.js' in deployed_names(client, service, 'web')
    assert not (code / 'node_modules').exists()

    shutil.rmtree(str(root / 'greet'))  # npm would fail now: the cache must keep it from running
    again = deploy(endpoint, root)
    assert [b['cached'] for b in again['builds']] == [True]
    assert function_step(again, service + '/web')['action'] == 'unchanged'

    node_package(root / 'greet2', '2.0.0')
    (code / 'package.json').write_text(package_json({'greet': 'file:../greet2'}))
    changed = deploy(endpoint, root)
    assert [b['cached'] for b in changed['builds']] == [False]
    assert client.invoke_function(service, 'web', payload=b'').data.decode().startswith('hello from greet 2.0.0')

    (code / 'package.json').write_text(package_json({'greet': 'file:../greet2', 'nimbus-no-such-pkg': '1.0.0'}))
    out = nimbus(endpoint, 'deploy', str(root))
    assert out.returncode == 1, out.stdout + out.stderr
    assert 'cannot build {0}/web: npm install failed'.format(service) in out.stderr
    assert 'nimbus-no-such-pkg' in out.stderr


def pypi_reachable():
    out = subprocess.run([PYTHON, '-m', 'pip', 'index', 'versions', 'markupsafe', '--retries', '0', '--timeout',
                          '5', '--disable-pip-version-check'], capture_output=True, text=True, timeout=60)
    return out.returncode == 0


def test_a_native_wheel_is_installed_for_the_runtimes_interpreter(client, endpoint, tmp_path):
    if not pypi_reachable():
        pytest.skip('the package index is not reachable from here')
    service = unique('build')
    root, code = project(tmp_path, service, 'api', 'python3', {
        'requirements.txt': 'markupsafe\n',
        'index.py': 'import markupsafe\nfrom markupsafe import _speedups\n\ndef handler(event, context):\n'
                    '    return str(markupsafe.escape("<b>")) + " " + _speedups.__file__.rsplit("/", 1)[-1]\n'})
    deploy(endpoint, root)
    tag = subprocess.run([PYTHON, '-c', 'import sys; print(sys.implementation.cache_tag)'], capture_output=True,
                         text=True, check=True).stdout.strip()  # cpython-311
    answer = client.invoke_function(service, 'api', payload=b'').data.decode()
    assert answer.startswith('&lt;b&gt; _speedups.' + tag), answer
    assert answer.endswith('.so'), answer


THUMBNAIL = '''import io

from PIL import Image


def handler(event, context):
    """A 64x64 thumbnail of a generated 1024x768 image, as PNG bytes."""
    image = Image.new('RGB', (1024, 768), (200, 40, 40))
    image.thumbnail((64, 64))
    out = io.BytesIO()
    image.save(out, format='PNG')
    return out.getvalue()
'''


def test_pillow_makes_a_thumbnail_inside_the_sandbox(client, endpoint, tmp_path):
    """A C extension with its own shared libraries (Pillow's wheel bundles libjpeg, libpng, zlib ...), built
    for the runtime's interpreter, loads under the sandbox's read-only mounts and its memory limit."""
    if not pypi_reachable():
        pytest.skip('the package index is not reachable from here')
    service = unique('build')
    root, _ = project(tmp_path, service, 'thumb', 'python3', {'requirements.txt': 'pillow\n', 'index.py': THUMBNAIL})
    deploy(endpoint, root)
    png = client.invoke_function(service, 'thumb', payload=b'').data
    assert png[:8] == b'\x89PNG\r\n\x1a\n', png[:200]
    # The IHDR chunk holds width and height: 64 x 48 keeps the 4:3 aspect.
    assert (int.from_bytes(png[16:20], 'big'), int.from_bytes(png[20:24], 'big')) == (64, 48)


def test_a_missing_shared_library_is_named_in_the_error_and_the_log(client, endpoint, tmp_path):
    """An extension whose shared library is not inside the sandbox: the caller gets FC's error naming the
    import that failed, at once (not a hang), and the function's log says the same."""
    service = unique('build')
    broken = 'import ctypes\nctypes.CDLL("libnimbus-not-installed.so.1")\n\ndef handler(event, context):\n    return b"no"\n'
    root, _ = project(tmp_path, service, 'broken', 'python3', {'index.py': broken})
    deploy(endpoint, root)
    began = time.monotonic()
    with pytest.raises(fc2.FcError) as info:
        client.invoke_function(service, 'broken', payload=b'')
    assert time.monotonic() - began < 20, 'the failed import took too long to be reported'
    assert 'libnimbus-not-installed.so.1' in info.value.message, info.value.message
    deadline = time.monotonic() + 10
    while True:
        logs = requests.get(endpoint + '/2016-08-15/services/{0}/functions/broken/logs'.format(service),
                            headers=signed_headers('GET', '/2016-08-15/services/{0}/functions/broken/logs'
                                                   .format(service)),
                            timeout=10).json()['logs']
        if any('libnimbus-not-installed.so.1' in line['message'] for line in logs) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert any('libnimbus-not-installed.so.1' in line['message'] for line in logs), logs

