"""The HTTP/1.1 server (keep-alive) on 127.0.0.1:$FC_SERVER_PORT: reads each request, sends each reply."""

import http
import socket
import socketserver

from nimbus_fc.calls import Call

# Response headers of a WSGI app that this shim owns (the body is always sent in full).
HOP_RESPONSE_HEADERS = frozenset(["content-length", "transfer-encoding", "connection", "keep-alive"])


class _BadRequest(Exception):
    pass


class _Headers(object):
    """A request's headers: case-insensitive lookup of the first value, and every pair in order."""

    __slots__ = ("_pairs", "_first")

    def __init__(self, pairs):
        self._pairs = pairs
        first = {}
        for name, value in pairs:
            first.setdefault(name.lower(), value)
        self._first = first

    def get(self, name, default=None):
        return self._first.get(name.lower(), default)

    def __getitem__(self, name):
        return self._first.get(name.lower())

    def __contains__(self, name):
        return name.lower() in self._first

    def items(self):
        return list(self._pairs)

    def get_all(self, name, failobj=None):
        wanted = name.lower()
        found = [value for key, value in self._pairs if key.lower() == wanted]
        return found or failobj


MAX_HEADERS = 100


class RuntimeRequestHandler(socketserver.StreamRequestHandler):
    """HTTP/1.1 with keep-alive, read by hand: http.server (and the http.client, email and ssl
    modules it imports) cost more than half of this shim's start-up, paid by every instance."""

    def handle(self):
        self.close_connection = True
        self.handle_one_request()
        while not self.close_connection:
            self.handle_one_request()

    def parse_request(self):
        """The request line and headers, read as http.server reads them; False once an error is sent."""
        self.command = None
        self.close_connection = True
        requestline = str(self.raw_requestline, "iso-8859-1").rstrip("\r\n")
        words = requestline.split()
        if len(words) != 3 or not words[2].startswith("HTTP/"):
            self.send_error(http.HTTPStatus.BAD_REQUEST, "Bad request syntax (%r)" % requestline)
            return False
        command, path, version = words
        try:
            major, minor = (int(part) for part in version[5:].split(".", 1))
        except ValueError:
            self.send_error(http.HTTPStatus.BAD_REQUEST, "Bad request version (%r)" % version)
            return False
        if major != 1:
            self.send_error(http.HTTPStatus.HTTP_VERSION_NOT_SUPPORTED, "Invalid HTTP version (%s)" % version)
            return False
        self.command, self.path = command, path
        pairs = []
        while True:
            line = self.rfile.readline(65537)
            if len(line) > 65536:
                self.send_error(http.HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Line too long")
                return False
            if line in (b"\r\n", b"\n", b""):
                break
            if len(pairs) >= MAX_HEADERS:
                self.send_error(http.HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Too many headers")
                return False
            name, colon, value = str(line, "iso-8859-1").partition(":")
            if colon:
                pairs.append((name.strip(), value.strip()))
        self.headers = _Headers(pairs)
        connection = (self.headers.get("connection") or "").lower()
        if "close" in connection:
            self.close_connection = True
        elif minor >= 1 or "keep-alive" in connection:
            self.close_connection = False
        if minor >= 1 and (self.headers.get("expect") or "").lower() == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        return True

    def send_error(self, code, message=None):
        self.close_connection = True
        reason = _status_phrase(code)
        body = (message or reason).encode("latin-1", "replace")
        head = "HTTP/1.1 %d %s\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n" % (
            int(code), reason, len(body))
        try:
            self.wfile.write(head.encode("latin-1") + body)
        except OSError:
            pass

    def handle_one_request(self):
        try:
            self.raw_requestline = self.rfile.readline(65537)
            if len(self.raw_requestline) > 65536:
                self.requestline = ""
                self.request_version = ""
                self.command = ""
                self.send_error(http.HTTPStatus.REQUEST_URI_TOO_LONG)
                return
            if not self.raw_requestline:
                self.close_connection = True
                return
            if not self.parse_request():
                return
            try:
                body = self._read_body()
            except _BadRequest as exc:
                self.send_error(http.HTTPStatus.BAD_REQUEST, str(exc))
                self.close_connection = True
                return
            call = Call(self.command, self.path, self.headers, body, self.client_address[0])
            self._send(self.server.answer(call))
        except (OSError, ValueError):  # peer went away, or a broken socket
            self.close_connection = True

    def _read_body(self):
        encoding = (self.headers.get("transfer-encoding") or "").lower()
        if "chunked" in encoding:
            return self._read_chunked()
        length = self.headers.get("content-length")
        if not length:
            return b""
        try:
            size = int(length)
        except ValueError:
            raise _BadRequest("invalid Content-Length")
        if size < 0:
            raise _BadRequest("invalid Content-Length")
        body = self.rfile.read(size)
        if len(body) != size:
            raise OSError("connection closed while reading the body")
        return body

    def _read_chunked(self):
        out = bytearray()
        while True:
            line = self.rfile.readline(65537)
            if not line:
                raise OSError("connection closed while reading the body")
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise _BadRequest("invalid chunk size")
            if size == 0:
                while True:  # trailers
                    trailer = self.rfile.readline(65537)
                    if trailer in (b"\r\n", b"\n", b""):
                        return bytes(out)
            data = self.rfile.read(size)
            if len(data) != size:
                raise OSError("connection closed while reading the body")
            out += data
            self.rfile.readline(65537)

    def _send(self, reply):
        status = reply.status
        head_only = self.command == "HEAD"
        no_body = status < 200 or status in (204, 304)
        lines = ["HTTP/1.1 %d %s" % (status, _header_text(reply.reason))]
        app_length = None
        for name, value in reply.headers:
            if name.lower() in HOP_RESPONSE_HEADERS:
                if name.lower() == "content-length":
                    app_length = value
                continue
            lines.append("%s: %s" % (_header_text(name), _header_text(value)))
        if not no_body:
            length = str(len(reply.body))
            if head_only and app_length is not None and not reply.body:
                length = _header_text(app_length)
            lines.append("Content-Length: " + length)
        if self.close_connection:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")
        data = head if (head_only or no_body) else head + reply.body
        self.wfile.write(data)  # one write: headers and body in the same segment(s)


def _header_text(value):
    text = str(value).replace("\r", " ").replace("\n", " ")
    try:
        text.encode("latin-1")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8").decode("latin-1")


def _status_phrase(code):
    try:
        return http.HTTPStatus(int(code)).phrase
    except ValueError:
        return "Unknown"


class RuntimeServer(socketserver.ThreadingMixIn, socketserver.TCPServer):
    """A thread per connection; ``answer(call) -> Reply`` is what the runtime makes of each call."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address, answer):
        self.answer = answer
        socketserver.TCPServer.__init__(self, address, RuntimeRequestHandler, bind_and_activate=False)

    def server_bind(self):
        # Skip HTTPServer's getfqdn() (a reverse DNS lookup on the start-up path).
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = host
        self.server_port = port

    def get_request(self):
        sock, address = self.socket.accept()
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        return sock, address

    def handle_error(self, request, client_address):
        pass
