'use strict';
/*
 * The calls with FC's event signatures (spec §3.1, §3.5), as opposed to the HTTP trigger
 * (http_adapter.js): POST /invoke -> handler(event, context, callback), POST /initialize ->
 * initializer(context, callback), at most once successfully per process, and the lifecycle hooks
 * GET /pre-freeze and GET /pre-stop -> hook(context, callback).
 */

const { ENV } = require('./settings.js');
const { Call, formatData, runUserFunction } = require('./calls.js');
const { H, buildContext, header, requestIdOf, resolveHandler } = require('./context.js');

function handleInvoke(req, res, body) {
    const requestId = requestIdOf(req);
    const context = buildContext(req.headers, requestId);
    const handlerString = header(req.headers, H.FUNCTION_HANDLER) || ENV.FC_FUNCTION_HANDLER || '';
    const call = new Call('Invoke', requestId, res);
    call.begin();
    runUserFunction(call, () => resolveHandler(handlerString), (fn, cb) => fn(body, context, cb), true, formatData);
}

let initializeSucceeded = false;
let initializeRunning = null;

function respondEmpty(res) {
    res.writeHead(200, {
        'Content-Type': 'application/octet-stream', 'Content-Length': 0, 'x-fc-status': '200',
    });
    res.end();
}

async function handleInitialize(req, res) {
    while (initializeRunning) {
        await initializeRunning; // a concurrent /initialize waits for the one already running
    }
    const name = header(req.headers, H.FUNCTION_INITIALIZER) || ENV.FC_FUNCTION_INITIALIZER || '';
    if (initializeSucceeded || !name) {
        respondEmpty(res);
        return;
    }
    const requestId = requestIdOf(req);
    const context = buildContext(req.headers, requestId);
    const call = new Call('Initialize', requestId, res);
    initializeRunning = call.promise.then((outcome) => {
        if (outcome.ok) {
            initializeSucceeded = true;
        }
        initializeRunning = null;
    });
    call.begin();
    runUserFunction(call, () => resolveHandler(name), (fn, cb) => fn(context, cb), true, formatData);
}

function handleHook(kind, headerName, req, res) {
    const name = header(req.headers, headerName);
    if (!name) {
        respondEmpty(res);
        return;
    }
    const requestId = requestIdOf(req);
    const context = buildContext(req.headers, requestId);
    const call = new Call(kind, requestId, res);
    call.begin();
    runUserFunction(call, () => resolveHandler(name), (fn, cb) => fn(context, cb), true, formatData);
}

module.exports = { handleHook, handleInitialize, handleInvoke };
