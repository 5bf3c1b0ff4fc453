"""Authentication: FC signatures, access keys, clock skew, security tokens."""

import email.utils
import time

import requests

from interop_util import (ACCESS_KEY_ID, API, SECURITY_TOKEN, check_error_response, raises_fc, raw_request,
                          signed_headers, unique)

SERVICES = API + '/services'


def test_health_is_unauthenticated_json(endpoint):
    resp = requests.get(endpoint + '/health', timeout=10)
    assert resp.status_code == 200
    assert resp.headers.get('content-type', '').startswith('application/json')
    assert isinstance(resp.json(), dict)


def test_raw_signed_request_is_accepted(endpoint):
    """Control for the raw-HTTP tests below: our own signing matches the server's."""
    resp = raw_request(endpoint, 'GET', SERVICES)
    assert resp.status_code == 200, resp.text[:500]
    assert isinstance(resp.json()['services'], list)
    assert resp.headers.get('x-fc-request-id')


def test_wrong_secret_rejected(make_client, assert_alive):
    bad = make_client(accessKeySecret='not-the-secret')
    with raises_fc(403, 'SignatureNotMatch'):
        bad.list_services()
    with raises_fc(403, 'SignatureNotMatch'):
        bad.create_service(unique('svc'))
    assert_alive()


def test_unknown_access_key_rejected(make_client, assert_alive):
    with raises_fc(403, 'InvalidAccessKeyID'):
        make_client(accessKeyID='AKIDUNKNOWN').list_services()
    assert_alive()


def test_rejected_create_has_no_effect(make_client, client):
    name = unique('svc')
    with raises_fc(403, 'SignatureNotMatch'):
        make_client(accessKeySecret='not-the-secret').create_service(name)
    with raises_fc(404, 'ServiceNotFound'):
        client.get_service(name)


def test_skewed_date_rejected(endpoint, assert_alive):
    for skew in (-20 * 60, 20 * 60):
        resp = raw_request(endpoint, 'GET', SERVICES, date=time.time() + skew)
        check_error_response(resp, 403, 'RequestTimeTooSkewed')
    assert_alive()


def test_slightly_skewed_date_accepted(endpoint):
    resp = raw_request(endpoint, 'GET', SERVICES, date=time.time() - 5 * 60)
    assert resp.status_code == 200, resp.text[:500]


def test_missing_authorization_rejected(endpoint, assert_alive):
    headers = {'date': email.utils.formatdate(usegmt=True), 'content-type': 'application/json'}
    resp = requests.get(endpoint + SERVICES, headers=headers, timeout=30)
    check_error_response(resp, 403)
    assert_alive()


def test_malformed_authorization_rejected(endpoint, assert_alive):
    for value in ('FC garbage', 'Bearer abc', 'FC {0}:'.format(ACCESS_KEY_ID), 'FC :sig'):
        headers = {'date': email.utils.formatdate(usegmt=True), 'content-type': 'application/json',
                   'authorization': value}
        resp = requests.get(endpoint + SERVICES, headers=headers, timeout=30)
        check_error_response(resp, 403)
    assert_alive()


def test_signature_covers_path(endpoint):
    """A signature made for one path must not authorise another."""
    headers = signed_headers('GET', SERVICES)
    resp = requests.get(endpoint + API + '/account-settings', headers=headers, timeout=30)
    check_error_response(resp, 403, 'SignatureNotMatch')


def test_security_token_accepted(make_client):
    sts = make_client(securityToken=SECURITY_TOKEN)
    name = unique('svc')
    assert sts.create_service(name).data['serviceName'] == name
    assert sts.get_service(name).data['serviceName'] == name


def test_wrong_security_token_rejected(make_client, endpoint, assert_alive):
    with raises_fc(403):
        make_client(securityToken='not-the-token').list_services()
    # correctly signed raw request carrying a wrong token: still refused
    check_error_response(raw_request(endpoint, 'GET', SERVICES, token='not-the-token'), 403)
    assert_alive()
