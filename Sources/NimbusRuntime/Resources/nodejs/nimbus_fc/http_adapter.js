'use strict';
/*
 * The HTTP trigger (spec §3.3): a call as FC's request object (a readable stream of the body with
 * FC's fields on top) and response object, for handler(request, response, context); what the handler
 * sends becomes the call's reply.
 */

const http = require('node:http');
const stream = require('node:stream');
const { ENV } = require('./settings.js');
const { sysLog } = require('./logs.js');
const { Call, formatData, runUserFunction } = require('./calls.js');
const { H, buildContext, decodeBase64Json, header, requestIdOf, resolveHandler } = require('./context.js');

const RESERVED_REQUEST_HEADERS = new Set(['connection', 'keep-alive']);
const RESERVED_RESPONSE_HEADERS = new Set([
    'connection', 'content-length', 'date', 'keep-alive', 'server', 'upgrade', 'transfer-encoding',
]);
const PROXY_PREFIX = /^\/2016-08-15\/proxy\/[^/?]+\/[^/?]+/;

/** FC HTTP request: a readable stream of the body with FC's fields on top. */
class FCHttpRequest extends stream.Readable {
    constructor(fields, body) {
        super();
        this._fcBody = body;
        Object.assign(this, fields);
        this.body = body;
    }

    _read() {
        if (this._fcBody !== null) {
            const body = this._fcBody;
            this._fcBody = null;
            if (body.length > 0) {
                this.push(body);
            }
        }
        this.push(null);
    }
}

/** FC HTTP response: setStatusCode / setHeader / deleteHeader / send. */
class FCHttpResponse {
    constructor(onSend) {
        this._onSend = onSend;
        this._status = 200;
        this._headers = new Map(); // lower-case name -> [original name, value]
        this._sent = false;
    }

    get statusCode() {
        return this._status;
    }

    setStatusCode(code) {
        const status = typeof code === 'number' ? code : parseInt(code, 10);
        if (!Number.isInteger(status) || status < 100 || status > 999) {
            throw new RangeError(`Invalid status code: ${code}`);
        }
        this._status = status;
    }

    setHeader(key, value) {
        const name = String(key);
        http.validateHeaderName(name);
        const stored = Array.isArray(value) ? value.map((v) => String(v)) : String(value);
        for (const v of Array.isArray(stored) ? stored : [stored]) {
            http.validateHeaderValue(name, v);
        }
        this._headers.set(name.toLowerCase(), [name, stored]);
    }

    getHeader(key) {
        const entry = this._headers.get(String(key).toLowerCase());
        return entry ? entry[1] : undefined;
    }

    getHeaders() {
        const out = {};
        for (const [lower, entry] of this._headers) {
            out[lower] = entry[1];
        }
        return out;
    }

    hasHeader(key) {
        return this._headers.has(String(key).toLowerCase());
    }

    deleteHeader(key) {
        this._headers.delete(String(key).toLowerCase());
    }

    send(body) {
        if (this._sent) {
            return;
        }
        this._sent = true;
        this._onSend(this, body);
    }

    /** Headers as relayed to Nimbus: reserved ones dropped. */
    _relayedHeaders() {
        const out = [];
        for (const [lower, entry] of this._headers) {
            if (RESERVED_RESPONSE_HEADERS.has(lower) || lower.startsWith('x-fc-')) {
                continue;
            }
            out.push(entry);
        }
        return out;
    }
}

function safeDecode(text) {
    try {
        return decodeURIComponent(text);
    } catch (_) {
        return text;
    }
}

function parseQueries(uri) {
    const queries = {};
    const q = uri.indexOf('?');
    if (q < 0) {
        return queries;
    }
    const raw = uri.substring(q + 1).split('#')[0];
    for (const [key, value] of new URLSearchParams(raw)) {
        if (!Object.prototype.hasOwnProperty.call(queries, key)) {
            queries[key] = value;
        } else if (Array.isArray(queries[key])) {
            queries[key].push(value);
        } else {
            queries[key] = [queries[key], value];
        }
    }
    return queries;
}

function buildHttpRequest(req, body) {
    const params = decodeBase64Json(header(req.headers, H.HTTP_PARAMS), 'bad x-fc-http-params');
    const requestURI = typeof params.requestURI === 'string' ? params.requestURI : req.url;
    let fnPath = params.path;
    if (typeof fnPath !== 'string') {
        const rawPath = requestURI.split('?')[0];
        fnPath = safeDecode(rawPath.replace(PROXY_PREFIX, '')) || '/';
    }
    const headers = {};
    for (const [name, value] of Object.entries(req.headers)) {
        if (RESERVED_REQUEST_HEADERS.has(name) || name.startsWith('x-fc-')) {
            continue;
        }
        headers[name] = value;
    }
    const fields = {
        headers,
        path: fnPath,
        queries: parseQueries(requestURI),
        method: typeof params.method === 'string' ? params.method : req.method,
        clientIP: typeof params.clientIP === 'string' ? params.clientIP : (req.socket.remoteAddress || ''),
        url: requestURI,
        host: typeof params.host === 'string' ? params.host : header(req.headers, 'host'),
        httpVersion: req.httpVersion,
    };
    return new FCHttpRequest(fields, body);
}

function collectStream(readable) {
    return new Promise((resolve, reject) => {
        const chunks = [];
        readable.on('data', (chunk) => chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk));
        readable.on('end', () => resolve(Buffer.concat(chunks)));
        readable.on('error', reject);
    });
}

function handleHttpInvoke(req, res, body) {
    const requestId = requestIdOf(req);
    const context = buildContext(req.headers, requestId);
    const handlerString = header(req.headers, H.FUNCTION_HANDLER) || ENV.FC_FUNCTION_HANDLER || '';
    const call = new Call('Invoke', requestId, res);
    const request = buildHttpRequest(req, body);
    const onSend = (response, payload) => {
        const complete = (bytes) => call.finish({
            ok: true,
            body: bytes,
            http: { status: response._status, headers: response._relayedHeaders() },
        });
        if (payload instanceof stream.Readable) {
            collectStream(payload).then(complete, (err) => call.failWith('UnhandledInvocationError', err));
            return;
        }
        let bytes;
        try {
            bytes = formatData(payload);
        } catch (err) {
            call.failWith('UnhandledInvocationError', err);
            return;
        }
        complete(bytes);
    };
    const response = new FCHttpResponse(onSend);
    call.begin();
    const invokeUser = (fn) => fn(request, response, context);
    runUserFunction(call, () => resolveHandler(handlerString), invokeUser, false, formatData);
}

module.exports = { handleHttpInvoke };
