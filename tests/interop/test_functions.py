"""Functions: create from zip / directory, code download, partial update, listing, conflicts."""

import io
import zipfile
from pathlib import Path
from urllib.parse import urlparse

import pytest
import requests

from interop_util import HANDLER_SRC, crc64, raises_fc


def download_code(client, service, function):
    """get_function_code + GET of the returned url; returns (code data, zip bytes)."""
    code = client.get_function_code(service, function).data
    assert code.get('url') and code.get('checksum'), code
    assert urlparse(code['url']).hostname == '127.0.0.1', 'code url must point at the local server: ' + code['url']
    resp = requests.get(code['url'], timeout=60)
    assert resp.status_code == 200, resp.text[:300]
    return code, resp.content


def test_create_function_from_zip(client, service, make_zip):
    zpath = make_zip({'index.py': HANDLER_SRC, 'lib/util.py': 'X = 1\n'})
    zbytes = Path(zpath).read_bytes()
    env = {'GREETING': 'hello', 'MODE': 'interop'}
    resp = client.create_function(service, 'fn', 'python3', 'index.handler', codeZipFile=zpath,
                                  description='zip fn', memorySize=128, timeout=10,
                                  environmentVariables=env)
    data = resp.data
    assert isinstance(data['functionId'], str) and data['functionId']
    assert data['functionName'] == 'fn'
    assert data['runtime'] == 'python3'
    assert data['handler'] == 'index.handler'
    assert data['description'] == 'zip fn'
    assert data['memorySize'] == 128
    assert data['timeout'] == 10
    assert data['codeSize'] == len(zbytes)
    assert data['codeChecksum'] == str(crc64(zbytes))
    assert data['instanceType'] == 'e1'
    assert data['initializationTimeout'] == 30  # the SDK always sends 30 unless told otherwise
    assert data['environmentVariables'] == env
    assert data.get('createdTime') and data.get('lastModifiedTime')
    assert resp.headers.get('etag')

    got = client.get_function(service, 'fn')
    for key in ('functionId', 'codeSize', 'codeChecksum', 'memorySize', 'timeout', 'handler', 'runtime',
                'environmentVariables', 'instanceType', 'initializationTimeout', 'createdTime'):
        assert got.data[key] == data[key], key
    assert got.headers.get('etag') == resp.headers['etag']


def test_function_code_download_roundtrip(client, service, make_zip):
    zpath = make_zip({'index.py': HANDLER_SRC})
    zbytes = Path(zpath).read_bytes()
    created = client.create_function(service, 'fn', 'python3', 'index.handler', codeZipFile=zpath).data
    code, downloaded = download_code(client, service, 'fn')
    assert code['checksum'] == created['codeChecksum'] == str(crc64(zbytes))
    assert downloaded == zbytes


def test_create_function_from_code_dir(client, service, tmp_path):
    src = tmp_path / 'src'
    (src / 'lib').mkdir(parents=True)
    (src / 'index.py').write_text(HANDLER_SRC)
    (src / 'lib' / 'helper.py').write_text('VALUE = 42\n')
    data = client.create_function(service, 'dirfn', 'python3', 'index.handler', codeDir=str(src)).data
    code, downloaded = download_code(client, service, 'dirfn')
    assert data['codeSize'] == len(downloaded)
    assert data['codeChecksum'] == code['checksum'] == str(crc64(downloaded))
    with zipfile.ZipFile(io.BytesIO(downloaded)) as zf:
        assert zf.read('index.py').decode() == HANDLER_SRC
        assert zf.read('lib/helper.py').decode() == 'VALUE = 42\n'


def test_update_function_is_partial_and_clears_env(client, service, make_zip):
    created = client.create_function(service, 'fn', 'python3', 'index.handler',
                                     codeZipFile=make_zip({'index.py': HANDLER_SRC}), description='keep me',
                                     memorySize=128, timeout=10, environmentVariables={'A': '1', 'B': '2'}).data

    updated = client.update_function(service, 'fn', description='new description').data
    assert updated['description'] == 'new description'
    assert updated['environmentVariables'] == {'A': '1', 'B': '2'}
    assert updated['memorySize'] == 128

    cleared = client.update_function(service, 'fn', environmentVariables={}).data
    assert cleared['environmentVariables'] == {}
    for key in ('functionId', 'runtime', 'handler', 'memorySize', 'timeout', 'codeChecksum', 'codeSize',
                'createdTime', 'instanceType'):
        assert cleared[key] == created[key], key
    assert cleared['description'] == 'new description'

    got = client.get_function(service, 'fn').data
    assert got['environmentVariables'] == {}
    assert got['description'] == 'new description'
    assert got['timeout'] == 10


