"""Versions and aliases through the official SDK: immutable snapshots, canary weights, qualifiers everywhere."""

import collections
import math
import time

from interop_util import raises_fc, unique

VERSIONED = 'def handler(event, context):\n    return "{0}"\n'


def deploy(client, service, make_zip, name, text, **kwargs):
    client.update_function(service, name, codeZipFile=make_zip({'index.py': VERSIONED.format(text)}), **kwargs)


def versioned_function(client, service, make_zip):
    fn = unique('rel')
    client.create_function(service, fn, 'python3', 'index.handler',
                           codeZipFile=make_zip({'index.py': VERSIONED.format('v1')}), memorySize=128)
    return fn


def test_versions_are_immutable_snapshots(client, service, make_zip):
    fn = versioned_function(client, service, make_zip)
    assert client.publish_version(service, 'first').data['versionId'] == '1'
    with raises_fc(400, 'InvalidArgument'):
        client.publish_version(service, 'nothing changed')
    deploy(client, service, make_zip, fn, 'v2', memorySize=256)
    second = client.publish_version(service, 'second').data
    assert second['versionId'] == '2' and second['description'] == 'second'
    deploy(client, service, make_zip, fn, 'v3')

    for qualifier, text in (('1', 'v1'), ('2', 'v2'), ('LATEST', 'v3'), (None, 'v3')):
        resp = client.invoke_function(service, fn, qualifier=qualifier)
        assert resp.data == text.encode(), (qualifier, resp.data)
        assert resp.headers['x-fc-invocation-service-version'] == (qualifier or 'LATEST')
    assert client.get_function(service, fn, qualifier='1').data['memorySize'] == 128
    assert client.get_function(service, fn, qualifier='2').data['memorySize'] == 256
    assert client.get_service(service, qualifier='1').data['serviceName'] == service
    assert [f['functionName'] for f in client.list_functions(service, qualifier='2').data['functions']] == [fn]

    backward = client.list_versions(service).data
    assert [v['versionId'] for v in backward['versions']] == ['2', '1'] and backward['direction'] == 'BACKWARD'
    forward = client.list_versions(service, direction='FORWARD', limit=1).data
    assert [v['versionId'] for v in forward['versions']] == ['1'] and forward['nextToken'] == '2'

    client.delete_version(service, '2')
    with raises_fc(404, 'VersionNotFound'):
        client.invoke_function(service, fn, qualifier='2')
    assert client.publish_version(service).data['versionId'] == '3'  # ids are never reused


def test_alias_canary_split_follows_the_weights(client, service, make_zip):
    fn = versioned_function(client, service, make_zip)
    client.publish_version(service)
    deploy(client, service, make_zip, fn, 'v2')
    client.publish_version(service)
    alias = client.create_alias(service, 'prod', '1', description='stable', additionalVersionWeight={'2': 0.3}).data
    assert alias['aliasName'] == 'prod' and alias['versionId'] == '1' and alias['additionalVersionWeight'] == {'2': 0.3}

    calls, served, instances = 400, collections.Counter(), collections.defaultdict(set)
    for _ in range(calls):
        resp = client.invoke_function(service, fn, qualifier='prod')
        version = resp.headers['x-fc-invocation-service-version']
        assert resp.data == ('v' + version).encode()  # the header names the version that ran
        served[version] += 1
        instances[version].add(resp.headers['x-fc-instance-id'])
    # binomial(400, 0.3): mean 120, sd 9.2; 4.5 sd either side fails a correct split once in ~150,000 runs
    sd = math.sqrt(calls * 0.3 * 0.7)
    assert abs(served['2'] - calls * 0.3) < 4.5 * sd, served
    assert instances['1'].isdisjoint(instances['2'])  # instances of different versions never mix

    client.update_alias(service, 'prod', '2', additionalVersionWeight={})
    assert client.invoke_function(service, fn, qualifier='prod').data == b'v2'
    assert client.get_function(service, fn, qualifier='prod').data['functionName'] == fn


def test_alias_and_version_refusals(client, service, make_zip):
    fn = versioned_function(client, service, make_zip)
    client.publish_version(service)
    with raises_fc(404, 'VersionNotFound'):
        client.create_alias(service, 'bad', '7')
    with raises_fc(400, 'InvalidArgument'):
        client.create_alias(service, 'bad', '1', additionalVersionWeight={'1': 1.5})
    deploy(client, service, make_zip, fn, 'v2')
    client.publish_version(service)
    deploy(client, service, make_zip, fn, 'v3')
    client.publish_version(service)
    with raises_fc(400, 'InvalidArgument'):
        client.create_alias(service, 'bad', '1', additionalVersionWeight={'2': 0.6, '3': 0.5})
    with raises_fc(404, 'AliasNotFound'):
        client.get_alias(service, 'bad')  # nothing was stored by the refusals
    client.create_alias(service, 'live', '1', additionalVersionWeight={'3': 0.1})
    with raises_fc(409, 'AliasAlreadyExists'):
        client.create_alias(service, 'live', '2')
    for version in ('1', '3'):
        with raises_fc(400, 'InvalidArgument'):
            client.delete_version(service, version)  # the alias sends calls there
    client.delete_version(service, '2')
    with raises_fc(404, 'AliasNotFound'):
        client.invoke_function(service, fn, qualifier='nosuchalias')
    with raises_fc(404, 'VersionNotFound'):
        client.invoke_function(service, fn, qualifier='99')
    client.delete_alias(service, 'live')
    with raises_fc(404, 'AliasNotFound'):
        client.get_alias(service, 'live')
    client.delete_version(service, '1')
    assert [a['aliasName'] for a in client.list_aliases(service).data['aliases']] == []


def test_configs_attach_to_aliases_and_provision_their_version(client, service, make_zip):
    fn = versioned_function(client, service, make_zip)
    with raises_fc(404, 'AliasNotFound'):
        client.put_provision_config(service, 'staging', fn, 1)
    client.publish_version(service)
    client.create_alias(service, 'staging', '1')
    assert client.put_provision_config(service, 'staging', fn, 1).data['target'] == 1
    with raises_fc(400, 'InvalidArgument'):
        client.put_provision_config(service, '1', fn, 1)  # versions take no provisioned instances, as on FC
    client.put_function_async_invoke_config(service, 'staging', fn, {'maxAsyncRetryAttempts': 0})
    assert client.get_function_async_invoke_config(service, 'staging', fn).data['qualifier'] == 'staging'
    deadline = time.monotonic() + 20
    while client.get_provision_config(service, 'staging', fn).data['current'] < 1:
        assert time.monotonic() < deadline, 'the alias never got its provisioned instance'
        time.sleep(0.2)
    instance = client.invoke_function(service, fn, qualifier='staging').headers['x-fc-instance-id']
    listed = client.list_instances(service, 'staging', fn).data['instances']
    assert instance in [i['instanceId'] for i in listed]
    assert {i['versionId'] for i in listed if i['instanceId'] == instance} == {'1'}
    client.put_provision_config(service, 'staging', fn, 0)
