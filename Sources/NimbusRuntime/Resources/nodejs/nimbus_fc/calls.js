'use strict';
/*
 * One call in flight (spec §3.1): its boundary lines, first completion wins, the conversion of a
 * result or an error into FC's response, uncaught errors attributed to the calls they belong to, and
 * running the user function (callback, returned promise or throw) inside the call's async context.
 */

const path = require('node:path');
const util = require('node:util');
const {
    callStorage, emitLogRecord, inFlight, logErrorCapped, sysLog, writeStdout, writeStdoutFlushed,
} = require('./logs.js');

// Frames of the shim's own files are dropped from stack traces: the entry point and this package.
const SHIM_FILES = [path.join(path.dirname(__dirname), 'bootstrap.js'), __dirname + path.sep];

function isShimFrame(line) {
    return line.startsWith('at ') && SHIM_FILES.some((file) => line.includes(file));
}

// ----------------------------------------------------------------------------------------------
// Result and error conversion.
// ----------------------------------------------------------------------------------------------

/** callback data / returned value -> response bytes. */
function formatData(data) {
    if (data === undefined || data === null) {
        return Buffer.alloc(0);
    }
    if (Buffer.isBuffer(data)) {
        return data;
    }
    if (typeof data === 'string') {
        return Buffer.from(data, 'utf8');
    }
    if (typeof data === 'object') {
        const json = JSON.stringify(data);
        return Buffer.from(json === undefined ? '' : json, 'utf8');
    }
    return Buffer.from(String(data), 'utf8');
}

function isErrorLike(err) {
    return util.types.isNativeError(err) || err instanceof Error
        || (err !== null && typeof err === 'object' && typeof err.message === 'string'
            && typeof err.stack === 'string');
}

/** Error.stack as trimmed lines, without the frames of this shim. */
function stackLines(err) {
    const stack = typeof err.stack === 'string' ? err.stack : '';
    return stack.split('\n')
        .map((line) => line.trim())
        .filter((line) => line.length > 0 && !isShimFrame(line));
}

/** Error value -> FC error body object. */
function errorBody(err) {
    if (isErrorLike(err)) {
        return {
            errorMessage: String(err.message),
            errorType: String(err.name || 'Error'),
            stackTrace: stackLines(err),
        };
    }
    let message;
    try {
        message = formatData(err).toString('utf8');
    } catch (_) {
        message = String(err);
    }
    return { errorMessage: message };
}

/** A load-time failure (bad handler string, missing module/export) with a fixed body shape. */
class LoadError extends Error {
    constructor(message, errorType, cause) {
        super(message);
        this.name = errorType;
        this.body = { errorMessage: message, errorType };
        if (cause && isErrorLike(cause)) {
            this.body.stackTrace = stackLines(cause);
        }
    }
}

function bodyForError(err) {
    return err instanceof LoadError ? err.body : errorBody(err);
}

function isThenable(value) {
    return value !== null && (typeof value === 'object' || typeof value === 'function')
        && typeof value.then === 'function';
}

// ----------------------------------------------------------------------------------------------
// The call.
// ----------------------------------------------------------------------------------------------

class Call {
    /** kind: Invoke | Initialize | PreFreeze | PreStop */
    constructor(kind, requestId, res) {
        this.kind = kind;
        this.requestId = requestId;
        this.res = res;
        this.done = false;
        this.promise = new Promise((resolve) => {
            this.resolveOutcome = resolve;
        });
        res.on('close', () => {
            if (!res.writableFinished) {
                inFlight.delete(this); // caller went away: stop attributing errors to this call
            }
        });
    }

    begin() {
        inFlight.add(this);
        writeStdout(`FC ${this.kind} Start RequestId: ${this.requestId}\n`);
    }

    /** Runs user code inside this call's async context. */
    run(fn) {
        return callStorage.run({ requestId: this.requestId, call: this }, fn);
    }

    succeed(body, http) {
        this.finish({ ok: true, body, http });
    }

    fail(errorType, body) {
        this.finish({ ok: false, errorType, body });
    }

    failWith(errorType, err) {
        let body;
        try {
            body = bodyForError(err);
        } catch (_) {
            body = { errorMessage: 'error value could not be converted' };
        }
        this.fail(errorType, body);
    }

