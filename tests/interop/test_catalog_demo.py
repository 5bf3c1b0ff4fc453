"""The catalogue demo (examples/catalog): deploy.py against the live server, then every endpoint over HTTP."""

import json
import os
import socket
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import pytest
import requests

from interop_util import ACCESS_KEY_ID, ACCESS_KEY_SECRET

EXAMPLE = Path(__file__).resolve().parents[2] / 'examples' / 'catalog'
DEPLOY = EXAMPLE / 'deploy.py'
CATALOG = json.loads((EXAMPLE / 'webapp' / 'catalog.json').read_text())
WEBAPP_TARGET = {'x-fc-invocation-target': '2016-08-15/proxy/catalog/webapp'}


def run_deploy(endpoint, key_id=ACCESS_KEY_ID, secret=ACCESS_KEY_SECRET):
    env = dict(os.environ, NIMBUS_ACCESS_KEY_ID=key_id, NIMBUS_ACCESS_KEY_SECRET=secret)
    env.pop('NIMBUS_ENDPOINT', None)
    return subprocess.run([sys.executable, str(DEPLOY), '--endpoint', endpoint], env=env, cwd=str(EXAMPLE),
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope='module')
def catalog(endpoint):
    """Deploys the demo once; returns the base URL of the service's HTTP triggers."""
    result = run_deploy(endpoint)
    assert result.returncode == 0, 'deploy.py failed:\n{0}\n{1}'.format(result.stdout, result.stderr)
    assert 'curl {0}/2016-08-15/proxy/catalog/get-item/3'.format(endpoint) in result.stdout, result.stdout
    return endpoint + '/2016-08-15/proxy/catalog'


def get(url, **kwargs):
    return requests.get(url, timeout=60, **kwargs)


def test_catalog_dataset_is_the_same_in_every_function():
    copies = [EXAMPLE / d / 'catalog.json' for d in
              ('webapp', 'functions/list-items', 'functions/get-item', 'functions/stats')]
    assert len({p.read_bytes() for p in copies}) == 1
    assert 10 <= len(CATALOG) <= 20
    assert all(set(item) == {'id', 'name', 'category', 'price'} for item in CATALOG)


def test_catalog_list_items(catalog):
    resp = get(catalog + '/list-items/')
    assert resp.status_code == 200 and resp.headers['content-type'] == 'application/json'
    assert resp.json() == {'items': CATALOG}
    assert get(catalog + '/list-items').json() == {'items': CATALOG}


def test_catalog_list_items_category_filter(catalog):
    books = get(catalog + '/list-items/', params={'category': 'books'}).json()['items']
    assert books == [item for item in CATALOG if item['category'] == 'books'] and books
    assert get(catalog + '/list-items/', params={'category': 'nothing'}).json() == {'items': []}


def test_catalog_get_item(catalog):
    for item in (CATALOG[0], CATALOG[2], CATALOG[-1]):
        resp = get('{0}/get-item/{1}'.format(catalog, item['id']))
        assert resp.status_code == 200 and resp.json() == item


@pytest.mark.parametrize('raw_id', ['999', 'abc', '0', '3.5', ''])
def test_catalog_get_item_unknown_is_404_json(catalog, raw_id):
    resp = get('{0}/get-item/{1}'.format(catalog, raw_id))
    assert resp.status_code == 404
    assert resp.headers['content-type'] == 'application/json'
    assert resp.json()['error'] == 'item not found'


def test_catalog_stats_match_the_dataset(catalog):
    resp = get(catalog + '/stats/')
    assert resp.status_code == 200
    stats = resp.json()
    prices = defaultdict(list)
    for item in CATALOG:
        prices[item['category']].append(item['price'])
    assert stats['count'] == len(CATALOG)
    assert stats['averagePrice'] == pytest.approx(sum(i['price'] for i in CATALOG) / len(CATALOG), abs=0.005)
    assert set(stats['categories']) == set(prices)
    for name, values in prices.items():
        assert stats['categories'][name]['count'] == len(values)
        assert stats['categories'][name]['averagePrice'] == pytest.approx(sum(values) / len(values), abs=0.005)


def test_catalog_webapp_through_invocation_target(endpoint, catalog):
    items = get(endpoint + '/items', headers=WEBAPP_TARGET)
    assert items.status_code == 200 and items.json() == {'items': CATALOG}
    one = get(endpoint + '/items/3', headers=WEBAPP_TARGET)
    assert one.status_code == 200 and one.json() == next(i for i in CATALOG if i['id'] == 3)
    missing = get(endpoint + '/items/999', headers=WEBAPP_TARGET)
    assert missing.status_code == 404 and missing.json() == {'error': 'not found', 'path': '/items/999'}
    page = get(endpoint + '/', headers=WEBAPP_TARGET)
    assert page.status_code == 200 and page.headers['content-type'].startswith('text/html')
    assert CATALOG[0]['name'] in page.text


def test_catalog_webapp_on_the_fc_path_sees_the_full_path(catalog):
    """Like FC's default domain: a custom runtime gets /2016-08-15/proxy/<svc>/<fn>/..., which the
    unchanged app does not route (README: use x-fc-invocation-target or a custom domain)."""
    resp = get(catalog + '/webapp/items')
    assert resp.status_code == 404
    assert resp.json()['path'] == '/2016-08-15/proxy/catalog/webapp/items'


