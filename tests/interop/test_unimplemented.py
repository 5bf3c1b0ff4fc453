"""Versions, aliases and custom domains are not implemented in Nimbus yet. Until they are, the SDK must
get a clean FC error (4xx + ErrorCode + request id), never a crash, a 5xx or a non-JSON body.
Replace these with real tests when the features land."""

import fc2
import pytest

from interop_util import check_fc_error

DOMAIN = 'interop.example.com'  # only a name in a request body/path; nothing is resolved or contacted

WRITES = {
    'publish_version': lambda c, s: c.publish_version(s, description='v1'),
    'delete_version': lambda c, s: c.delete_version(s, '1'),
    'create_alias': lambda c, s: c.create_alias(s, 'prod', '1'),
    'create_custom_domain': lambda c, s: c.create_custom_domain(
        DOMAIN, protocol='HTTP', routeConfig={'routes': [{'path': '/*', 'serviceName': s, 'functionName': 'fn'}]}),
}

READS = {
    'get_alias': (lambda c, s: c.get_alias(s, 'prod'), 'AliasNotFound'),
    'get_custom_domain': (lambda c, s: c.get_custom_domain(DOMAIN), 'DomainNameNotFound'),
}


@pytest.mark.parametrize('api', sorted(WRITES))
def test_unimplemented_write_is_a_clean_not_implemented(client, service, assert_alive, api):
    """501 is not in the SDK's retry list (500/502/504), so the caller gets the error at once."""
    with pytest.raises(fc2.FcError) as info:
        WRITES[api](client, service)
    err = info.value
    assert err.status_code == 501, (err.status_code, err.message)
    assert err.err_code == 'NotImplemented'
    check_fc_error(err, 501)
    assert_alive()


@pytest.mark.parametrize('api', sorted(READS))
def test_reads_of_resources_that_cannot_exist_yet_are_not_found(client, service, assert_alive, api):
    call, code = READS[api]
    with pytest.raises(fc2.FcError) as info:
        call(client, service)
    check_fc_error(info.value, 404, code)
    assert_alive()


def test_lists_are_empty(client, service):
    assert client.list_versions(service).data['versions'] == []
    assert client.list_aliases(service).data['aliases'] == []
    assert client.list_custom_domains().data['customDomains'] == []
