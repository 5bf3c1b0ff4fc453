"""FC 3.0's HTTP side through the official SDK: HTTP triggers whose URL answers, FC 3.0's event for python and
nodejs handlers, custom domains (with and without an HTTP trigger), disableURLInternet and corsConfig."""

import base64
import json

import pytest
import requests
from alibabacloud_fc20230330 import models as fc3

from fc3_util import EVENT_JS, EVENT_PY, _client, _create_from, _refused
from interop_util import unique


@pytest.fixture(scope='module')
def fc(endpoint):
    return _client(endpoint)


@pytest.mark.parametrize('runtime,filename,source', [('python3', 'index.py', EVENT_PY),
                                                      ('nodejs18', 'index.js', EVENT_JS)])
def test_an_http_trigger_gives_the_handler_fc3s_event(fc, make_zip, runtime, filename, source):
    name = unique('fn')
    _create_from(fc, make_zip, name, {filename: source}, runtime=runtime)
    trigger = fc.create_trigger(name, fc3.CreateTriggerRequest(body=fc3.CreateTriggerInput(
        trigger_name='web', trigger_type='http',
        trigger_config=json.dumps({'authType': 'anonymous', 'methods': ['GET', 'POST']})))).body
    url = trigger.http_trigger.url_internet
    for _ in range(2):  # cold, then warm (the warm lane)
        answer = requests.post(url + 'items/a%20b?p=1&p=2', data='hello', timeout=10,
                               headers={'User-Agent': 'probe/1', 'Content-Type': 'text/plain'})
        assert answer.status_code == 201, answer.text
        assert (answer.headers['x-raw-path'], answer.headers['x-method']) == ('/items/a%20b', 'POST')
        assert answer.json() == {'body': 'hello', 'query': {'p': '1,2'}, 'agent': 'probe/1', 'b64': False}
    binary = requests.post(url, data=b'\x89PNG', headers={'Content-Type': 'image/png'}, timeout=10).json()
    assert (binary['body'], binary['b64']) == (base64.b64encode(b'\x89PNG').decode(), True)
    fc.delete_trigger(name, 'web')
    fc.delete_function(name)


def test_a_custom_domain_routes_to_a_function(fc, make_zip, endpoint):
    name = unique('fn')
    _create_from(fc, make_zip, name, {'index.py': EVENT_PY})
    fc.create_trigger(name, fc3.CreateTriggerRequest(body=fc3.CreateTriggerInput(
        trigger_name='web', trigger_type='http', trigger_config=json.dumps({'authType': 'anonymous',
                                                                            'methods': ['GET']}))))
    domain = name.replace('_', '-') + '.example.com'
    made = fc.create_custom_domain(fc3.CreateCustomDomainRequest(body=fc3.CreateCustomDomainInput(
        domain_name=domain, protocol='HTTP', route_config=fc3.RouteConfig(routes=[fc3.PathConfig(
            path='/api/*', function_name=name, qualifier='LATEST', methods=['GET'])])))).body
    assert made.domain_name == domain and made.api_version == '2023-03-30'
    assert [(r.path, r.function_name, r.qualifier) for r in made.route_config.routes] == [('/api/*', name, 'LATEST')]
    answer = requests.get(endpoint + '/api/items?id=7', headers={'Host': domain}, timeout=10)
    assert answer.status_code == 201, answer.text
    assert answer.headers['x-raw-path'] == '/api/items' and answer.json()['query'] == {'id': '7'}
    assert [d.domain_name for d in fc.list_custom_domains(fc3.ListCustomDomainsRequest(prefix=domain)).body
            .custom_domains] == [domain]
    fc.delete_custom_domain(domain)
    _refused(lambda: fc.get_custom_domain(domain), 404, 'DomainNameNotFound')
    fc.delete_trigger(name, 'web')
    fc.delete_function(name)


