"""list-items: GET / -> {"items": [...]} (optionally ?category=books). A Python WSGI function.

Through its HTTP trigger the path is function-relative (`/`); through the custom domain it is the
request's own path (`/items`), as on FC. Both are served."""

import json
import os
from urllib.parse import parse_qs

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'catalog.json')) as f:
    CATALOG = json.load(f)


def reply(start_response, status, body):
    data = json.dumps(body).encode()
    start_response(status, [('Content-Type', 'application/json'), ('Content-Length', str(len(data)))])
    return [data]


def handler(environ, start_response):
    if environ.get('PATH_INFO', '/') not in ('', '/', '/items', '/items/'):
        return reply(start_response, '404 Not Found', {'error': 'not found', 'path': environ['PATH_INFO']})
    category = parse_qs(environ.get('QUERY_STRING', '')).get('category', [None])[0]
    items = [item for item in CATALOG if category is None or item['category'] == category]
    return reply(start_response, '200 OK', {'items': items})
