#!/usr/bin/env python3
"""Deploys the catalogue demo into service `catalog` on a Nimbus (or Function Compute 2.0) endpoint.

Idempotent: creates what is missing, updates the code and settings of what exists.

    python deploy.py [--endpoint http://127.0.0.1:8080] [--data-dir ./.nimbus]

Keys come from NIMBUS_ACCESS_KEY_ID / NIMBUS_ACCESS_KEY_SECRET, else from <data dir>/credentials.json
(written by the first `nimbus serve`). Needs the official SDK: pip install aliyun-fc2.
"""

import argparse
import json
import logging
import os
import sys
import tempfile
import zipfile
from pathlib import Path

try:
    import fc2
except ImportError:  # reported by main()
    fc2 = None

HERE = Path(__file__).resolve().parent
SERVICE = 'catalog'
TRIGGER = 'http'
TRIGGER_CONFIG = {'authType': 'anonymous', 'methods': ['GET']}
# name -> (folder, runtime, handler); `custom` ignores the handler and starts ./bootstrap
FUNCTIONS = {
    'list-items': ('functions/list-items', 'python3', 'index.handler'),
    'get-item': ('functions/get-item', 'python3', 'index.handler'),
    'stats': ('functions/stats', 'nodejs20', 'index.handler'),
    'webapp': ('webapp', 'custom', 'index.handler'),
}
SKIPPED = {'__pycache__', '.DS_Store', 'node_modules'}
# One host name in front of the functions, like an API gateway: the old app's paths, now per function.
DOMAIN = 'catalog.localhost'
DOMAIN_ROUTES = {'routes': [
    {'path': '/items', 'serviceName': SERVICE, 'functionName': 'list-items', 'methods': ['GET']},
    {'path': '/items/*', 'serviceName': SERVICE, 'functionName': 'get-item', 'methods': ['GET']},
    {'path': '/*', 'serviceName': SERVICE, 'functionName': 'webapp'},
]}


class DeployError(Exception):
    pass


def parse_args(argv):
    parser = argparse.ArgumentParser(description='Deploy the catalogue demo to Nimbus.')
    parser.add_argument('--endpoint', default=os.environ.get('NIMBUS_ENDPOINT') or 'http://127.0.0.1:8080',
                        help='API endpoint (default: $NIMBUS_ENDPOINT or http://127.0.0.1:8080)')
    parser.add_argument('--data-dir', default='./.nimbus',
                        help='Nimbus data dir holding credentials.json, used when the key variables are unset')
    return parser.parse_args(argv)


def credentials(data_dir):
    key_id, secret = os.environ.get('NIMBUS_ACCESS_KEY_ID'), os.environ.get('NIMBUS_ACCESS_KEY_SECRET')
    if key_id and secret:
        return key_id, secret
    path = Path(data_dir) / 'credentials.json'
    try:
        stored = json.loads(path.read_text())
        return stored['accessKeyId'], stored['accessKeySecret']
    except (OSError, ValueError, KeyError) as err:
        raise DeployError('no credentials: set NIMBUS_ACCESS_KEY_ID and NIMBUS_ACCESS_KEY_SECRET, or point '
                          '--data-dir at the server\'s data dir ({0}: {1})'.format(path, err))


def check_datasets():
    """Every function ships its own copy of catalog.json; make sure they did not drift apart."""
    copies = {folder: (HERE / folder / 'catalog.json').read_bytes() for folder, _, _ in FUNCTIONS.values()}
    if len(set(copies.values())) != 1:
        raise DeployError('the catalog.json copies differ; copy webapp/catalog.json over the others: '
                          + ', '.join(sorted(copies)))


