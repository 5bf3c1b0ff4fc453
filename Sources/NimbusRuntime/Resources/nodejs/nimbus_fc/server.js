'use strict';
/*
 * The HTTP/1.1 server (keep-alive) on 127.0.0.1:$FC_SERVER_PORT: reads each request, routes it to
 * its kind of call and, in a standby not assigned yet, answers for the function.
 */

const http = require('node:http');
const settings = require('./settings.js');
const { sysLog } = require('./logs.js');
const { H, header } = require('./context.js');

const KEEP_ALIVE_TIMEOUT_MS = 10 * 60 * 1000;
const MAX_HEADER_BYTES = 64 * 1024;

function route(req) {
    const control = header(req.headers, H.CONTROL_PATH);
    if (control === '/http-invoke') {
        return 'http';
    }
    const pathname = (req.url || '/').split('?')[0];
    if (req.method === 'POST' && (pathname === '/invoke' || control === '/invoke')) {
        return 'invoke';
    }
    if (req.method === 'POST' && (pathname === '/initialize' || control === '/initialize')) {
        return 'initialize';
    }
    if (req.method === 'GET' && pathname === '/pre-freeze') {
        return 'pre-freeze';
    }
    if (req.method === 'GET' && pathname === '/pre-stop') {
        return 'pre-stop';
    }
    return 'http';
}

function respondJson(res, status, value) {
    const bytes = Buffer.from(JSON.stringify(value), 'utf8');
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': bytes.length });
    res.end(bytes);
}

function readBody(req) {
    return new Promise((resolve, reject) => {
        const chunks = [];
        req.on('data', (chunk) => chunks.push(chunk));
        req.on('end', () => resolve(Buffer.concat(chunks)));
        req.on('error', reject);
    });
}

// event_calls.js and http_adapter.js are loaded at the first call of their kind: a function
// mostly gets calls of one kind, and each module costs about 0.3 ms of start-up. (A standby loads
// both as soon as it listens: index.js.)
let eventCalls = null;
let httpAdapter = null;

async function onRequest(req, res, standby, requireLater) {
    const kind = standby !== null && standby.isAssignCall(req) ? 'assign' : route(req);
    const body = await readBody(req);
    if (kind === 'assign') {
        standby.handleAssign(res, body);
        return;
    }
    if (!settings.assigned && standby.isAssignProbe(req)) {
        respondJson(res, 200, { assigned: false });
        return;
    }
    if (!settings.assigned) {
        respondJson(res, 503, { errorMessage: 'instance not assigned' });
        return;
    }
    switch (kind) {
        case 'invoke':
            eventCalls = eventCalls || requireLater('./event_calls.js');
            eventCalls.handleInvoke(req, res, body);
            break;
        case 'initialize':
            eventCalls = eventCalls || requireLater('./event_calls.js');
            await eventCalls.handleInitialize(req, res);
            break;
        case 'pre-freeze':
            eventCalls = eventCalls || requireLater('./event_calls.js');
            eventCalls.handleHook('PreFreeze', H.PRE_FREEZE_HANDLER, req, res);
            break;
        case 'pre-stop':
            eventCalls = eventCalls || requireLater('./event_calls.js');
            eventCalls.handleHook('PreStop', H.PRE_STOP_HANDLER, req, res);
            break;
        default:
            httpAdapter = httpAdapter || requireLater('./http_adapter.js');
            httpAdapter.handleHttpInvoke(req, res, body);
    }
}

/**
 * An HTTP server serving the instance contract (not listening yet). `standby`: standby.js in a
 * standby process (it gates every call until assigned), else null. `requireLater`: index.js's.
 */
function createServer(standby, requireLater) {
    const server = http.createServer({ maxHeaderSize: MAX_HEADER_BYTES }, (req, res) => {
        onRequest(req, res, standby, requireLater).catch((err) => {
            sysLog('error', `request failed: ${err && err.stack}`);
            if (!res.headersSent && !res.destroyed) {
                res.writeHead(500, { 'Content-Type': 'text/plain' });
                res.end('nimbus nodejs runtime error');
            }
        });
    });
    server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
    server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1000;
    server.requestTimeout = 0;
    server.timeout = 0;
    server.on('connection', (socket) => socket.setNoDelay(true));
    server.on('clientError', (err, socket) => {
        if (socket.writable) {
            socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
        }
    });
    return server;
}

module.exports = { createServer, respondJson };