def test_update_function_code_changes_checksum(client, service, make_zip):
    old = client.create_function(service, 'fn', 'python3', 'index.handler',
                                 codeZipFile=make_zip({'index.py': HANDLER_SRC})).data
    new_zip = make_zip({'index.py': 'def handler(event, context):\n    return b"v2"\n', 'extra.txt': 'v2' * 50})
    new_bytes = Path(new_zip).read_bytes()
    new = client.update_function(service, 'fn', codeZipFile=new_zip).data
    assert new['codeChecksum'] == str(crc64(new_bytes))
    assert new['codeChecksum'] != old['codeChecksum']
    assert new['codeSize'] == len(new_bytes)
    assert new['functionId'] == old['functionId']
    code, downloaded = download_code(client, service, 'fn')
    assert downloaded == new_bytes
    assert code['checksum'] == new['codeChecksum']


def test_list_functions_pagination(client, service, make_zip):
    zpath = make_zip({'index.py': HANDLER_SRC})
    for name in ('fn_c', 'fn_a', 'other', 'fn_b'):
        client.create_function(service, name, 'python3', 'index.handler', codeZipFile=zpath)

    pages, token = [], None
    for _ in range(10):
        data = client.list_functions(service, limit=2, prefix='fn_', nextToken=token).data
        pages.append([f['functionName'] for f in data['functions']])
        token = data.get('nextToken')
        if not token:
            break
    else:
        pytest.fail('list_functions pagination did not terminate')
    assert pages == [['fn_a', 'fn_b'], ['fn_c']]
    assert 'nextToken' not in data

    names = [f['functionName'] for f in client.list_functions(service).data['functions']]
    assert names == ['fn_a', 'fn_b', 'fn_c', 'other']
    names = [f['functionName'] for f in client.list_functions(service, startKey='fn_b').data['functions']]
    assert names == ['fn_b', 'fn_c', 'other']


def test_list_functions_of_empty_service(client, service):
    data = client.list_functions(service).data
    assert data['functions'] == []
    assert 'nextToken' not in data


def test_duplicate_function_conflicts(client, function, make_zip):
    service, name = function
    with raises_fc(409, 'FunctionAlreadyExists'):
        client.create_function(service, name, 'python3', 'index.handler',
                               codeZipFile=make_zip({'index.py': HANDLER_SRC}))


def test_unknown_function_is_404(client, service):
    with raises_fc(404, 'FunctionNotFound'):
        client.get_function(service, 'no_such_fn')
    with raises_fc(404, 'FunctionNotFound'):
        client.get_function_code(service, 'no_such_fn')
    with raises_fc(404, 'FunctionNotFound'):
        client.update_function(service, 'no_such_fn', description='x')
    with raises_fc(404, 'FunctionNotFound'):
        client.delete_function(service, 'no_such_fn')


def test_function_in_unknown_service_is_404(client, unique_name, make_zip):
    missing = unique_name('missing')
    with raises_fc(404, 'ServiceNotFound'):
        client.create_function(missing, 'fn', 'python3', 'index.handler',
                               codeZipFile=make_zip({'index.py': HANDLER_SRC}))
    with raises_fc(404, 'ServiceNotFound'):
        client.list_functions(missing)


def test_invalid_function_name_rejected(client, service, make_zip):
    with raises_fc(400, 'InvalidArgument'):
        client.create_function(service, 'f' * 65, 'python3', 'index.handler',
                               codeZipFile=make_zip({'index.py': HANDLER_SRC}))


def test_delete_function_with_trigger_conflicts(client, function):
    service, name = function
    client.create_trigger(service, name, 'web', 'http', {'authType': 'anonymous', 'methods': ['GET']}, None, None)
    with raises_fc(409, 'FunctionNotEmpty'):
        client.delete_function(service, name)
    client.get_function(service, name)  # still there
    client.delete_trigger(service, name, 'web')
    client.delete_function(service, name)
    with raises_fc(404, 'FunctionNotFound'):
        client.get_function(service, name)


def test_function_etag_precondition(client, function):
    service, name = function
    etag = client.get_function(service, name).headers['etag']
    assert etag
    with raises_fc(412, 'PreconditionFailed'):
        client.update_function(service, name, description='x', headers={'if-match': 'bogus'})
    with raises_fc(412, 'PreconditionFailed'):
        client.delete_function(service, name, headers={'if-match': 'bogus'})
    updated = client.update_function(service, name, description='x', headers={'if-match': etag})
    assert updated.data['description'] == 'x'
    client.delete_function(service, name, headers={'if-match': updated.headers['etag']})
    with raises_fc(404, 'FunctionNotFound'):
        client.get_function(service, name)
