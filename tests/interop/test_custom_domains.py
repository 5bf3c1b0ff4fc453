"""Custom domains: one host name whose paths map to functions, like an API gateway, on the API's listener."""

import socket
import subprocess

import fc2
import requests

from interop_util import raises_fc, start_server, unique

WSGI = ('def handler(environ, start_response):\n'
        '    start_response("200 OK", [("Content-Type", "text/plain")])\n'
        '    return [("{0} " + environ["PATH_INFO"]).encode()]\n')


def http_function(client, service, make_zip, text):
    fn = unique(text)
    client.create_function(service, fn, 'python3', 'index.handler',
                           codeZipFile=make_zip({'index.py': WSGI.format(text)}))
    client.create_trigger(service, fn, 'http', 'http', {'authType': 'anonymous', 'methods': ['GET', 'POST']},
                          None, None)
    return fn


def domain_name():
    return unique('d').replace('_', '-') + '.localhost'


def test_paths_route_to_the_most_specific_function(client, endpoint, service, make_zip):
    listing, item, web = (http_function(client, service, make_zip, t) for t in ('list', 'item', 'web'))
    name = domain_name()
    routes = {'routes': [
        {'path': '/items', 'serviceName': service, 'functionName': listing, 'methods': ['GET']},
        {'path': '/items/*', 'serviceName': service, 'functionName': item},
        {'path': '/*', 'serviceName': service, 'functionName': web},
    ]}
    created = client.create_custom_domain(name, 'HTTP', routes).data
    assert created['domainName'] == name and created['protocol'] == 'HTTP'
    assert created['apiVersion'] == '2016-08-15' and created['routeConfig'] == routes

    def get(path, method='GET'):
        resp = requests.request(method, endpoint + path, headers={'Host': name + ':80'}, timeout=30)
        assert resp.status_code == 200, (path, resp.status_code, resp.text)
        return resp.text

    assert get('/items') == 'list /items'
    assert get('/items/42') == 'item /items/42'
    assert get('/items/') == 'item /items/'
    assert get('/items', 'POST') == 'web /items'  # the /items route takes GET only
    assert get('/') == 'web /'
    assert get('/about/team') == 'web /about/team'
    # the same paths without the domain's Host are not routed
    plain = requests.get(endpoint + '/items', timeout=10)
    assert plain.status_code == 400 and plain.json()['ErrorCode'] == 'PathNotSupported'

    client.update_custom_domain(name, routeConfig={'routes': [
        {'path': '/items', 'serviceName': service, 'functionName': listing}]})
    assert get('/items') == 'list /items'
    missing = requests.get(endpoint + '/elsewhere', headers={'Host': name}, timeout=10)
    assert missing.status_code == 404 and missing.json()['ErrorCode'] == 'RouteNotFound'
    assert name in [d['domainName'] for d in client.list_custom_domains().data['customDomains']]
    client.delete_custom_domain(name)
    with raises_fc(404, 'DomainNameNotFound'):
        client.get_custom_domain(name)


def test_a_route_can_pin_a_version(client, endpoint, service, make_zip):
    fn = http_function(client, service, make_zip, 'first')
    client.publish_version(service)
    client.update_function(service, fn, codeZipFile=make_zip({'index.py': WSGI.format('second')}))
    name = domain_name()
    client.create_custom_domain(name, 'HTTP', {'routes': [
        {'path': '/old/*', 'serviceName': service, 'functionName': fn, 'qualifier': '1'},
        {'path': '/*', 'serviceName': service, 'functionName': fn}]})
    assert requests.get(endpoint + '/old/x', headers={'Host': name}, timeout=30).text == 'first /old/x'
    assert requests.get(endpoint + '/new', headers={'Host': name}, timeout=30).text == 'second /new'
    client.delete_custom_domain(name)


def test_bad_domains_are_refused_with_the_field_named(client, service, make_zip):
    fn = http_function(client, service, make_zip, 'x')
    name = domain_name()
    good = {'path': '/*', 'serviceName': service, 'functionName': fn}
    cases = [
        ({'routes': [good, dict(good)]}, 'overlaps'),
        ({'routes': [dict(good, path='items')]}, 'path'),
        ({'routes': [dict(good, path='/a/*/b')]}, 'path'),
        ({'routes': [dict(good, functionName='missing')]}, 'missing'),
        ({'routes': [dict(good, qualifier='nosuchalias')]}, 'qualifier'),
    ]
    for routes, word in cases:
        with raises_fc(400, 'InvalidArgument') as info:
            client.create_custom_domain(name, 'HTTP', routes)
        assert word in info.value.message and 'routeConfig.routes[' in info.value.message
    with raises_fc(400, 'InvalidArgument'):
        client.create_custom_domain('Not_A_Host', 'HTTP', {'routes': [good]})
    with raises_fc(400, 'InvalidArgument'):
        client.create_custom_domain(name, 'HTTPS', {'routes': [good]})  # HTTPS needs a certificate
    with raises_fc(404, 'DomainNameNotFound'):
        client.get_custom_domain(name)  # nothing was stored
    client.create_custom_domain(name, 'HTTP', {'routes': [good]})
    with raises_fc(409, 'DomainNameAlreadyExists'):
        client.create_custom_domain(name, 'HTTP', {'routes': [good]})
    client.delete_custom_domain(name)


