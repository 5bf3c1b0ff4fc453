#!/usr/bin/env python3
"""Rolls a new version of get-item out to 10% of the custom domain's traffic through an alias.

Run after deploy.py. Steps, each printed:
  1. publish the current service as a version (or reuse the newest if nothing changed);
  2. alias `live` -> that version, and the domain's /items/* route -> alias `live`;
  3. the new get-item: ITEM_CURRENCY=EUR (items name their currency), published as the next version;
  4. alias `live` keeps its version and sends --weight (10%) of calls to the new one;
  5. --calls requests through the domain, counted by the version that answered
     (X-Fc-Invocation-Service-Version) and by response shape.

    python canary.py [--endpoint http://127.0.0.1:8080] [--data-dir ./.nimbus] [--weight 0.1] [--calls 200]

Promote with: client.update_alias('catalog', 'live', '<new version>', additionalVersionWeight={}).
"""

import argparse
import collections
import sys

import requests

from deploy import DOMAIN, DOMAIN_ROUTES, SERVICE, DeployError, credentials, fc2, find


def publish(client, description):
    """Publishes a version; if nothing changed since the newest one, returns that one instead."""
    try:
        return client.publish_version(SERVICE, description).data['versionId']
    except fc2.FcError as err:
        if err.status_code != 400:
            raise
        return client.list_versions(SERVICE, limit=1).data['versions'][0]['versionId']


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--endpoint', default='http://127.0.0.1:8080')
    parser.add_argument('--data-dir', default='./.nimbus')
    parser.add_argument('--weight', type=float, default=0.1)
    parser.add_argument('--calls', type=int, default=200)
    args = parser.parse_args(argv)
    endpoint = args.endpoint.rstrip('/')
    try:
        key_id, secret = credentials(args.data_dir)
    except DeployError as err:
        print('canary failed: {0}'.format(err), file=sys.stderr)
        return 1
    client = fc2.Client(endpoint=endpoint, accessKeyID=key_id, accessKeySecret=secret, Timeout=60)

    stable = publish(client, 'stable catalogue')
    print('1. version {0}: the catalogue as deployed'.format(stable))
    if find(lambda: client.get_alias(SERVICE, 'live')) is None:
        client.create_alias(SERVICE, 'live', stable, description='what the domain serves')
    else:
        client.update_alias(SERVICE, 'live', stable, additionalVersionWeight={})
    routes = {'routes': [dict(route, qualifier='live') if route['path'] == '/items/*' else route
                         for route in DOMAIN_ROUTES['routes']]}
    client.update_custom_domain(DOMAIN, routeConfig=routes)
    print('2. alias live -> version {0}; {1}/items/* -> get-item at alias live'.format(stable, DOMAIN))

    client.update_function(SERVICE, 'get-item', environmentVariables={'ITEM_CURRENCY': 'EUR'})
    candidate = publish(client, 'get-item names the currency')
    print('3. version {0}: get-item with ITEM_CURRENCY=EUR'.format(candidate))
    client.update_alias(SERVICE, 'live', stable, additionalVersionWeight={candidate: args.weight})
    print('4. alias live: version {0}, {1:.0%} of calls to version {2}'.format(stable, args.weight, candidate))

    versions, shapes = collections.Counter(), collections.Counter()
    for _ in range(args.calls):
        resp = requests.get(endpoint + '/items/3', headers={'Host': DOMAIN}, timeout=60)
        resp.raise_for_status()
        versions[resp.headers.get('x-fc-invocation-service-version')] += 1
        shapes['with currency' if 'currency' in resp.json() else 'without currency'] += 1
    print('5. {0} calls to http://{1}/items/3:'.format(args.calls, DOMAIN))
    for version in sorted(versions):
        print('   version {0}: {1:4d} ({2:.1%})'.format(version, versions[version], versions[version] / args.calls))
    print('   responses: ' + ', '.join('{0} {1}'.format(n, shape) for shape, n in sorted(shapes.items())))
    return 0


if __name__ == '__main__':
    sys.exit(main())
