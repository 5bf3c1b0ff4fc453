"""Layers through the official SDKs (#21 item 2). `aliyun-fc2` has no layer calls, so the 2.0 API is driven
through the 2021-04-06 SDK (`alibabacloud_fc_open20210406`), the 3.0 API through `alibabacloud_fc20230330`:
publish, list, get and delete; attaching to a function is refused until layers are mounted in the sandbox.
Mounting a layer's files under /opt in the sandbox is not served yet, so nothing here imports from a layer."""

import base64

import pytest
from alibabacloud_fc20230330 import models as fc3
from alibabacloud_fc20230330.client import Client as Client3
from alibabacloud_fc_open20210406 import models as fc21
from alibabacloud_fc_open20210406.client import Client
from alibabacloud_tea_openapi import models as open_models
from alibabacloud_tea_openapi.exceptions import ClientException, ServerException

from interop_util import ACCESS_KEY_ID, ACCESS_KEY_SECRET, ACCOUNT_ID, HANDLER_SRC, REGION, unique


def _config(endpoint):
    return open_models.Config(access_key_id=ACCESS_KEY_ID, access_key_secret=ACCESS_KEY_SECRET,
                              endpoint=endpoint.split('://', 1)[1], protocol='http', read_timeout=60000)


@pytest.fixture(scope='module')
def fc(endpoint):
    return Client(_config(endpoint))


@pytest.fixture(scope='module')
def fc30(endpoint):
    return Client3(_config(endpoint))


def _b64(make_zip, files):
    with open(make_zip(files), 'rb') as archive:
        return base64.b64encode(archive.read()).decode()


def _refused(call, status, code):
    with pytest.raises((ClientException, ServerException)) as info:
        call()
    assert (info.value.status_code, info.value.code) == (status, code), str(info.value)
    return info.value


def _arn(name, version):
    return 'acs:fc:{0}:{1}:layers/{2}/versions/{3}'.format(REGION, ACCOUNT_ID, name, version)


def test_publish_attach_refuse_delete(fc, make_zip):
    first, second = unique('la'), unique('lb')
    one = fc.create_layer_version(first, fc21.CreateLayerVersionRequest(
        code=fc21.Code(zip_file=_b64(make_zip, {'python/a.py': 'A = 1\n', 'python/same.py': 'WHO = "a"\n'})),
        compatible_runtime=['python3'], description='first')).body
    assert (one.layer_name, one.version, one.description, one.compatible_runtime) == (
        first, 1, 'first', ['python3'])
    assert one.arn == _arn(first, 1)
    assert one.codesize > 0 and one.code_checksum and one.code.location
    again = fc.create_layer_version(first, fc21.CreateLayerVersionRequest(
        code=fc21.Code(zip_file=_b64(make_zip, {'python/a.py': 'A = 2\n'})), compatible_runtime=['python3'])).body
    assert again.version == 2
    fc.create_layer_version(second, fc21.CreateLayerVersionRequest(
        code=fc21.Code(zip_file=_b64(make_zip, {'python/b.py': 'B = 1\n', 'python/same.py': 'WHO = "b"\n'})),
        compatible_runtime=['python3']))

    got = fc.get_layer_version(first, '1').body
    assert (got.version, got.code_checksum) == (1, one.code_checksum)
    versions = fc.list_layer_versions(first, fc21.ListLayerVersionsRequest(limit=1)).body
    assert [v.version for v in versions.layers] == [1] and versions.next_version == 2
    listed = {l.layer_name: l.version for l in fc.list_layers(fc21.ListLayersRequest(limit=100)).body.layers}
    assert listed[first] == 2 and listed[second] == 1
    _refused(lambda: fc.get_layer_version(first, '9'), 404, 'LayerNotFound')

    service, function = unique('svc'), unique('fn')
    fc.create_service(fc21.CreateServiceRequest(service_name=service))
    code = fc21.Code(zip_file=_b64(make_zip, {'index.py': HANDLER_SRC}))
    missing = _arn(first, 9)
    error = _refused(lambda: fc.create_function(service, fc21.CreateFunctionRequest(
        function_name=function, runtime='python3', handler='index.handler', code=code, layers=[missing])),
        400, 'InvalidArgument')
    assert missing in error.message
    # Existing versions, but layers are not mounted in the sandbox yet: attaching says so (501) rather than
    # run the function without their files. The in-use refusal of a delete is in LayerStoreContractTests.
    layers = [_arn(first, 1), _arn(second, 1)]
    error = _refused(lambda: fc.create_function(service, fc21.CreateFunctionRequest(
        function_name=function, runtime='python3', handler='index.handler', code=code, layers=layers)),
        501, 'NotImplemented')
    assert 'does not mount them' in error.message
    fc.create_function(service, fc21.CreateFunctionRequest(
        function_name=function, runtime='python3', handler='index.handler', code=code))
    fc.delete_layer_version(first, '1')
    _refused(lambda: fc.get_layer_version(first, '1'), 404, 'LayerNotFound')
    fc.delete_layer_version(second, '1')
    fc.delete_layer_version(first, '2')
    fc.delete_function(service, function)
    fc.delete_service(service)


def test_fc3_layers(fc30, make_zip):
    name = unique('l3')
    made = fc30.create_layer_version(name, fc3.CreateLayerVersionRequest(body=fc3.CreateLayerVersionInput(
        code=fc3.InputCodeLocation(zip_file=_b64(make_zip, {'python/c.py': 'C = 1\n'})),
        compatible_runtime=['python3.10'], description='three'))).body
    assert (made.layer_name, made.version, made.layer_version_arn) == (name, 1, _arn(name, 1))
    by_arn = fc30.get_layer_version_by_arn(made.layer_version_arn).body
    assert (by_arn.layer_name, by_arn.version, by_arn.compatible_runtime) == (name, 1, ['python3.10'])
    listed = fc30.list_layer_versions(name, fc3.ListLayerVersionsRequest()).body
    assert [v.version for v in listed.layers] == [1]
    assert name in [l.layer_name for l in fc30.list_layers(fc3.ListLayersRequest(limit=100)).body.layers]
    fc30.delete_layer_version(name, '1')
    _refused(lambda: fc30.get_layer_version(name, '1'), 404, 'LayerNotFound')
