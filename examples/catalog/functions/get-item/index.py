"""get-item: GET /<id> -> that item as JSON; unknown or malformed id -> 404. A Python WSGI function."""

import json
import os

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'catalog.json')) as f:
    CATALOG = {item['id']: item for item in json.load(f)}


def reply(start_response, status, body):
    data = json.dumps(body).encode()
    start_response(status, [('Content-Type', 'application/json'), ('Content-Length', str(len(data)))])
    return [data]


def handler(environ, start_response):
    raw_id = environ.get('PATH_INFO', '/').strip('/')  # PATH_INFO is function-relative: '/3'
    item = CATALOG.get(int(raw_id)) if raw_id.isdigit() else None
    if item is None:
        return reply(start_response, '404 Not Found', {'error': 'item not found', 'id': raw_id})
    return reply(start_response, '200 OK', item)
