"""The HTTP-trigger adapter (spec 2.7): a call as a WSGI environ, the app's answer as a reply."""

import binascii
import http
import io
import json
import logging
import os
import sys
import traceback

from nimbus_fc.calls import Reply, fail_with

# Headers the platform adds to a call; they never reach the WSGI environ as HTTP_* keys
# (HTTP_X_FC_FUNCTION_HANDLER is set explicitly, as FC does).
PLATFORM_HEADERS = frozenset(
    [
        "x-fc-request-id",
        "x-fc-function-name",
        "x-fc-function-handler",
        "x-fc-function-memory",
        "x-fc-function-timeout",
        "x-fc-function-initializer",
        "x-fc-initialization-timeout",
        "x-fc-service-name",
        "x-fc-service-logproject",
        "x-fc-service-logstore",
        "x-fc-qualifier",
        "x-fc-version-id",
        "x-fc-region",
        "x-fc-account-id",
        "x-fc-retry-count",
        "x-fc-access-key-id",
        "x-fc-access-key-secret",
        "x-fc-security-token",
        "x-fc-instance-lifecycle-pre-freeze-handler",
        "x-fc-instance-lifecycle-pre-stop-handler",
        "x-fc-control-path",
        "x-fc-http-params",
        "x-fc-tracing-opentracing-span-context",
        "x-fc-tracing-opentracing-span-baggages",
        "x-fc-tracing-jaeger-endpoint",
        "x-fc-function-type",
        "x-fc-function-deadline",
        "x-fc-client-ip",
        "x-fc-trace-id",
        "x-fc-instance-id",
    ]
)

# Request headers that describe the hop to this shim, not the client's request.
HOP_REQUEST_HEADERS = frozenset(["content-length", "transfer-encoding"])

def _wsgi_str(text):
    """Unicode text from the envelope -> PEP 3333 native string (UTF-8 bytes as latin-1)."""
    try:
        text.encode("ascii")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape").decode("latin-1")


def _http_params(call):
    params = None
    raw = call.header("x-fc-http-params")
    if raw:
        try:
            params = json.loads(binascii.a2b_base64(raw))
        except Exception:
            params = None
    if not isinstance(params, dict):  # plain HTTP without the envelope: describe the request itself
        params = {
            "path": call.path.split("?", 1)[0],
            "requestURI": call.path,
            "method": call.method,
            "clientIP": call.peer_ip,
        }
    return params


def build_environ(call, context):
    params = _http_params(call)
    environ = dict(os.environ)
    environ.update(
        {
            "CONTENT_LENGTH": str(len(call.body)),
            "HTTP": "on",
            "SCRIPT_NAME": "",
            "SERVER_NAME": "FCRUNTIME",
            "SERVER_PORT": "9000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "SERVER_SOFTWARE": "FCRUNTIME/1.0",
            "CONTENT_TYPE": "application/octet-stream",
            "QUERY_STRING": "",
            "wsgi.version": (1, 0),
            "wsgi.input": io.BytesIO(call.body),
            "wsgi.errors": sys.stderr,
            "wsgi.url_scheme": "http",
            "wsgi.multithread": False,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
    )
    environ["PATH_INFO"] = _wsgi_str(params.get("path") or "/")
    environ["REQUEST_METHOD"] = params.get("method") or call.method
    request_uri = params.get("requestURI") or ""
    environ["fc.request_uri"] = request_uri
    environ["REMOTE_ADDR"] = params.get("clientIP") or ""

    content_types = []
    grouped = {}
    for name, value in call.headers.items():
        lower = name.lower()
        if lower in PLATFORM_HEADERS or lower in HOP_REQUEST_HEADERS:
            continue
        if lower == "content-type":
            content_types.append(value)
            continue
        grouped.setdefault("HTTP_" + name.upper().replace("-", "_"), []).append(value)
    if content_types:
        environ["CONTENT_TYPE"] = ",".join(content_types)
    for key, values in grouped.items():
        environ[key] = ",".join(values)
    if params.get("host"):
        environ["HTTP_HOST"] = params["host"]

    if "?" in request_uri:
        environ["QUERY_STRING"] = _wsgi_str(request_uri.split("?", 1)[1])
    environ["HTTP_X_FC_FUNCTION_HANDLER"] = context.function.handler
    environ["fc.context"] = context
    return environ


class StartResponse(object):
    def __init__(self):
        self.status = None
        self.headers = None
        self.buffer = io.BytesIO()

    def __call__(self, status, headers, exc_info=None):
        # Nothing is sent before the app returns, so a second call (with exc_info) simply
        # replaces the status and headers, as PEP 3333 allows before headers are sent.
        exc_info = None
        code = int(status.split()[0].strip())
        collected = []
        for name, value in headers:
            collected.append((str(name), str(value)))
        self.status = (code, status)
        self.headers = collected
        return self.write

    def write(self, data):
        self.buffer.write(data)


def _http_reply(start, chunks):
    code, status_text = start.status
    parts = status_text.strip().split(None, 1)
    reason = parts[1] if len(parts) > 1 else ""
    if not reason:
        try:
            reason = http.HTTPStatus(code).phrase
        except ValueError:
            reason = "Unknown"
    body = start.buffer.getvalue() + b"".join(chunks)
    return Reply(code, reason, start.headers, body, True)


def run_http(call, code):
    """An HTTP-trigger call: WSGI ``handler(environ, start_response)``."""
    function = code.handler(call)
    context = code.context(call)
    environ = build_environ(call, context)
    start = StartResponse()
    result = None
    try:
        try:
            result = function(environ, start)
            if isinstance(result, (bytes, bytearray)):
                chunks = [bytes(result)]
            else:
                chunks = list(result)
            if start.status is None:
                raise RuntimeError("start_response was not called")
            reply = _http_reply(start, chunks)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
    except Exception as exc:
        logging.getLogger().error(traceback.format_exc())
        return fail_with(exc, exc.__traceback__)
    return reply
