"""The 2021-04-06 prefix through the official `alibabacloud_fc_open20210406` SDK, which signs every call with
ACS3-HMAC-SHA256 (fc3-api spec sections 2 and 7): a user's order of calls, a wrong secret, a replayed request,
and ACS3 on the 2016-08-15 prefix (through the warm lane once the function is warm)."""

import base64
import json
import time

import pytest
import requests
from alibabacloud_fc_open20210406 import models as fc21
from alibabacloud_fc_open20210406.client import Client
from alibabacloud_tea_openapi import models as open_models
from alibabacloud_tea_openapi.exceptions import ClientException, ServerException
from alibabacloud_tea_util import models as util_models
from darabonba.core import DaraCore

from interop_util import (ACCESS_KEY_ID, ACCESS_KEY_SECRET, ACCOUNT_ID, HANDLER_SRC, REGION, SECURITY_TOKEN,
                          lane_calls, unique)

API = '/2021-04-06'


def _client(endpoint, secret=ACCESS_KEY_SECRET, token=None):
    host = endpoint.split('://', 1)[1]
    return Client(open_models.Config(access_key_id=ACCESS_KEY_ID, access_key_secret=secret, security_token=token,
                                     endpoint=host, protocol='http', read_timeout=60000))


@pytest.fixture(scope='module')
def fc(endpoint):
    return _client(endpoint)


@pytest.fixture
def sent(monkeypatch):
    """Every request the SDK sends, as it goes on the wire (method, url, headers, body)."""
    requests_sent = []
    original = DaraCore.do_action

    def recording(request, runtime_option=None):
        body = request.body.encode('utf-8') if isinstance(request.body, str) else request.body
        requests_sent.append((request.method, DaraCore.compose_url(request), dict(request.headers), body))
        return original(request, runtime_option)
    monkeypatch.setattr(DaraCore, 'do_action', staticmethod(recording))
    return requests_sent


def _zip_base64(make_zip):
    with open(make_zip({'index.py': HANDLER_SRC}), 'rb') as archive:
        return base64.b64encode(archive.read()).decode()


def _refused(call, status, code):
    with pytest.raises((ClientException, ServerException)) as info:
        call()
    assert (info.value.status_code, info.value.code) == (status, code), str(info.value)
    assert info.value.request_id
    return info.value


def test_a_users_order_of_calls(fc, make_zip):
    service, function = unique('svc'), unique('fn')
    created = fc.create_service(fc21.CreateServiceRequest(service_name=service, description='from 2021')).body
    assert created.service_name == service
    listed = fc.list_services(fc21.ListServicesRequest(prefix=service, limit=10)).body
    assert [s.service_name for s in listed.services] == [service]

    made = fc.create_function(service, fc21.CreateFunctionRequest(
        function_name=function, runtime='python3', handler='index.handler', memory_size=128, timeout=10,
        code=fc21.Code(zip_file=_zip_base64(make_zip)))).body
    assert (made.function_name, made.runtime, made.memory_size) == (function, 'python3', 128)
    assert [f.function_name for f in fc.list_functions(service, fc21.ListFunctionsRequest()).body.functions] == [
        function]
    # UpdateFunction sends `InstanceConcurrency` capitalised; Nimbus matches body keys in any case.
    updated = fc.update_function(service, function, fc21.UpdateFunctionRequest(
        description='second', instance_concurrency=2)).body
    assert (updated.description, updated.instance_concurrency) == ('second', 2)
    assert fc.get_function(service, function, fc21.GetFunctionRequest()).body.description == 'second'

    version = fc.publish_service_version(service, fc21.PublishServiceVersionRequest(description='v1')).body
    fc.update_function(service, function, fc21.UpdateFunctionRequest(description='third'))
    pinned = fc.get_function(service, function, fc21.GetFunctionRequest(qualifier=version.version_id)).body
    assert pinned.description == 'second', 'qualifier= reads the version'
    assert fc.get_function(service, function, fc21.GetFunctionRequest()).body.description == 'third'

    answer = fc.invoke_function(service, function, fc21.InvokeFunctionRequest(body=b'{"hello": "2021"}')).body
    assert json.loads(answer) == {'hello': '2021'}
    answer = fc.invoke_function(service, function, fc21.InvokeFunctionRequest(
        body=b'pinned', qualifier=version.version_id)).body
    assert answer == b'pinned'

    config = json.dumps({'authType': 'anonymous', 'methods': ['GET', 'POST']})
    trigger = fc.create_trigger(service, function, fc21.CreateTriggerRequest(
        trigger_name='web', trigger_type='http', trigger_config=config)).body
    assert json.loads(trigger.trigger_config) == json.loads(config), 'triggerConfig comes back as a string'
    listed = fc.list_triggers(service, function, fc21.ListTriggersRequest()).body.triggers
    assert [t.trigger_name for t in listed] == ['web'] and isinstance(listed[0].trigger_config, str)

    fc.delete_trigger(service, function, 'web')
    fc.delete_function(service, function)
    _refused(lambda: fc.get_function(service, function, fc21.GetFunctionRequest()), 404, 'FunctionNotFound')
    fc.delete_service_version(service, version.version_id)
    fc.delete_service(service)
    _refused(lambda: fc.get_service(service, fc21.GetServiceRequest()), 404, 'ServiceNotFound')