def certificate(directory, name, tag):
    key, cert = directory / (tag + '.key'), directory / (tag + '.crt')
    subprocess.run(['openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
                    '-keyout', str(key), '-out', str(cert), '-days', '2', '-subj', '/CN=' + name,
                    '-addext', 'subjectAltName=DNS:' + name], check=True, capture_output=True)
    return cert.read_text(), key.read_text(), cert


def curl(url, name, port, cafile):
    return subprocess.run(['curl', '-sS', '--max-time', '20', '--resolve', '{0}:{1}:127.0.0.1'.format(name, port),
                           '--cacert', str(cafile), url], capture_output=True, text=True)


def test_https_domains_present_their_own_certificate(tmp_path, make_zip):
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        https_port = s.getsockname()[1]
    proc, endpoint = start_server(tmp_path / 'data', NIMBUS_HTTPS_PORT=str(https_port))
    try:
        client = fc2.Client(endpoint=endpoint, accessKeyID='AK', accessKeySecret='SK')
        client.create_service('s')
        fn = http_function(client, 's', make_zip, 'secure')
        scheme_fn = unique('scheme')
        client.create_function('s', scheme_fn, 'python3', 'index.handler', codeZipFile=make_zip({'index.py': (
            'def handler(environ, start_response):\n    start_response("200 OK", [])\n'
            '    return [environ.get("HTTP_X_FORWARDED_PROTO", "none").encode()]\n')}))
        client.create_trigger('s', scheme_fn, 'http', 'http', {'authType': 'anonymous', 'methods': ['GET']}, None, None)
        name, other = 'secure.localhost', 'other.localhost'
        pem, key, cafile = certificate(tmp_path, name, 'good')
        _, stranger_key, _ = certificate(tmp_path, name, 'stranger')
        routes = {'routes': [{'path': '/*', 'serviceName': 's', 'functionName': fn},
                             {'path': '/scheme', 'serviceName': 's', 'functionName': scheme_fn}]}
        for bad in ({'certName': 'c', 'certificate': pem, 'privateKey': stranger_key},
                    {'certName': 'c', 'certificate': 'not a certificate', 'privateKey': key}):
            with raises_fc(400, 'InvalidArgument') as info:
                client.create_custom_domain(name, 'HTTPS', routes, certConfig=bad)
            assert 'certConfig' in info.value.message
        created = client.create_custom_domain(name, 'HTTP,HTTPS', routes,
                                              certConfig={'certName': 'c', 'certificate': pem, 'privateKey': key}).data
        assert 'privateKey' not in created['certConfig'] and created['certConfig']['certificate'] == pem

        out = curl('https://{0}:{1}/hello'.format(name, https_port), name, https_port, cafile)
        assert out.returncode == 0, out.stderr  # curl verified the domain's own certificate for its name
        assert out.stdout == 'secure /hello'
        # The app learns how it was reached from X-Forwarded-Proto, which Nimbus sets (never the client's).
        for _ in range(2):  # cold through the router, then warm through the HTTPS listener's lane
            via_https = curl('https://{0}:{1}/scheme'.format(name, https_port), name, https_port, cafile)
            assert (via_https.returncode, via_https.stdout) == (0, 'https'), via_https.stderr
        spoofed = requests.get(endpoint + '/scheme', headers={'Host': name, 'X-Forwarded-Proto': 'https'}, timeout=30)
        assert spoofed.text == 'http'
        # a name without an HTTPS domain gets Nimbus's throwaway certificate, which nobody trusts
        refused = curl('https://{0}:{1}/hello'.format(other, https_port), other, https_port, cafile)
        assert refused.returncode == 60, (refused.returncode, refused.stderr)
        # and the domain still answers over plain HTTP, as HTTP,HTTPS says
        assert requests.get(endpoint + '/hello', headers={'Host': name}, timeout=30).text == 'secure /hello'
        # an HTTPS-only domain sends plain HTTP to its HTTPS address
        client.update_custom_domain(name, protocol='HTTPS', routeConfig=routes,
                                    certConfig={'certName': 'c', 'certificate': pem, 'privateKey': key})
        moved = requests.get(endpoint + '/hello?x=1', headers={'Host': name}, allow_redirects=False, timeout=30)
        assert moved.status_code == 308
        assert moved.headers['location'] == 'https://{0}:{1}/hello?x=1'.format(name, https_port)
        out = curl('https://{0}:{1}/hello'.format(name, https_port), name, https_port, cafile)
        assert out.returncode == 0 and out.stdout == 'secure /hello', out.stderr
    finally:
        proc.terminate()
        proc.wait(timeout=30)