def zip_folder(folder, target):
    """Zip a function folder: stable order and timestamps, executables (e.g. bootstrap) keep mode 755."""
    root = HERE / folder
    with zipfile.ZipFile(str(target), 'w', zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(root.rglob('*')):
            if not path.is_file() or SKIPPED.intersection(path.relative_to(root).parts) or path.suffix == '.pyc':
                continue
            info = zipfile.ZipInfo(path.relative_to(root).as_posix(), date_time=(2024, 1, 1, 0, 0, 0))
            executable = path.name == 'bootstrap' or os.access(str(path), os.X_OK)
            info.external_attr = (0o755 if executable else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, path.read_bytes())


def find(call):
    """The resource the SDK call reads, or None if it answers 404; other errors propagate."""
    try:
        return call().data
    except fc2.FcError as err:
        if err.status_code == 404:
            return None
        raise


def deploy(client, workdir):
    if find(lambda: client.get_service(SERVICE)) is not None:
        print('service  {0}: exists'.format(SERVICE))
    else:
        client.create_service(SERVICE, description='catalogue demo: one function per endpoint')
        print('service  {0}: created'.format(SERVICE))

    for name, (folder, runtime, handler) in FUNCTIONS.items():
        code = Path(workdir) / (name + '.zip')
        zip_folder(folder, code)
        settings = dict(codeZipFile=str(code), memorySize=128, timeout=10, description='catalogue demo: ' + name)
        if find(lambda: client.get_function(SERVICE, name)) is not None:
            client.update_function(SERVICE, name, runtime=runtime, handler=handler, **settings)
            action = 'updated'
        else:
            client.create_function(SERVICE, name, runtime, handler, **settings)
            action = 'created'
        print('function {0}/{1} ({2}): {3}'.format(SERVICE, name, runtime, action))

        trigger = find(lambda: client.get_trigger(SERVICE, name, TRIGGER))
        if trigger is None:
            client.create_trigger(SERVICE, name, TRIGGER, 'http', TRIGGER_CONFIG, None, None)
            action = 'created'
        elif trigger.get('triggerConfig') != TRIGGER_CONFIG:
            client.update_trigger(SERVICE, name, TRIGGER, triggerConfig=TRIGGER_CONFIG)
            action = 'updated'
        else:
            action = 'exists'
        print('trigger  {0}/{1}/{2}: {3}'.format(SERVICE, name, TRIGGER, action))

    # An existing domain is left as it is: canary.py may have pointed a route at an alias.
    if find(lambda: client.get_custom_domain(DOMAIN)) is not None:
        print('domain   {0}: exists'.format(DOMAIN))
    else:
        client.create_custom_domain(DOMAIN, 'HTTP', DOMAIN_ROUTES)
        print('domain   {0}: created'.format(DOMAIN))


def smoke_test(endpoint):
    """One GET per function (this also starts an instance of each), so a broken deploy fails here."""
    import requests  # installed with the SDK
    target = {'x-fc-invocation-target': '2016-08-15/proxy/{0}/webapp'.format(SERVICE)}
    checks = [('{0}/2016-08-15/proxy/{1}/list-items/'.format(endpoint, SERVICE), {}),
              ('{0}/2016-08-15/proxy/{1}/get-item/1'.format(endpoint, SERVICE), {}),
              ('{0}/2016-08-15/proxy/{1}/stats/'.format(endpoint, SERVICE), {}),
              (endpoint + '/items/1', target),  # not /health: Nimbus answers its own /health first
              (endpoint + '/items/1', {'Host': DOMAIN})]
    for url, headers in checks:
        resp = requests.get(url, headers=headers, timeout=60)
        if resp.status_code != 200:
            raise DeployError('smoke test: GET {0} {1}answered HTTP {2}: {3}'.format(
                url, '(with x-fc-invocation-target) ' if headers else '', resp.status_code, resp.text[:500]))
    print('smoke test: all {0} functions answer, and the custom domain'.format(len(checks) - 1))


def print_try_lines(endpoint):
    proxy = '{0}/2016-08-15/proxy/{1}'.format(endpoint, SERVICE)
    print('\nTry it:')
    print('  curl {0}/list-items/'.format(proxy))
    print("  curl '{0}/list-items/?category=books'".format(proxy))
    print('  curl {0}/get-item/3'.format(proxy))
    print('  curl {0}/stats/'.format(proxy))
    print("  curl -H 'x-fc-invocation-target: 2016-08-15/proxy/{0}/webapp' {1}/items/3".format(SERVICE, endpoint))
    print("  curl -H 'x-fc-invocation-target: 2016-08-15/proxy/{0}/webapp' {1}/".format(SERVICE, endpoint))
    port = endpoint.rsplit(':', 1)[-1]
    print('The custom domain {0} (curl resolves *.localhost to 127.0.0.1):'.format(DOMAIN))
    print('  curl http://{0}:{1}/items            # list-items'.format(DOMAIN, port))
    print('  curl http://{0}:{1}/items/3          # get-item'.format(DOMAIN, port))
    print('  curl http://{0}:{1}/                 # the unchanged webapp'.format(DOMAIN, port))
    print('Through the SDK:')
    print("  python3 -c \"import fc2; c = fc2.Client(endpoint='{0}', accessKeyID='...', accessKeySecret='...'); "
          "print(c.do_http_request('GET', '{1}', 'get-item', '/3').json())\"".format(endpoint, SERVICE))


def main(argv=None):
    args = parse_args(argv)
    endpoint = args.endpoint.rstrip('/')
    if fc2 is None:
        print('deploy failed: the aliyun-fc2 SDK is not installed (pip install aliyun-fc2, or use '
              'tests/interop/.venv/bin/python)', file=sys.stderr)
        return 2
    # the SDK logs every non-2xx answer at ERROR, also the 404s that tell us what to create; failures
    # are reported below instead
    logging.getLogger().addHandler(logging.NullHandler())
    try:
        check_datasets()
        key_id, secret = credentials(args.data_dir)
        client = fc2.Client(endpoint=endpoint, accessKeyID=key_id, accessKeySecret=secret, Timeout=60)
        with tempfile.TemporaryDirectory(prefix='catalog-deploy-') as workdir:
            deploy(client, workdir)
        smoke_test(endpoint)
    except DeployError as err:
        print('deploy failed: {0}'.format(err), file=sys.stderr)
        return 1
    except fc2.FcError as err:
        print('deploy failed: {0} answered HTTP {1} {2}: {3}'.format(
            endpoint, err.status_code, err.err_code, err.message), file=sys.stderr)
        return 1
    except Exception as err:  # connection refused, timeouts, ...
        print('deploy failed: cannot deploy to {0}: {1}: {2}'.format(endpoint, type(err).__name__, err),
              file=sys.stderr)
        return 1
    print_try_lines(endpoint)
    return 0


if __name__ == '__main__':
    sys.exit(main())
