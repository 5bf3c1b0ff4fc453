"""Triggers: http and timer configs echoed verbatim, partial update, listing, delete, 404s."""

import pytest

from interop_util import ROLE, raises_fc

HTTP_CONFIG = {'authType': 'anonymous', 'methods': ['GET', 'POST']}
TIMER_CONFIG = {'cronExpression': '@every 5m', 'enable': True, 'payload': 'x'}


def test_create_http_trigger(client, function):
    service, fn = function
    data = client.create_trigger(service, fn, 'web', 'http', HTTP_CONFIG, None, ROLE,
                                 description='http entry').data
    assert data['triggerName'] == 'web'
    assert data['triggerType'] == 'http'
    assert data['triggerConfig'] == HTTP_CONFIG
    assert data.get('sourceArn') is None
    assert data['invocationRole'] == ROLE
    assert data['description'] == 'http entry'
    assert isinstance(data.get('triggerId'), str) and data['triggerId']
    assert data.get('createdTime') and data.get('lastModifiedTime')

    got = client.get_trigger(service, fn, 'web').data
    assert got['triggerConfig'] == HTTP_CONFIG
    assert got.get('sourceArn') is None
    assert got['invocationRole'] == ROLE
    assert got['triggerId'] == data['triggerId']


def test_create_timer_trigger(client, function):
    service, fn = function
    data = client.create_trigger(service, fn, 'tick', 'timer', TIMER_CONFIG, None, '').data
    assert data['triggerType'] == 'timer'
    assert data['triggerConfig'] == TIMER_CONFIG
    assert data['invocationRole'] == ''
    assert data['description'] == ''  # the SDK sends '' by default
    assert client.get_trigger(service, fn, 'tick').data['triggerConfig'] == TIMER_CONFIG


def test_update_trigger(client, function):
    service, fn = function
    created = client.create_trigger(service, fn, 'web', 'http', HTTP_CONFIG, None, ROLE).data

    new_config = {'authType': 'function', 'methods': ['GET', 'PUT', 'DELETE']}
    updated = client.update_trigger(service, fn, 'web', triggerConfig=new_config, description='changed').data
    assert updated['triggerConfig'] == new_config
    assert updated['description'] == 'changed'
    assert updated['triggerType'] == 'http'
    assert updated['invocationRole'] == ROLE
    assert updated['triggerId'] == created['triggerId']

    only_desc = client.update_trigger(service, fn, 'web', description='again').data
    assert only_desc['description'] == 'again'
    assert only_desc['triggerConfig'] == new_config

    got = client.get_trigger(service, fn, 'web').data
    assert got['triggerConfig'] == new_config
    assert got['description'] == 'again'


def test_list_triggers(client, function):
    service, fn = function
    client.create_trigger(service, fn, 'trig_b', 'timer', TIMER_CONFIG, None, '')
    client.create_trigger(service, fn, 'trig_a', 'http', HTTP_CONFIG, None, None)
    client.create_trigger(service, fn, 'zzz', 'http', HTTP_CONFIG, None, None)

    data = client.list_triggers(service, fn).data
    assert [t['triggerName'] for t in data['triggers']] == ['trig_a', 'trig_b', 'zzz']
    by_name = {t['triggerName']: t for t in data['triggers']}
    assert by_name['trig_a']['triggerConfig'] == HTTP_CONFIG
    assert by_name['trig_b']['triggerConfig'] == TIMER_CONFIG

    pages, token = [], None
    for _ in range(10):
        page = client.list_triggers(service, fn, limit=1, prefix='trig_', nextToken=token).data
        pages.append([t['triggerName'] for t in page['triggers']])
        token = page.get('nextToken')
        if not token:
            break
    else:
        pytest.fail('list_triggers pagination did not terminate')
    assert pages == [['trig_a'], ['trig_b']]


def test_list_triggers_empty(client, function):
    service, fn = function
    data = client.list_triggers(service, fn).data
    assert data['triggers'] == []
    assert 'nextToken' not in data


def test_delete_trigger(client, function):
    service, fn = function
    client.create_trigger(service, fn, 'web', 'http', HTTP_CONFIG, None, None)
    client.delete_trigger(service, fn, 'web')
    with raises_fc(404, 'TriggerNotFound'):
        client.get_trigger(service, fn, 'web')
    with raises_fc(404, 'TriggerNotFound'):
        client.delete_trigger(service, fn, 'web')
    with raises_fc(404, 'TriggerNotFound'):
        client.update_trigger(service, fn, 'web', description='gone')
    assert client.list_triggers(service, fn).data['triggers'] == []


def test_duplicate_trigger_conflicts(client, function):
    service, fn = function
    client.create_trigger(service, fn, 'web', 'http', HTTP_CONFIG, None, None)
    with raises_fc(409, 'TriggerAlreadyExists'):
        client.create_trigger(service, fn, 'web', 'http', HTTP_CONFIG, None, None)


def test_trigger_on_unknown_function_is_404(client, service):
    with raises_fc(404, 'FunctionNotFound'):
        client.create_trigger(service, 'no_such_fn', 'web', 'http', HTTP_CONFIG, None, None)
