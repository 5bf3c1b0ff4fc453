"""FC 2.0 behaviours where Nimbus was stricter or looser than FC (issue #19 item 8), through aliyun-fc2."""

import time

import requests

from interop_util import ACCOUNT_ID, REGION, raises_fc, unique, wait_for_invocation

ECHO = 'def handler(event, context):\n    return b"got " + event\n'
WEB = 'def handler(environ, start_response):\n    start_response("200 OK", [])\n    return [b"routed"]\n'
SINK = 'def handler(event, context):\n    print("delivered", len(event))\n    return b"sunk"\n'


def make(client, service, make_zip, source=ECHO, name=None):
    name = name or unique('fn')
    client.create_function(service, name, 'python3', 'index.handler', codeZipFile=make_zip({'index.py': source}))
    return name


def test_a_service_with_versions_or_aliases_is_not_deleted(client, service, make_zip):
    fn = make(client, service, make_zip)
    version = client.publish_version(service, 'v1').data['versionId']
    client.create_alias(service, 'prod', version)
    client.delete_function(service, fn)
    with raises_fc(409, 'ServiceNotEmpty') as info:
        client.delete_service(service)
    assert 'aliases' in info.value.message
    client.delete_alias(service, 'prod')
    with raises_fc(409, 'ServiceNotEmpty') as info:
        client.delete_service(service)
    assert 'versions' in info.value.message
    client.delete_version(service, version)
    client.delete_service(service)
    with raises_fc(404, 'ServiceNotFound'):
        client.get_service(service)


def test_an_alias_may_weigh_its_own_version(client, service, make_zip):
    make(client, service, make_zip)
    version = client.publish_version(service).data['versionId']
    alias = client.create_alias(service, 'main', version, additionalVersionWeight={version: 0.9}).data
    assert alias['additionalVersionWeight'] == {version: 0.9}


def test_an_async_destination_may_name_a_function_made_later(client, endpoint, service, make_zip):
    fn = make(client, service, make_zip)
    sink = unique('sink')
    destination = 'acs:fc:{0}:{1}:services/{2}.LATEST/functions/{3}'.format(REGION, ACCOUNT_ID, service, sink)
    client.put_function_async_invoke_config(service, 'LATEST', fn, {
        'statefulInvocation': True, 'destinationConfig': {'onSuccess': {'destination': destination}}})
    make(client, service, make_zip, SINK, name=sink)
    client.invoke_function(service, fn, payload=b'x', headers={
        'x-fc-invocation-type': 'Async', 'x-fc-stateful-async-invocation-id': 'later_sink'})
    assert wait_for_invocation(endpoint, service, fn, 'later_sink')['status'] == 'Succeeded'
    deadline = time.monotonic() + 20
    while wait_for_invocation(endpoint, service, fn, 'later_sink')['destinationStatus'] != 'Succeeded':
        assert time.monotonic() < deadline, 'the destination made after the config never got the record'
        time.sleep(0.1)


def test_custom_domain_names_are_case_insensitive(client, endpoint, service, make_zip):
    fn = make(client, service, make_zip, WEB)
    client.create_trigger(service, fn, 'web', 'http', {'authType': 'anonymous', 'methods': ['GET']}, None, None)
    name = unique('pythonSDK').replace('_', '-') + '.Example.com'
    made = client.create_custom_domain(name, 'HTTP', {'routes': [
        {'path': '/*', 'serviceName': service, 'functionName': fn}]}).data
    assert made['domainName'] == name.lower()
    assert client.get_custom_domain(name.upper()).data['domainName'] == name.lower()
    for host in (name, name.lower(), name.upper()):
        answer = requests.get(endpoint + '/x', headers={'Host': host}, timeout=30)
        assert (answer.status_code, answer.text) == (200, 'routed'), host
    client.delete_custom_domain(name)


def test_a_service_read_at_a_version_shows_that_versions_description(client, service, make_zip):
    make(client, service, make_zip)
    version = client.publish_version(service, 'the first release').data['versionId']
    client.update_service(service, description='changed since')
    assert client.get_service(service, qualifier=version).data['description'] == 'the first release'
    client.create_alias(service, 'stable', version)
    assert client.get_service(service, qualifier='stable').data['description'] == 'the first release'
    assert client.get_service(service).data['description'] == 'changed since'
