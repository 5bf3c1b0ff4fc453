"""What bench.py's servers are given: credentials, the API prefix, and the fixture functions' code."""

import os
import zipfile

BENCHMARKS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO = os.path.dirname(BENCHMARKS)
ACCESS_KEY_ID = 'BENCHKEYID'
ACCESS_KEY_SECRET = 'bench-secret'
ACCOUNT_ID = '1000000000000001'
API = '/2016-08-15'

# The trivial custom runtime: nginx answering "ok" (its own port on .../port, its instance id on .../instance),
# single worker.
# NGX_DIR lets the same script run unsandboxed for the baselines; in the sandbox /tmp is private.
NGINX_BOOTSTRAP = r'''#!/bin/sh
d=${NGX_DIR:-/tmp}
cat > "$d/nginx.conf" <<CONF
worker_processes 1;
pid $d/nginx.pid;
error_log stderr warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $d/body; proxy_temp_path $d/proxy; fastcgi_temp_path $d/fcgi;
  uwsgi_temp_path $d/uwsgi; scgi_temp_path $d/scgi;
  keepalive_requests 100000000;
  server {
    listen 127.0.0.1:$FC_SERVER_PORT;
    location ~ /port\$ { return 200 "$FC_SERVER_PORT"; }
    location ~ /instance\$ { return 200 "$FC_INSTANCE_ID"; }
    location / { return 200 "ok"; }
  }
}
CONF
exec /usr/sbin/nginx -p "$d" -e stderr -c "$d/nginx.conf" -g 'daemon off;'
'''

# Echo server for the payload scenario (Node.js streams the body back; nginx can't echo).
ECHO_BOOTSTRAP = '#!/bin/sh\nexec /usr/bin/node /code/echo.js\n'
ECHO_JS = r'''const http = require('http');
const port = Number(process.env.FC_SERVER_PORT);
http.createServer((req, res) => {
  if (req.url.endsWith('/port')) { res.end(String(port)); return; }
  if (req.url.endsWith('/instance')) { res.end(process.env.FC_INSTANCE_ID || ''); return; }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    res.writeHead(200, {'content-type': 'application/octet-stream', 'content-length': body.length});
    res.end(body);
  });
}).listen(port, '127.0.0.1');
'''

# python3: an event handler that echoes (or names the port its runtime listens on, read from /proc/self,
# since the shim hides FC_SERVER_PORT from user code), and a WSGI answer behind an HTTP trigger.
PY_HANDLER = r'''import os
import time


def _listening_ports():
    inodes = set()
    for fd in os.listdir('/proc/self/fd'):
        try:
            target = os.readlink('/proc/self/fd/' + fd)
        except OSError:
            continue
        if target.startswith('socket:['):
            inodes.add(target[8:-1])
    ports = []
    for table in ('/proc/self/net/tcp', '/proc/self/net/tcp6'):
        try:
            with open(table) as handle:
                for line in list(handle)[1:]:
                    fields = line.split()
                    if fields[3] == '0A' and fields[9] in inodes:
                        ports.append(str(int(fields[1].rsplit(':', 1)[1], 16)))
        except OSError:
            pass
    return ports


def handler(event, second):
    if isinstance(event, dict):  # WSGI environ: an HTTP-trigger call
        second('200 OK', [('Content-Type', 'text/plain')])
        return [b'ok']
    if event == b'port':
        return ','.join(_listening_ports())
    if event.startswith(b'hold:'):  # the burst: keep the instance busy this many ms
        time.sleep(int(event[5:]) / 1000.0)
    return event
'''
NODE_HANDLER = r'''const fs = require('fs');

function listeningPorts() {
  const inodes = new Set();
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    try {
      const target = fs.readlinkSync('/proc/self/fd/' + fd);
      if (target.startsWith('socket:[')) inodes.add(target.slice(8, -1));
    } catch (e) {}
  }
  const ports = [];
  for (const table of ['/proc/self/net/tcp', '/proc/self/net/tcp6']) {
    let text = '';
    try { text = fs.readFileSync(table, 'utf8'); } catch (e) { continue; }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length > 9 && f[3] === '0A' && inodes.has(f[9])) ports.push(String(parseInt(f[1].split(':')[1], 16)));
    }
  }
  return ports;
}

exports.handler = (event, context, callback) => {
  callback(null, String(event) === 'port' ? listeningPorts().join(',') : event);
};
'''


def make_zip(path, files):
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as archive:
        for name, (content, mode) in files.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = mode << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content)
    return path
