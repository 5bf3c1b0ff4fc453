"""Tags on services, provision / on-demand / async-invoke configs, account settings."""

import pytest

from interop_util import ACCOUNT_ID, REGION, raises_fc, service_arn, unique


def test_tag_get_untag(client, service):
    arn = service_arn(service)
    client.tag_resource(arn, {'team': 'core', 'env': 'test', 'empty': ''})
    data = client.get_resource_tags(arn).data
    assert data['resourceArn'] == arn
    assert data['tags'] == {'team': 'core', 'env': 'test', 'empty': ''}

    client.tag_resource(arn, {'team': 'platform'})  # overwrite one value, keep the rest
    assert client.get_resource_tags(arn).data['tags'] == {'team': 'platform', 'env': 'test', 'empty': ''}

    client.untag_resource(arn, ['team', 'empty'])
    assert client.get_resource_tags(arn).data['tags'] == {'env': 'test'}

    client.tag_resource(arn, {'a': '1', 'b': '2'})
    client.untag_resource(arn, [], deleteAll=True)
    assert client.get_resource_tags(arn).data['tags'] == {}


def test_tags_of_unknown_service(client):
    with raises_fc(404):
        client.tag_resource(service_arn(unique('missing')), {'k': 'v'})


def test_list_services_filtered_by_tags(client, unique_name):
    key, value = unique('k'), unique('v')
    prefix = unique_name('tagged') + '_'
    both, only_key, untagged = prefix + 'a', prefix + 'b', prefix + 'c'
    for name in (both, only_key, untagged):
        client.create_service(name)
    client.tag_resource(service_arn(both), {key: value, 'second': 'yes'})
    client.tag_resource(service_arn(only_key), {key: 'other'})

    def names(tags):
        return [s['serviceName'] for s in client.list_services(prefix=prefix, tags=tags).data['services']]

    assert names({key: value}) == [both]
    assert names({key: value, 'second': 'yes'}) == [both]
    assert names({key: 'other', 'second': 'yes'}) == []
    assert names({key: ''}) == [both, only_key]  # empty value matches any value of the key
    # without prefix: the unique tag alone selects exactly our service
    assert [s['serviceName'] for s in client.list_services(tags={key: value}).data['services']] == [both]


def test_provision_config(client, function):
    service, fn = function
    resource = '{0}#{1}#LATEST#{2}'.format(ACCOUNT_ID, service, fn)
    put = client.put_provision_config(service, 'LATEST', fn, 3).data
    assert put['target'] == 3
    assert put['resource'] == resource

    got = client.get_provision_config(service, 'LATEST', fn).data
    assert got['target'] == 3
    assert got['resource'] == resource
    assert isinstance(got['current'], int)

    listed = client.list_provision_configs(service, 'LATEST').data['provisionConfigs']
    assert [(c['resource'], c['target']) for c in listed] == [(resource, 3)]

    assert client.put_provision_config(service, 'LATEST', fn, 0).data['target'] == 0


def test_provision_config_rejects_bad_input(client, function):
    service, fn = function
    with raises_fc(400, 'InvalidArgument'):
        client.put_provision_config(service, 'LATEST', fn, -1)
    with raises_fc(404, 'FunctionNotFound'):
        client.put_provision_config(service, 'LATEST', 'no_such_fn', 1)


def _all_on_demand_configs(client, max_pages=50):
    configs, token = [], None
    for _ in range(max_pages):
        data = client.list_on_demand_config(nextToken=token).data
        configs.extend(data.get('configs') or [])
        token = data.get('nextToken')
        if not token:
            return configs
    pytest.fail('list_on_demand_config pagination did not terminate')


def test_on_demand_config(client, function):
    service, fn = function
    resource = 'services/{0}.LATEST/functions/{1}'.format(service, fn)
    put = client.put_on_demand_config(service, 'LATEST', fn, 7).data
    assert put['resource'] == resource
    assert put['maximumInstanceCount'] == 7

    got = client.get_on_demand_config(service, 'LATEST', fn).data
    assert got['resource'] == resource
    assert got['maximumInstanceCount'] == 7

    mine = [c for c in _all_on_demand_configs(client) if c['resource'] == resource]
    assert [c['maximumInstanceCount'] for c in mine] == [7]

    client.delete_on_demand_config(service, 'LATEST', fn)
    with raises_fc(404):
        client.get_on_demand_config(service, 'LATEST', fn)
    assert not [c for c in _all_on_demand_configs(client) if c['resource'] == resource]


def test_async_invoke_config(client, function):
    service, fn = function
    dest = 'acs:fc:{0}:{1}:services/{2}.LATEST/functions/{3}'.format(REGION, ACCOUNT_ID, service, fn)
    config = {
        'destinationConfig': {'onSuccess': {'destination': dest}, 'onFailure': {'destination': dest}},
        'maxAsyncEventAgeInSeconds': 300,
        'maxAsyncRetryAttempts': 2,
    }
    put = client.put_function_async_invoke_config(service, 'LATEST', fn, config).data
    assert put['service'] == service
    assert put['function'] == fn
    assert put['qualifier'] == 'LATEST'
    assert put['maxAsyncRetryAttempts'] == 2
    assert put['maxAsyncEventAgeInSeconds'] == 300
    assert put['destinationConfig'] == config['destinationConfig']
    assert put.get('createdTime') and put.get('lastModifiedTime')

    got = client.get_function_async_invoke_config(service, 'LATEST', fn).data
    assert got['maxAsyncRetryAttempts'] == 2
    assert got['destinationConfig'] == config['destinationConfig']

    listed = client.list_function_async_invoke_configs(service, fn).data
    assert listed['nextToken'] == ''
    assert [(c['function'], c['maxAsyncRetryAttempts']) for c in listed['configs']] == [(fn, 2)]

    client.delete_function_async_invoke_config(service, 'LATEST', fn)
    with raises_fc(404, 'AsyncConfigNotExists'):
        client.get_function_async_invoke_config(service, 'LATEST', fn)
    assert not client.list_function_async_invoke_configs(service, fn).data.get('configs')


def test_account_settings(client):
    data = client.get_account_settings().data
    assert isinstance(data['availableAZs'], list)
    assert all(isinstance(az, str) and az for az in data['availableAZs'])
