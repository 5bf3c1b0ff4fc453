#!/usr/bin/env python3
"""The catalogue as an ordinary standard-library web application.

Nothing in here knows about Function Compute: run it with `python3 app.py` and open
http://127.0.0.1:8000/. Nimbus runs the very same file as a custom-runtime function (see `bootstrap`).

Routes: /  (HTML list)   /items  (JSON)   /items/<id>  (JSON, 404 if unknown)   /health
Port: $PORT, else $FC_SERVER_PORT, else 8000. Address: $HOST, else 0.0.0.0.
"""

import html
import json
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'catalog.json')) as f:
    ITEMS = json.load(f)
BY_ID = {str(item['id']): item for item in ITEMS}


def index_page():
    rows = ''.join('<li><a href="items/{0}">{1}</a> ({2}) {3:.2f}</li>'.format(
        item['id'], html.escape(item['name']), html.escape(item['category']), item['price']) for item in ITEMS)
    return '<!doctype html><title>Catalogue</title><h1>Catalogue</h1><ul>{0}</ul>'.format(rows)


class CatalogHandler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'  # keep-alive; every response carries Content-Length
    wbufsize = -1  # buffer the response: headers and body leave in one write (flushed after each request)
    server_version = 'CatalogApp/1.0'

    def do_GET(self):
        path = urlsplit(self.path).path
        if path == '/':
            self.send(200, index_page(), 'text/html; charset=utf-8')
        elif path == '/health':
            self.send_json(200, {'status': 'ok'})
        elif path in ('/items', '/items/'):
            self.send_json(200, {'items': ITEMS})
        elif path.startswith('/items/') and path[len('/items/'):] in BY_ID:
            self.send_json(200, BY_ID[path[len('/items/'):]])
        else:
            self.send_json(404, {'error': 'not found', 'path': path})

    def send_json(self, status, body):
        self.send(status, json.dumps(body), 'application/json')

    def send(self, status, text, content_type):
        body = text.encode('utf-8')
        self.send_response(status)
        self.send_header('Content-Type', content_type)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main():
    port = int(os.environ.get('PORT') or os.environ.get('FC_SERVER_PORT') or 8000)
    server = ThreadingHTTPServer((os.environ.get('HOST', '0.0.0.0'), port), CatalogHandler)
    print('catalogue app listening on port {0}'.format(port), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == '__main__':
    main()