def test_spaces_and_non_ascii_in_paths_and_queries_verify(fc):
    """The verifier signs the path as sent and the query form-decoded and re-encoded, as the SDK does."""
    assert fc.list_services(fc21.ListServicesRequest(prefix='my fn/ü*~', limit=3)).body.services == []
    service = unique('svc')
    fc.create_service(fc21.CreateServiceRequest(service_name=service, description='dé ü 汉字'))
    error = _refused(lambda: fc.get_function(service, 'fn with space', fc21.GetFunctionRequest(qualifier='LATEST')),
                     404, 'FunctionNotFound')
    assert 'fn with space' in str(error)
    assert fc.get_service(service, fc21.GetServiceRequest()).body.description == 'dé ü 汉字'


def test_an_async_invocation_and_its_record(fc, make_zip):
    service, function = unique('svc'), unique('fn')
    fc.create_service(fc21.CreateServiceRequest(service_name=service))
    fc.create_function(service, fc21.CreateFunctionRequest(
        function_name=function, runtime='python3', handler='index.handler', memory_size=128, timeout=10,
        code=fc21.Code(zip_file=_zip_base64(make_zip))))
    invocation = unique('inv')
    headers = fc21.InvokeFunctionHeaders(x_fc_invocation_type='Async', x_fc_stateful_async_invocation_id=invocation,
                                         x_fc_stateful_async_invocation_enable='true')
    accepted = fc.invoke_function_with_options(service, function, fc21.InvokeFunctionRequest(body=b'later'), headers,
                                               util_models.RuntimeOptions())
    assert accepted.status_code == 202
    deadline = time.time() + 30
    while True:
        record = fc.get_stateful_async_invocation(service, function, invocation,
                                                  fc21.GetStatefulAsyncInvocationRequest(qualifier='LATEST')).body
        if record.status in ('Succeeded', 'Failed') or time.time() > deadline:
            break
        time.sleep(0.2)
    assert (record.status, record.invocation_id, record.qualifier) == ('Succeeded', invocation, 'LATEST')


def test_tags_untag_with_put(fc):
    service = unique('svc')
    fc.create_service(fc21.CreateServiceRequest(service_name=service))
    arn = 'acs:fc:local:1234567890:services/' + service
    fc.tag_resource(fc21.TagResourceRequest(resource_arn=arn, tags={'team': 'a', 'env': 'test'}))
    fc.untag_resource(fc21.UntagResourceRequest(resource_arn=arn, tag_keys=['team'], all=False))
    assert fc.get_resource_tags(fc21.GetResourceTagsRequest(resource_arn=arn)).body.tags == {'env': 'test'}


def test_a_wrong_secret_is_refused(endpoint, assert_alive):
    bad = _client(endpoint, secret='not-the-secret')
    _refused(lambda: bad.list_services(fc21.ListServicesRequest()), 403, 'SignatureNotMatch')
    name = unique('svc')
    _refused(lambda: bad.create_service(fc21.CreateServiceRequest(service_name=name)), 403, 'SignatureNotMatch')
    _refused(lambda: _client(endpoint).get_service(name, fc21.GetServiceRequest()), 404, 'ServiceNotFound')
    assert_alive()


def test_a_security_token_is_checked(endpoint):
    assert _client(endpoint, token=SECURITY_TOKEN).list_services(fc21.ListServicesRequest(limit=1)).body
    _refused(lambda: _client(endpoint, token='stolen').list_services(fc21.ListServicesRequest()), 403,
             'InvalidSecurityToken')


def test_a_replayed_request_is_refused(fc, sent):
    name = unique('svc')
    fc.create_service(fc21.CreateServiceRequest(service_name=name))
    method, url, headers, body = sent[-1]
    authorization = {k.lower(): v for k, v in headers.items()}['authorization']
    assert authorization.startswith('ACS3-HMAC-SHA256 Credential=' + ACCESS_KEY_ID)
    fc.delete_service(name)
    replay = requests.request(method, url, headers=headers, data=body, timeout=30)
    assert replay.status_code == 403, replay.text
    assert replay.json()['Code'] == 'SignatureNonceUsed'
    _refused(lambda: fc.get_service(name, fc21.GetServiceRequest()), 404, 'ServiceNotFound')
    # The same request signed again (a new nonce) goes through.
    fc.create_service(fc21.CreateServiceRequest(service_name=name))


