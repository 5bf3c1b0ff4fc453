"""Services: CRUD, pagination, conflicts, name validation and ETag preconditions."""

import pytest

from interop_util import HANDLER_SRC, ROLE, raises_fc

SERVICE_KEYS = ('serviceName', 'serviceId', 'createdTime', 'lastModifiedTime', 'logConfig', 'role',
                'internetAccess')


def list_all_service_names(client, prefix, limit, max_pages=20):
    """Follow nextToken to the end; returns (pages of names, data of the last page)."""
    pages, token = [], None
    for _ in range(max_pages):
        data = client.list_services(limit=limit, prefix=prefix, nextToken=token).data
        pages.append([s['serviceName'] for s in data['services']])
        token = data.get('nextToken')
        if not token:
            return pages, data
    pytest.fail('list_services never stopped returning nextToken after {0} pages'.format(max_pages))


def test_create_and_get_service(client, unique_name):
    name = unique_name('svc')
    created = client.create_service(name, description='first', role=ROLE, internetAccess=False)
    data = created.data
    for key in SERVICE_KEYS:
        assert key in data, 'create_service response lacks {0}: {1}'.format(key, data)
    assert data['serviceName'] == name
    assert data['description'] == 'first'
    assert data['role'] == ROLE
    assert data['internetAccess'] is False
    assert isinstance(data['serviceId'], str) and data['serviceId']
    assert created.headers.get('etag')
    assert created.headers.get('x-fc-request-id')

    got = client.get_service(name)
    for key in ('serviceName', 'serviceId', 'description', 'role', 'internetAccess', 'createdTime',
                'lastModifiedTime'):
        assert got.data[key] == data[key], key
    assert got.headers.get('etag') == created.headers['etag']


def test_internet_access_defaults_to_true(client, unique_name):
    data = client.create_service(unique_name('svc')).data
    assert data['internetAccess'] is True


def test_service_ids_are_unique(client, unique_name):
    a = client.create_service(unique_name('svc')).data['serviceId']
    b = client.create_service(unique_name('svc')).data['serviceId']
    assert a != b


def test_update_service_is_partial(client, unique_name):
    name = unique_name('svc')
    created = client.create_service(name, description='before', role=ROLE, internetAccess=False)
    updated = client.update_service(name, description='after')
    assert updated.data['description'] == 'after'
    assert updated.data['role'] == ROLE
    assert updated.data['internetAccess'] is False
    assert updated.data['serviceId'] == created.data['serviceId']
    assert updated.data['createdTime'] == created.data['createdTime']
    assert updated.headers.get('etag') and updated.headers['etag'] != created.headers['etag']

    got = client.get_service(name).data
    assert got['description'] == 'after'
    assert got['role'] == ROLE
    assert got['internetAccess'] is False


def test_list_services_pagination(client, unique_name):
    prefix = unique_name('pg') + '_'
    for suffix in ('c', 'a', 'e', 'b', 'd'):  # created out of order on purpose
        client.create_service(prefix + suffix)
    client.create_service(unique_name('pgother'))  # must not show up under the prefix
    names = [prefix + s for s in 'abcde']

    pages, last = list_all_service_names(client, prefix, limit=2)
    assert pages == [names[0:2], names[2:4], names[4:5]]
    assert 'nextToken' not in last

    everything = client.list_services(prefix=prefix).data
    assert [s['serviceName'] for s in everything['services']] == names
    assert 'nextToken' not in everything

    exact = client.list_services(prefix=prefix, limit=5).data
    assert [s['serviceName'] for s in exact['services']] == names
    assert 'nextToken' not in exact


def test_list_services_start_key_is_inclusive(client, unique_name):
    prefix = unique_name('sk') + '_'
    for suffix in 'abcde':
        client.create_service(prefix + suffix)

    data = client.list_services(prefix=prefix, startKey=prefix + 'c').data
    assert [s['serviceName'] for s in data['services']] == [prefix + s for s in 'cde']

    first = client.list_services(prefix=prefix, startKey=prefix + 'b', limit=2).data
    assert [s['serviceName'] for s in first['services']] == [prefix + 'b', prefix + 'c']
    assert first.get('nextToken')
    rest = client.list_services(prefix=prefix, nextToken=first['nextToken'], limit=10).data
    assert [s['serviceName'] for s in rest['services']] == [prefix + 'd', prefix + 'e']


def test_list_services_items_are_full_objects(client, unique_name):
    prefix = unique_name('full') + '_'
    client.create_service(prefix + 'a', description='listed', role=ROLE)
    [item] = client.list_services(prefix=prefix).data['services']
    for key in SERVICE_KEYS:
        assert key in item, key
    assert item['description'] == 'listed'
    assert item['role'] == ROLE


def test_list_services_empty_prefix_match(client, unique_name):
    data = client.list_services(prefix=unique_name('nothing_here')).data
    assert data['services'] == []
    assert 'nextToken' not in data


def test_delete_service(client, service):
    client.delete_service(service)
    with raises_fc(404, 'ServiceNotFound'):
        client.get_service(service)
    with raises_fc(404, 'ServiceNotFound'):
        client.delete_service(service)
    with raises_fc(404, 'ServiceNotFound'):
        client.update_service(service, description='gone')


def test_duplicate_service_conflicts(client, service):
    with raises_fc(409, 'ServiceAlreadyExists'):
        client.create_service(service)


def test_delete_non_empty_service_conflicts(client, service, make_zip):
    client.create_function(service, 'fn', 'python3', 'index.handler',
                           codeZipFile=make_zip({'index.py': HANDLER_SRC}))
    with raises_fc(409, 'ServiceNotEmpty'):
        client.delete_service(service)
    client.get_service(service)  # still there
    client.delete_function(service, 'fn')
    client.delete_service(service)
    with raises_fc(404, 'ServiceNotFound'):
        client.get_service(service)


@pytest.mark.parametrize('name', ['1starts_with_digit', 'has.dot', 'a' * 129, '-leading_dash', 'has space'],
                         ids=['digit', 'dot', '129chars', 'dash', 'space'])
def test_invalid_service_names_rejected(client, name):
    with raises_fc(400, 'InvalidArgument'):
        client.create_service(name)


def test_max_length_service_name_accepted(client, unique_name):
    name = unique_name('long')
    name = name + 'x' * (128 - len(name))
    assert client.create_service(name).data['serviceName'] == name
    assert client.get_service(name).data['serviceName'] == name


def test_etag_bogus_if_match_rejected(client, unique_name):
    name = unique_name('svc')
    client.create_service(name, description='orig')
    with raises_fc(412, 'PreconditionFailed'):
        client.update_service(name, description='changed', headers={'if-match': 'bogus'})
    with raises_fc(412, 'PreconditionFailed'):
        client.delete_service(name, headers={'if-match': 'bogus'})
    assert client.get_service(name).data['description'] == 'orig'


def test_etag_real_if_match_succeeds(client, unique_name):
    name = unique_name('svc')
    etag = client.create_service(name, description='orig').headers['etag']
    updated = client.update_service(name, description='changed', headers={'if-match': etag})
    assert updated.data['description'] == 'changed'
    new_etag = updated.headers['etag']
    with raises_fc(412, 'PreconditionFailed'):  # the pre-update etag is stale now
        client.delete_service(name, headers={'if-match': etag})
    assert client.get_service(name).headers['etag'] == new_etag
    client.delete_service(name, headers={'if-match': new_etag})
    with raises_fc(404, 'ServiceNotFound'):
        client.get_service(name)