    finish(outcome) {
        if (this.done) {
            return;
        }
        this.done = true;
        inFlight.delete(this);
        this.deliver(outcome).catch((err) => sysLog('error', `response failed: ${err && err.stack}`));
    }

    async deliver(outcome) {
        let suffix = '';
        let json = null;
        if (!outcome.ok) {
            try {
                json = JSON.stringify(outcome.body);
            } catch (_) {
                json = JSON.stringify({ errorMessage: String(outcome.body && outcome.body.errorMessage) });
            }
            logErrorCapped(this.requestId, json);
            suffix = outcome.errorType === 'UnhandledInvocationError'
                ? ', Error: Unhandled function error'
                : ', Error: Handled function error';
        }
        // The End line reaches the OS before the response does (Nimbus reads logs by boundary lines).
        await writeStdoutFlushed(`FC ${this.kind} End RequestId: ${this.requestId}${suffix}\n`);
        this.resolveOutcome(outcome);
        const res = this.res;
        if (res.destroyed || res.headersSent) {
            return;
        }
        if (!outcome.ok) {
            const bytes = Buffer.from(json, 'utf8');
            res.writeHead(404, {
                'Content-Type': 'application/json',
                'Content-Length': bytes.length,
                'x-fc-status': '404',
                'x-fc-error-type': outcome.errorType,
            });
            res.end(bytes);
            return;
        }
        if (outcome.http) {
            res.statusCode = outcome.http.status;
            for (const [name, value] of outcome.http.headers) {
                res.setHeader(name, value);
            }
            res.setHeader('x-fc-status', '200');
            res.end(outcome.body); // Node frames it (Content-Length; none for 204/304/HEAD bodies)
            return;
        }
        res.writeHead(200, {
            'Content-Type': 'application/octet-stream',
            'Content-Length': outcome.body.length,
            'x-fc-status': '200',
        });
        res.end(outcome.body);
    }
}

/** Uncaught exceptions / unhandled rejections from user code. */
function onUncaught(err) {
    const store = callStorage.getStore();
    let targets;
    if (store && store.call && inFlight.has(store.call)) {
        targets = [store.call];
    } else {
        targets = Array.from(inFlight); // exactly one -> that call; several -> all of them
    }
    if (targets.length === 0) {
        const text = isErrorLike(err) ? String(err.stack) : util.format('%o', err);
        emitLogRecord('error', store ? store.requestId : '', `Uncaught error outside any invocation: ${text}`);
        return;
    }
    for (const call of targets) {
        call.failWith('UnhandledInvocationError', err);
    }
}

/**
 * Loads the handler with `loadHandler()` (context.js's resolveHandler, passed in because context.js
 * depends on this module) and runs `invokeUser(fn, done)` inside the call's context.
 * `done(err, data)` is the FC callback; a returned thenable settles the call as well.
 * `resultFromPromise` false: a resolved promise does not complete the call (HTTP handlers).
 */
function runUserFunction(call, loadHandler, invokeUser, resultFromPromise, convert) {
    const callback = (err, data) => {
        if (call.done) {
            return;
        }
        if (err !== null && err !== undefined) {
            call.failWith('HandledInvocationError', err);
            return;
        }
        let body;
        try {
            body = convert(data);
        } catch (convErr) {
            call.failWith('UnhandledInvocationError', convErr);
            return;
        }
        call.succeed(body);
    };
    const start = (fn) => {
        let returned;
        try {
            returned = invokeUser(fn, callback);
        } catch (err) {
            call.failWith('UnhandledInvocationError', err);
            return;
        }
        if (isThenable(returned)) {
            Promise.resolve(returned).then(
                (value) => {
                    if (resultFromPromise) {
                        callback(null, value);
                    }
                },
                (err) => call.failWith('UnhandledInvocationError', err),
            );
        }
    };
    // Modules load outside the call's async context: timers or sockets a module creates at load
    // time must not stay tied to the first call that happened to load it.
    let resolved;
    try {
        resolved = callStorage.exit(loadHandler);
    } catch (err) {
        call.failWith('UnhandledInvocationError', err);
        return;
    }
    if (isThenable(resolved)) {
        resolved.then((fn) => call.run(() => start(fn)), (err) => call.failWith('UnhandledInvocationError', err));
    } else {
        call.run(() => start(resolved));
    }
}

module.exports = { Call, LoadError, formatData, onUncaught, runUserFunction };