def test_a_body_changed_after_signing_is_refused(fc, monkeypatch):
    """The head verifies (fresh nonce, valid signature), but the body is not the one whose hash was signed."""
    evil = unique('evil')
    original = DaraCore.do_action

    def forging(request, runtime_option=None):
        request.body = json.dumps({'serviceName': evil}).encode()
        return original(request, runtime_option)
    monkeypatch.setattr(DaraCore, 'do_action', staticmethod(forging))
    _refused(lambda: fc.create_service(fc21.CreateServiceRequest(service_name=unique('svc'))), 403,
             'SignatureNotMatch')
    monkeypatch.undo()
    _refused(lambda: fc.get_service(evil, fc21.GetServiceRequest()), 404, 'ServiceNotFound')


def test_acs3_on_the_2016_prefix_through_the_warm_lane(fc, endpoint, make_zip, sent, monkeypatch):
    """The 2021 SDK's generic ROA call signs any path: a 2016-08-15 invocation signed with ACS3 is answered, warm
    by the lane, which verifies through the same authenticator (a replay there is refused too)."""
    service, function = unique('svc'), unique('fn')
    fc.create_service(fc21.CreateServiceRequest(service_name=service))
    fc.create_function(service, fc21.CreateFunctionRequest(
        function_name=function, runtime='python3', handler='index.handler', memory_size=128, timeout=10,
        code=fc21.Code(zip_file=_zip_base64(make_zip))))
    path = '/2016-08-15/services/{0}/functions/{1}/invocations'.format(service, function)
    params = open_models.Params(action='InvokeFunction', version='2021-04-06', protocol='HTTP', pathname=path,
                                method='POST', auth_type='AK', style='ROA', req_body_type='json', body_type='byte')

    def invoke(payload):
        request = open_models.OpenApiRequest(body=payload)
        return fc.call_api(params, request, util_models.RuntimeOptions())['body']

    assert invoke('cold') == b'cold'  # the first call starts the instance: the router
    before = lane_calls(endpoint)
    for index in range(5):
        assert invoke('warm{0}'.format(index)) == 'warm{0}'.format(index).encode()
    deadline = time.time() + 10
    while lane_calls(endpoint) < before + 1 and time.time() < deadline:
        time.sleep(0.1)
    assert lane_calls(endpoint) > before, 'no ACS3-signed call was answered by the warm lane'

    # A replay of a call the lane answered is refused (the lane and the router share one nonce ledger) ...
    method, url, headers, body = sent[-1]
    replay = requests.request(method, url, headers=headers, data=body, timeout=30)
    assert replay.status_code == 403 and replay.json()['Code'] == 'SignatureNonceUsed', replay.text
    # ... and so is a body other than the one signed, with a fresh nonce and a valid signature over the head.
    recording = DaraCore.do_action

    def forging(request, runtime_option=None):
        request.body = b'forged'
        return recording(request, runtime_option)
    monkeypatch.setattr(DaraCore, 'do_action', staticmethod(forging))
    _refused(lambda: invoke('signed'), 403, 'SignatureNotMatch')


WSGI_SRC = """def handler(environ, start_response):
    body = environ['wsgi.input'].read(int(environ.get('CONTENT_LENGTH') or 0))
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [b'seen:' + body]
"""


def _web_function(fc, make_zip, auth):
    """A new service with a WSGI function behind an HTTP trigger (`authType` auth, POST): (service, function)."""
    service, function = unique('svc'), unique('fn')
    fc.create_service(fc21.CreateServiceRequest(service_name=service))
    with open(make_zip({'index.py': WSGI_SRC}), 'rb') as archive:
        code = base64.b64encode(archive.read()).decode()
    fc.create_function(service, fc21.CreateFunctionRequest(
        function_name=function, runtime='python3', handler='index.handler', memory_size=128, timeout=10,
        code=fc21.Code(zip_file=code)))
    fc.create_trigger(service, function, fc21.CreateTriggerRequest(
        trigger_name='web', trigger_type='http', trigger_config=json.dumps({'authType': auth, 'methods': ['POST']})))
    return service, function


