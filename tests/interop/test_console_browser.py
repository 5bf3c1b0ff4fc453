"""The web console in a real browser (headless Chromium driven by Selenium): log in, open the service
after a known number of calls, check the numbers per function, keep a screenshot of each page."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import fc2
import pytest
import requests

from interop_util import start_server

EXAMPLE = Path(__file__).resolve().parents[2] / 'examples' / 'catalog' / 'functions'
SHOTS = Path(os.environ.get('NIMBUS_SCREENSHOTS', Path(__file__).resolve().parents[2] / 'tests' / 'artifacts'))

webdriver = pytest.importorskip('selenium.webdriver')
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.common.exceptions import (  # noqa: E402
    NoSuchElementException, StaleElementReferenceException, WebDriverException)
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

# The page swaps its main part every 5 s (live refresh) and clicks navigate: an element found a moment
# ago may be gone. Reads retry instead of failing on that.
# Chromium 156 also reports a node detached by a navigation as a generic WebDriverException ("Node with
# given id does not belong to the document"), not as a stale element; the waits still need their
# condition to come true, so a real failure still fails (after 15 s).
TRANSIENT = (NoSuchElementException, StaleElementReferenceException, WebDriverException)


def click(driver, by, selector):
    def attempt(d):
        d.find_element(by, selector).click()
        return True
    WebDriverWait(driver, 15, ignored_exceptions=TRANSIENT).until(attempt)


def read(driver, by, selector):
    return WebDriverWait(driver, 15, ignored_exceptions=TRANSIENT).until(
        lambda d: d.find_element(by, selector).text)


def zip_folder(folder, target):
    import zipfile
    with zipfile.ZipFile(str(target), 'w') as archive:
        for path in sorted(folder.iterdir()):
            archive.write(str(path), path.name)
    return str(target)


@pytest.fixture
def browser():
    binary = shutil.which('chromium') or shutil.which('chromium-browser')
    driver_path = shutil.which('chromedriver')
    if not (binary and driver_path):
        pytest.fail('chromium and chromium-driver are needed (scripts/install-deps.sh installs them)')
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in ('--headless=new', '--no-sandbox', '--disable-gpu', '--window-size=1280,1600',
                 '--disable-dev-shm-usage'):
        options.add_argument(flag)
    from selenium.webdriver.chrome.service import Service
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    yield driver
    driver.quit()


def shot(driver, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SHOTS / ('console-' + name + '.png')))


def heading(driver, text):
    """Waits for the page a click led to (a click on a form button does not wait for the next page)."""
    WebDriverWait(driver, 15, ignored_exceptions=TRANSIENT).until(
        lambda d: d.find_element(By.TAG_NAME, 'h1').text == text)


def cell(driver, name, column):
    return read(driver, By.CSS_SELECTOR, 'tr[data-name="{0}"] td.{1}'.format(name, column))


def test_console_shows_each_functions_calls_and_cost(tmp_path, browser):
    proc, endpoint = start_server(tmp_path / 'data')
    try:
        client = fc2.Client(endpoint=endpoint, accessKeyID='AK', accessKeySecret='SK')
        client.create_service('catalog')
        for name in ('list-items', 'get-item'):
            client.create_function('catalog', name, 'python3', 'index.handler',
                                   codeZipFile=zip_folder(EXAMPLE / name, tmp_path / (name + '.zip')))
            client.create_trigger('catalog', name, 'http', 'http', {'authType': 'anonymous', 'methods': ['GET']},
                                  None, None)
        costs = {'list-items': 0.0, 'get-item': 0.0}
        for name, path, count in (('list-items', '/', 17), ('get-item', '/3', 5)):
            for _ in range(count):
                resp = requests.get('{0}/2016-08-15/proxy/catalog/{1}{2}'.format(endpoint, name, path), timeout=30)
                assert resp.status_code == 200
                costs[name] += float(re.search(r'usd=([0-9.e-]+)', resp.headers['x-nimbus-cost']).group(1))

        browser.get(endpoint + '/console')
        assert '/console/login' in browser.current_url  # no page without a session
        browser.find_element(By.NAME, 'accessKeyId').send_keys('AK')
        browser.find_element(By.NAME, 'accessKeySecret').send_keys('wrong')
        browser.find_element(By.ID, 'login').click()
        WebDriverWait(browser, 15).until(lambda d: 'Wrong key pair' in d.page_source)
        browser.find_element(By.NAME, 'accessKeyId').send_keys('AK')
        browser.find_element(By.NAME, 'accessKeySecret').send_keys('SK')
        browser.find_element(By.ID, 'login').click()
        heading(browser, 'Account overview')
        assert cell(browser, 'catalog', 'invocations') == '22'
        shot(browser, 'overview')

        click(browser, By.LINK_TEXT, 'catalog')
        heading(browser, 'catalog')
        assert cell(browser, 'list-items', 'invocations') == '17'
        assert cell(browser, 'get-item', 'invocations') == '5'
        assert cell(browser, 'list-items', 'errors') == '0'
        for name in costs:
            shown = float(cell(browser, name, 'cost'))
            assert abs(shown - costs[name]) < 1e-8, (name, shown, costs[name])  # the receipts add up to the page
        assert len(browser.find_elements(By.CSS_SELECTOR, 'svg.chart polyline')) >= 2
        shot(browser, 'service')

        click(browser, By.LINK_TEXT, 'get-item')
        heading(browser, 'get-item')
        assert read(browser, By.CSS_SELECTOR, '#card-invocations .value') == '5'
        assert len(browser.find_elements(By.CSS_SELECTOR, '#invocations tbody tr')) == 5
        assert read(browser, By.ID, 'logs') != ''
        assert '"handler"' in read(browser, By.ID, 'configuration')
        assert float(read(browser, By.CSS_SELECTOR, '#card-alwayson .value')) > 0
        shot(browser, 'function')

        # /metrics and `nimbus metrics` say the same as the page
        metrics = requests.get(endpoint + '/metrics', timeout=10).text
        for name, count in (('list-items', 17), ('get-item', 5)):
            assert ('nimbus_invocations_total{{service="catalog",function="{0}",qualifier="LATEST",'
                    'outcome="success"}} {1}').format(name, count) in metrics
        env = dict(os.environ, NIMBUS_ENDPOINT=endpoint, NIMBUS_ACCESS_KEY_ID='AK', NIMBUS_ACCESS_KEY_SECRET='SK')
        out = subprocess.run([os.environ['NIMBUS_BIN'], 'metrics', 'catalog'], env=env, capture_output=True,
                             text=True, timeout=60)
        rows = {line.split()[0]: line.split() for line in out.stdout.splitlines() if line.split()}
        assert rows['list-items'][1] == '17' and rows['get-item'][1] == '5', out.stdout
        assert abs(float(rows['list-items'][-1]) - costs['list-items']) < 1e-8, out.stdout

        # live: more calls show up without a reload (the page refreshes its numbers every 5 s)
        for _ in range(3):
            requests.get(endpoint + '/2016-08-15/proxy/catalog/get-item/4', timeout=30)
        WebDriverWait(browser, 15, ignored_exceptions=TRANSIENT).until(
            lambda d: d.find_element(By.CSS_SELECTOR, '#card-invocations .value').text == '8')

        # an event function's async invocations show on its page
        import zipfile
        package = tmp_path / 'worker.zip'
        with zipfile.ZipFile(str(package), 'w') as archive:
            archive.writestr('index.py', 'def handler(event, context):\n    return event\n')
        client.create_function('catalog', 'worker', 'python3', 'index.handler', codeZipFile=str(package))
        for _ in range(2):
            client.invoke_function('catalog', 'worker', payload=b'job', headers={'x-fc-invocation-type': 'Async'})
        browser.get(endpoint + '/console/services/catalog/functions/worker')
        heading(browser, 'worker')
        WebDriverWait(browser, 20, ignored_exceptions=TRANSIENT).until(
            lambda d: d.find_element(By.CSS_SELECTOR, '#async td.succeeded').text == '2')
        shot(browser, 'async')

        # An FC 3.0 function (one model, two views): listed on the overview as what it is, with its calls.
        import base64
        from alibabacloud_fc20230330 import models as fc3
        from alibabacloud_fc20230330.client import Client as FC3Client
        from alibabacloud_tea_openapi.models import Config
        fc = FC3Client(Config(access_key_id='AK', access_key_secret='SK', endpoint=endpoint.split('://', 1)[1],
                              protocol='http'))
        fc.create_function(fc3.CreateFunctionRequest(body=fc3.CreateFunctionInput(
            function_name='resizer', runtime='python3', handler='index.handler',
            code=fc3.InputCodeLocation(zip_file=base64.b64encode(package.read_bytes()).decode()))))
        for _ in range(3):
            fc.invoke_function('resizer', fc3.InvokeFunctionRequest(body=b'img'))
        browser.get(endpoint + '/console')
        heading(browser, 'Account overview')
        assert 'FC 3.0 function' in read(browser, By.CSS_SELECTOR, 'tr[data-name="resizer"] td:first-child')
        WebDriverWait(browser, 20, ignored_exceptions=TRANSIENT).until(
            lambda d: d.find_element(By.CSS_SELECTOR, 'tr[data-name="resizer"] td.invocations').text == '3')
        assert 'FC 3.0' not in read(browser, By.CSS_SELECTOR, 'tr[data-name="catalog"] td:first-child')

        browser.find_element(By.CSS_SELECTOR, 'header button').click()  # log out
        WebDriverWait(browser, 15).until(lambda d: '/console/login' in d.current_url)
        browser.get(endpoint + '/console/services/catalog')
        assert '/console/login' in browser.current_url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_console_pages_need_a_session(endpoint):
    for path in ('/console', '/console/services/x', '/console/services/x/functions/y'):
        resp = requests.get(endpoint + path, allow_redirects=False, timeout=10)
        assert resp.status_code == 303 and resp.headers['location'] == '/console/login'
    forged = requests.get(endpoint + '/console', cookies={'nimbus_session': 'guess'}, allow_redirects=False,
                          timeout=10)
    assert forged.status_code == 303