def test_a_custom_domain_reaches_a_function_without_an_http_trigger(fc, make_zip, endpoint):
    """FC 3.0's custom domains route straight to functions: no HTTP trigger needed (a 2.0 route needs one)."""
    name = unique('fn')
    _create_from(fc, make_zip, name, {'index.py': EVENT_PY})
    domain = name.replace('_', '-') + '.direct.example.com'
    fc.create_custom_domain(fc3.CreateCustomDomainRequest(body=fc3.CreateCustomDomainInput(
        domain_name=domain, protocol='HTTP', route_config=fc3.RouteConfig(routes=[fc3.PathConfig(
            path='/*', function_name=name, methods=['GET', 'POST'])]))))
    for _ in range(3):  # cold, then warm (the warm lane takes it too)
        answer = requests.post(endpoint + '/hook?x=1', data='ping', headers={'Host': domain}, timeout=30)
        assert answer.status_code == 201, answer.text
        assert answer.json()['body'] == 'ping' and answer.headers['x-method'] == 'POST'
    # disableURLInternet: the trigger's own URL refuses (403), the custom domain still answers.
    fc.create_trigger(name, fc3.CreateTriggerRequest(body=fc3.CreateTriggerInput(
        trigger_name='web', trigger_type='http',
        trigger_config=json.dumps({'authType': 'anonymous', 'methods': ['GET', 'POST'], 'disableURLInternet': True}))))
    url = fc.get_trigger(name, 'web').body.http_trigger.url_internet
    for _ in range(2):
        refused = requests.get(url, timeout=30)
        assert refused.status_code == 403 and refused.json()['Code'] == 'AccessDenied', refused.text
        assert requests.post(endpoint + '/hook', data='via domain', headers={'Host': domain}, timeout=30).status_code \
            == 201
    fc.delete_trigger(name, 'web')
    # The function's own proxy URL still needs an HTTP trigger.
    assert requests.get('{0}/2016-08-15/proxy/{1}/{1}/'.format(endpoint, name), timeout=10).status_code == 404
    fc.delete_custom_domain(domain)
    fc.delete_function(name)


def test_an_http_triggers_cors_config_answers_browsers(fc, make_zip):
    """`corsConfig` on an HTTP trigger: a preflight is answered from it (unsigned, 204), and answers carry
    Access-Control-Allow-Origin for an allowed origin only, cold and warm."""
    name = unique('fn')
    _create_from(fc, make_zip, name, {'index.py': EVENT_PY})
    cors = {'allowOrigins': ['https://shop.example.com'], 'allowMethods': ['GET', 'POST'],
            'allowHeaders': ['content-type'], 'exposeHeaders': ['x-raw-path'], 'maxAge': 600}
    trigger = fc.create_trigger(name, fc3.CreateTriggerRequest(body=fc3.CreateTriggerInput(
        trigger_name='web', trigger_type='http',
        trigger_config=json.dumps({'authType': 'anonymous', 'methods': ['GET', 'POST'], 'corsConfig': cors})))).body
    url = trigger.http_trigger.url_internet + 'items'
    preflight = requests.options(url, timeout=30, headers={
        'Origin': 'https://shop.example.com', 'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type'})
    assert preflight.status_code == 204, preflight.text
    assert preflight.headers['access-control-allow-origin'] == 'https://shop.example.com'
    assert preflight.headers['access-control-allow-methods'] == 'GET,POST'
    assert preflight.headers['access-control-max-age'] == '600'
    for _ in range(3):  # cold, then warm
        allowed = requests.post(url, data='x', headers={'Origin': 'https://shop.example.com'}, timeout=30)
        assert allowed.status_code == 201 and allowed.headers['access-control-allow-origin'] == \
            'https://shop.example.com'
        assert allowed.headers['access-control-expose-headers'] == 'x-raw-path'
        other = requests.post(url, data='x', headers={'Origin': 'https://evil.example.com'}, timeout=30)
        assert other.status_code == 201 and 'access-control-allow-origin' not in other.headers
    fc.delete_trigger(name, 'web')
    fc.delete_function(name)