def test_an_acs3_signed_call_to_a_function_auth_http_trigger(fc, endpoint, make_zip, sent):
    """HTTP triggers with `authType: function` check the signature through the same verifier: ACS3 works there."""
    service, function = _web_function(fc, make_zip, 'function')
    path = '/2016-08-15/proxy/{0}/{1}/items'.format(service, function)
    assert requests.post(endpoint + path, data=b'x', timeout=30).status_code == 403, 'unsigned must be refused'
    params = open_models.Params(action='HttpTrigger', version='2021-04-06', protocol='HTTP', pathname=path,
                                method='POST', auth_type='AK', style='ROA', req_body_type='json', body_type='byte')
    answer = fc.call_api(params, open_models.OpenApiRequest(body='hello'), util_models.RuntimeOptions())
    assert answer['body'] == b'seen:hello'
    method, url, headers, body = sent[-1]
    replay = requests.request(method, url, headers=headers, data=body, timeout=30)
    assert replay.status_code == 403 and replay.json()['Code'] == 'SignatureNonceUsed', replay.text
    # The SDK's own HTTP-trigger helper signs with the FC scheme, its query in the order sent.
    helper = fc.invoke_httptrigger(endpoint + path + '?b=2&a=x+y', 'POST', b'via helper', {})
    assert (helper.status_code, helper.content) == (200, b'seen:via helper'), helper.text
    wrong = _client(endpoint, secret='not-the-secret')
    with pytest.raises(ClientException) as info:
        wrong.call_api(params, open_models.OpenApiRequest(body='hello'), util_models.RuntimeOptions())
    assert (info.value.status_code, info.value.code) == (403, 'SignatureNotMatch')


def test_http_triggers_answer_under_the_2021_prefix(fc, endpoint, make_zip):
    """`/2021-04-06/proxy/{service}.{qualifier}/{function}/...` is an HTTP-trigger path as 2016-08-15's is:
    anonymous triggers answer unsigned, `function` ones need a signature (FC scheme, the SDK's helper)."""
    service, function = _web_function(fc, make_zip, 'anonymous')
    path = '/2021-04-06/proxy/{0}.LATEST/{1}/items'.format(service, function)
    for _ in range(3):  # cold, then warm: the warm lane parses the same paths
        answer = requests.post(endpoint + path, data=b'open', timeout=30)
        assert (answer.status_code, answer.content) == (200, b'seen:open'), answer.text
    fc.update_trigger(service, function, 'web', fc21.UpdateTriggerRequest(
        trigger_config=json.dumps({'authType': 'function', 'methods': ['POST']})))
    deadline = time.time() + 10
    while requests.post(endpoint + path, data=b'x', timeout=30).status_code != 403:
        assert time.time() < deadline, 'an unsigned call to a function-auth trigger was not refused'
        time.sleep(0.1)
    helper = fc.invoke_httptrigger(endpoint + path, 'POST', b'signed', {})
    assert (helper.status_code, helper.content) == (200, b'seen:signed'), helper.text


def test_tagged_resources_vpc_bindings_and_layers_arn_v2(fc, make_zip):
    """2021-04-06's own reads: `GET /tags` lists tagged services, a service has no VPC bindings (binding one
    says why not), and GetFunction carries `layersArnV2`."""
    service, function = unique('svc'), unique('fn')
    fc.create_service(fc21.CreateServiceRequest(service_name=service))
    fc.create_function(service, fc21.CreateFunctionRequest(
        function_name=function, runtime='python3', handler='index.handler',
        code=fc21.Code(zip_file=_zip_base64(make_zip))))
    arn = 'acs:fc:{0}:{1}:services/{2}'.format(REGION, ACCOUNT_ID, service)
    fc.tag_resource(fc21.TagResourceRequest(resource_arn=arn, tags={'team': 'edge'}))
    tagged = fc.list_tagged_resources(fc21.ListTaggedResourcesRequest(limit=100)).body.resources
    assert {r.resource_arn: r.tags for r in tagged}.get(arn) == {'team': 'edge'}
    assert fc.list_vpc_bindings(service).body.vpc_ids in (None, [])
    _refused(lambda: fc.create_vpc_binding(service, fc21.CreateVpcBindingRequest(vpc_id='vpc-1')),
             501, 'NotImplemented')
    assert fc.get_function(service, function, fc21.GetFunctionRequest()).body.layers_arn_v2 in (None, [])


def test_list_instances_takes_flattened_instance_ids(fc, make_zip):
    """2021-04-06 flattens list parameters (`instanceIds.1=a&instanceIds.2=b`): ListInstances filters by them."""
    service, function = unique('svc'), unique('fn')
    fc.create_service(fc21.CreateServiceRequest(service_name=service))
    fc.create_function(service, fc21.CreateFunctionRequest(
        function_name=function, runtime='python3', handler='index.handler',
        code=fc21.Code(zip_file=_zip_base64(make_zip))))
    fc.invoke_function(service, function, fc21.InvokeFunctionRequest(body=b'x'))
    every = fc.list_instances(service, function, fc21.ListInstancesRequest()).body.instances
    assert every, 'the call left no instance'
    one = every[0].instance_id
    picked = fc.list_instances(service, function, fc21.ListInstancesRequest(instance_ids=[one, 'i-none'])).body
    assert [i.instance_id for i in picked.instances] == [one]
    none = fc.list_instances(service, function, fc21.ListInstancesRequest(instance_ids=['i-none'])).body.instances
    assert none in (None, [])
