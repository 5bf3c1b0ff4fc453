"""get-item: GET /<id> -> that item as JSON; unknown or malformed id -> 404. A Python WSGI function.

The id is the path's last segment: `/3` through the HTTP trigger, `/items/3` through the custom domain.
With ITEM_CURRENCY set (the canary walk-through's new version), each item also names its currency."""

import json
import os

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'catalog.json')) as f:
    CATALOG = {item['id']: item for item in json.load(f)}


def reply(start_response, status, body):
    data = json.dumps(body).encode()
    start_response(status, [('Content-Type', 'application/json'), ('Content-Length', str(len(data)))])
    return [data]


def handler(environ, start_response):
    path = environ.get('PATH_INFO', '/')
    raw_id = path[len('/items'):] if path.startswith('/items/') else path
    raw_id = raw_id.strip('/')
    item = CATALOG.get(int(raw_id)) if raw_id.isdigit() else None
    if item is None:
        return reply(start_response, '404 Not Found', {'error': 'item not found', 'id': raw_id})
    if os.environ.get('ITEM_CURRENCY'):
        item = dict(item, currency=os.environ['ITEM_CURRENCY'])
    return reply(start_response, '200 OK', item)