def test_catalog_webapp_health_through_invocation_target(endpoint, catalog):
    assert get(endpoint + '/health', headers=WEBAPP_TARGET).json() == {'status': 'ok'}


def test_catalog_deploy_is_idempotent(endpoint, catalog):
    result = run_deploy(endpoint)
    assert result.returncode == 0, 'second deploy.py failed:\n{0}\n{1}'.format(result.stdout, result.stderr)
    assert 'service  catalog: exists' in result.stdout
    assert result.stdout.count(': exists') == 6  # the service, four triggers and the custom domain
    assert 'created' not in result.stdout
    assert get(catalog + '/get-item/3').json()['id'] == 3


def test_catalog_deploy_fails_clearly_with_bad_keys(endpoint):
    result = run_deploy(endpoint, secret='not-the-secret')
    assert result.returncode != 0
    assert result.stderr.startswith('deploy failed:') and 'Signature' in result.stderr, result.stderr


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def test_catalog_webapp_runs_standalone(tmp_path):
    """The webapp is an ordinary program: `python3 app.py` serves the same catalogue without Nimbus."""
    port = _free_port()
    env = dict(os.environ, PORT=str(port), HOST='127.0.0.1')
    env.pop('FC_SERVER_PORT', None)
    log = tmp_path / 'webapp.log'
    with open(str(log), 'wb') as out:
        proc = subprocess.Popen([sys.executable, str(EXAMPLE / 'webapp' / 'app.py')], cwd=str(tmp_path), env=env,
                                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
    base = 'http://127.0.0.1:{0}'.format(port)
    try:
        deadline = time.monotonic() + 20
        while True:
            assert proc.poll() is None, 'app.py exited: ' + log.read_text()
            try:
                if requests.get(base + '/health', timeout=2).json() == {'status': 'ok'}:
                    break
            except requests.RequestException:
                pass
            assert time.monotonic() < deadline, 'app.py did not answer /health: ' + log.read_text()
            time.sleep(0.1)
        assert requests.get(base + '/items', timeout=10).json() == {'items': CATALOG}
        assert requests.get(base + '/items/2', timeout=10).json() == CATALOG[1]
        assert requests.get(base + '/items/99', timeout=10).status_code == 404
    finally:
        proc.terminate()
        proc.wait(timeout=10)


DOMAIN = {'Host': 'catalog.localhost'}


def test_catalog_domain_serves_the_old_apps_paths_from_functions(endpoint, catalog):
    """The lift-and-shift: a client of the old app changes only the host name."""
    old = get(endpoint + '/items/3', headers=WEBAPP_TARGET)
    new = get(endpoint + '/items/3', headers=DOMAIN)
    assert new.status_code == 200 and new.json() == old.json()
    assert get(endpoint + '/items', headers=DOMAIN).json() == get(endpoint + '/items', headers=WEBAPP_TARGET).json()
    assert get(endpoint + '/', headers=DOMAIN).text == get(endpoint + '/', headers=WEBAPP_TARGET).text
    # the paths really went to the functions: their instances, not the webapp's, answered
    listing = requests.get(endpoint + '/items', headers=DOMAIN, timeout=60)
    webapp = requests.get(endpoint + '/', headers=DOMAIN, timeout=60)
    assert listing.headers.get('content-length') and webapp.headers['content-type'].startswith('text/html')
    curl = subprocess.run(['curl', '-sS', endpoint.replace('127.0.0.1', 'catalog.localhost') + '/items/4'],
                          capture_output=True, text=True, timeout=60)
    assert curl.returncode == 0 and json.loads(curl.stdout) == next(i for i in CATALOG if i['id'] == 4)


def test_catalog_canary_rolls_a_version_out_to_a_tenth_of_the_domain(endpoint, catalog):
    """Runs last: it changes get-item at LATEST (ITEM_CURRENCY) as the walk-through does."""
    env = dict(os.environ, NIMBUS_ACCESS_KEY_ID=ACCESS_KEY_ID, NIMBUS_ACCESS_KEY_SECRET=ACCESS_KEY_SECRET)
    result = subprocess.run([sys.executable, str(EXAMPLE / 'canary.py'), '--endpoint', endpoint, '--calls', '300'],
                            env=env, cwd=str(EXAMPLE), capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    counts = {}
    for line in lines:
        if line.strip().startswith('version ') and ':' in line and '(' in line:
            version, rest = line.strip()[len('version '):].split(':', 1)
            counts[version] = int(rest.split('(')[0])
    assert len(counts) == 2 and sum(counts.values()) == 300, result.stdout
    canary = counts[max(counts, key=int)]
    # binomial(300, 0.1): mean 30, sd 5.2; outside 30 +- 24 happens about once in 100,000 runs
    assert 6 <= canary <= 54, result.stdout
    with_currency = next(l for l in lines if 'responses:' in l)
    assert '{0} with currency'.format(canary) in with_currency, result.stdout
    # metering saw the same split: per-version numbers of get-item (the console's "By version" table)
    from interop_util import raw_request
    usage = raw_request(endpoint, 'GET', '/2016-08-15/usage?service=catalog&function=get-item&since=15m').json()
    by_version = {v['versionId']: v['invocations'] for v in usage['versions']}
    assert {k: by_version.get(k) for k in counts} == counts, (by_version, counts)
