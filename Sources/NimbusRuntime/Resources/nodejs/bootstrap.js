'use strict';
/*
 * Nimbus Node.js runtime shim ("bootstrap").
 *
 * Reproduces the Alibaba Cloud Function Compute 2.0 nodejs runtime (spec fc-runtimes.md §3) behind
 * the instance HTTP contract (spec §0 layer 1, §4): Nimbus starts `node bootstrap.js` with the cwd set
 * to the function's code directory and talks HTTP/1.1 keep-alive to 127.0.0.1:$FC_SERVER_PORT:
 *
 *   POST /invoke                      event call  -> handler(event: Buffer, context, callback)
 *   POST /initialize                  initializer -> initializer(context, callback), once per process
 *   GET  /pre-freeze, GET /pre-stop   lifecycle hooks -> hook(context, callback)
 *   anything else, or x-fc-control-path: /http-invoke
 *                                     HTTP trigger -> handler(request, response, context)
 *   POST /nimbus/assign               standby mode only (NIMBUS_STANDBY=1): {"environment": {...}}
 *                                     -> 200 {"assigned": true}; 409 once assigned; until then every
 *                                     other call answers 503 {"errorMessage": "instance not assigned"}
 *   GET  /nimbus/assign               standby mode, before assignment: 200 {"assigned": false}
 *                                     (the platform keeps the connection for the assignment)
 *
 * Success: 200 (event/initialize/hooks: body = converted result, application/octet-stream).
 * Failure: 404 + `x-fc-status: 404` + `x-fc-error-type: HandledInvocationError|UnhandledInvocationError`
 * + JSON body {errorMessage, errorType?, stackTrace?}.
 *
 * CommonJS, Node 20+, no dependencies.
 */

const http = require('node:http');
const fs = require('node:fs');
const path = require('node:path');
const util = require('node:util');
const stream = require('node:stream');
const crypto = require('node:crypto');
const { AsyncLocalStorage } = require('node:async_hooks');
const { pathToFileURL } = require('node:url');

// ----------------------------------------------------------------------------------------------
// Start-up environment (read, then strip the runtime-internal variables before user code loads).
//
// Standby mode (NIMBUS_STANDBY=1): Nimbus starts the process before it knows the function. Only
// FC_SERVER_PORT, FC_FUNC_CODE_PATH, NIMBUS_STANDBY, PATH, HOME, LANG and TZ are set and the code
// directory is still empty, so the function's settings are neither read nor is anything loaded from
// the code directory; every call answers 503 until `POST /nimbus/assign` hands over the function's
// complete environment, after which the process is configured exactly as at a normal start.
// ----------------------------------------------------------------------------------------------

const ENV = process.env;
const SERVER_PORT = parseInt(ENV.FC_SERVER_PORT || '9000', 10);
const STANDBY = ENV.NIMBUS_STANDBY === '1';
const STANDBY_CODE_PATH = STANDBY ? (ENV.FC_FUNC_CODE_PATH || '') : '';
const INTERNAL_VARIABLES = ['FC_SERVER_PORT', 'FC_SERVER_LOG_LEVEL', 'FC_INSTANCE_CONCURRENCY'];
const ASSIGN_PATH = '/nimbus/assign';
const WARM_UP_TIMEOUT_MS = 2000;

let SERVER_LOG_LEVEL = 'warn';
let INSTANCE_CONCURRENCY = 1;
let CODE_PATH = process.cwd();
/** False only for a standby process that has not been assigned a function yet. */
let assigned = !STANDBY;

/** Reads the function's settings from process.env and strips the runtime-internal variables. */
function configureFromEnvironment() {
    SERVER_LOG_LEVEL = (ENV.FC_SERVER_LOG_LEVEL || 'warn').toLowerCase();
    INSTANCE_CONCURRENCY = Math.max(1, parseInt(ENV.FC_INSTANCE_CONCURRENCY || '1', 10) || 1);
    CODE_PATH = path.resolve(ENV.FC_FUNC_CODE_PATH || process.cwd());
    for (const name of INTERNAL_VARIABLES) {
        delete ENV[name];
    }
}

if (!STANDBY) {
    configureFromEnvironment();
}

const KEEP_ALIVE_TIMEOUT_MS = 10 * 60 * 1000;
const MAX_HEADER_BYTES = 64 * 1024;
const STDOUT_FLUSH_WAIT_MS = 2000;
const ERROR_LOG_LENGTH = 256 * 1024;
const RESERVED_REQUEST_HEADERS = new Set(['connection', 'keep-alive']);
const RESERVED_RESPONSE_HEADERS = new Set([
    'connection', 'content-length', 'date', 'keep-alive', 'server', 'upgrade', 'transfer-encoding',
]);
const PROXY_PREFIX = /^\/2016-08-15\/proxy\/[^/?]+\/[^/?]+/;

const H = {
    REQUEST_ID: 'x-fc-request-id',
    ACCESS_KEY_ID: 'x-fc-access-key-id',
    ACCESS_KEY_SECRET: 'x-fc-access-key-secret',
    SECURITY_TOKEN: 'x-fc-security-token',
    FUNCTION_NAME: 'x-fc-function-name',
    FUNCTION_HANDLER: 'x-fc-function-handler',
    FUNCTION_MEMORY: 'x-fc-function-memory',
    FUNCTION_TIMEOUT: 'x-fc-function-timeout',
    FUNCTION_INITIALIZER: 'x-fc-function-initializer',
    INITIALIZATION_TIMEOUT: 'x-fc-initialization-timeout',
    PRE_FREEZE_HANDLER: 'x-fc-instance-lifecycle-pre-freeze-handler',
    PRE_STOP_HANDLER: 'x-fc-instance-lifecycle-pre-stop-handler',
    SERVICE_NAME: 'x-fc-service-name',
    SERVICE_LOG_PROJECT: 'x-fc-service-logproject',
    SERVICE_LOG_STORE: 'x-fc-service-logstore',
    QUALIFIER: 'x-fc-qualifier',
    VERSION_ID: 'x-fc-version-id',
    REGION: 'x-fc-region',
    ACCOUNT_ID: 'x-fc-account-id',
    RETRY_COUNT: 'x-fc-retry-count',
    CONTROL_PATH: 'x-fc-control-path',
    HTTP_PARAMS: 'x-fc-http-params',
    SPAN_CONTEXT: 'x-fc-tracing-opentracing-span-context',
    SPAN_BAGGAGES: 'x-fc-tracing-opentracing-span-baggages',
    JAEGER_ENDPOINT: 'x-fc-tracing-jaeger-endpoint',
};

// ----------------------------------------------------------------------------------------------
// Output: boundary lines, user log records (spec §1.4, §3.4) and the shim's own diagnostics.
// ----------------------------------------------------------------------------------------------

const stdout = process.stdout;
const rawStdoutWrite = stdout.write.bind(stdout);
const rawStderrWrite = process.stderr.write.bind(process.stderr);
// A closed stdout/stderr must never surface as an uncaught exception attributed to a call.
stdout.on('error', () => {});
process.stderr.on('error', () => {});

const LEVELS = ['error', 'warn', 'info', 'verbose', 'debug', 'silly'];
let userLogLevel = 'silly';

/** Writes to stdout and resolves once the data has been handed to the OS (bounded wait). */
function writeStdoutFlushed(text) {
    return new Promise((resolve) => {
        const timer = setTimeout(resolve, STDOUT_FLUSH_WAIT_MS);
        try {
            rawStdoutWrite(text, () => {
                clearTimeout(timer);
                resolve();
            });
        } catch (_) {
            clearTimeout(timer);
            resolve();
        }
    });
}

function writeStdout(text) {
    try {
        rawStdoutWrite(text);
    } catch (_) {
        // stdout gone: nothing sensible left to do with the text
    }
}

/** One user log record: `<ISO time> <requestId> [<level>] <message>`, embedded `\n` -> `\r`. */
function emitLogRecord(level, requestId, message) {
    if (LEVELS.indexOf(level) > LEVELS.indexOf(userLogLevel)) {
        return;
    }
    const line = `${new Date().toISOString()} ${requestId} [${level}] ${message}`.replace(/\n/g, '\r');
    writeStdout(line + '\n');
}

function sysLog(level, message) {
    const wanted = LEVELS.indexOf(SERVER_LOG_LEVEL);
    if (LEVELS.indexOf(level) <= (wanted < 0 ? 1 : wanted)) {
        try {
            rawStderrWrite(`${new Date().toISOString()} nimbus-nodejs-runtime [${level}] ${message}\n`);
        } catch (_) {
            // ignore
        }
    }
}

/** Per-call state, visible to every async continuation of the user code of that call. */
const callStorage = new AsyncLocalStorage();

/** The id of the call whose code is running; outside any call, the only call in flight (if one). */
function currentRequestId() {
    const store = callStorage.getStore();
    if (store) {
        return store.requestId;
    }
    if (inFlight.size === 1) {
        return inFlight.values().next().value.requestId;
    }
    return '';
}

function installConsole() {
    const bind = (level) => function (...args) {
        emitLogRecord(level, currentRequestId(), util.format(...args));
    };
    console.log = bind('verbose');
    console.info = bind('info');
    console.warn = bind('warn');
    console.error = bind('error');
    console.debug = bind('debug');
    console.setLogLevel = function (level) {
        const wanted = String(level).toLowerCase();
        if (LEVELS.includes(wanted)) {
            userLogLevel = wanted;
        }
    };
}

function createContextLogger(requestId) {
    const bind = (level) => (...args) => emitLogRecord(level, requestId, util.format(...args));
    return {
        debug: bind('debug'),
        info: bind('info'),
        warn: bind('warn'),
        error: bind('error'),
        log: bind('verbose'),
    };
}

/** FC's errorCap: failed calls log their error JSON, capped at 256 KB. */
function logErrorCapped(requestId, text) {
    const capped = text.length > ERROR_LOG_LENGTH
        ? text.substring(0, ERROR_LOG_LENGTH) + '... Truncated by FunctionCompute'
        : text;
    emitLogRecord('error', requestId, capped);
}

// ----------------------------------------------------------------------------------------------
// Result and error conversion (spec §3.1).
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
        .filter((line) => line.length > 0 && !(line.startsWith('at ') && line.includes(__filename)));
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

// ----------------------------------------------------------------------------------------------
// Handler resolution: `dir/sub/mod.export` -> `<code>/dir/sub/mod.js`, export `export` (cached).
// ----------------------------------------------------------------------------------------------

const handlerCache = new Map();

function fileExists(file) {
    try {
        return fs.statSync(file).isFile();
    } catch (_) {
        return false;
    }
}

function pickExport(moduleValue, exportName) {
    if (moduleValue === null || moduleValue === undefined) {
        return undefined;
    }
    let fn = moduleValue[exportName];
    if (fn === undefined && moduleValue.default && typeof moduleValue.default === 'object') {
        fn = moduleValue.default[exportName];
    }
    return fn;
}

function requireOrImport(file) {
    if (file.endsWith('.mjs')) {
        return { pending: import(pathToFileURL(file).href) };
    }
    try {
        return { value: require(file) };
    } catch (err) {
        if (err && (err.code === 'ERR_REQUIRE_ESM' || err.code === 'ERR_REQUIRE_ASYNC_MODULE')) {
            return { pending: import(pathToFileURL(file).href) };
        }
        throw err;
    }
}

function translateLoadError(err) {
    if (err instanceof LoadError) {
        return err;
    }
    if (err && (err.code === 'MODULE_NOT_FOUND' || err.code === 'ERR_MODULE_NOT_FOUND')) {
        return new LoadError(String(err.message), 'ImportModuleError', err);
    }
    if (err instanceof SyntaxError) {
        return new LoadError(String(err.message), 'UserCodeSyntaxError', err);
    }
    return err;
}

/**
 * Resolves a handler string to a function. Returns the function, or a Promise of it when the
 * module is an ES module. Throws LoadError (or the module's own initialisation error).
 */
function resolveHandler(handlerString) {
    const cached = handlerCache.get(handlerString);
    if (cached) {
        return cached;
    }
    const spec = String(handlerString || '');
    const dot = spec.lastIndexOf('.');
    if (dot <= 0 || dot === spec.length - 1) {
        throw new LoadError(`Invalid handler '${spec}'`, 'InvalidHandlerName');
    }
    const moduleName = spec.substring(0, dot);
    const exportName = spec.substring(dot + 1);
    const base = path.resolve(CODE_PATH, moduleName);
    let file = null;
    for (const candidate of [base + '.js', base + '.mjs', base + '.cjs']) {
        if (fileExists(candidate)) {
            file = candidate;
            break;
        }
    }
    if (file === null) {
        try {
            file = require.resolve(base);
        } catch (_) {
            throw new LoadError(`Cannot find module '${base}.js'`, 'ImportModuleError');
        }
    }
    const finish = (moduleValue) => {
        const fn = pickExport(moduleValue, exportName);
        if (typeof fn !== 'function') {
            throw new LoadError(`Handler '${exportName}' missing on module '${moduleName}'`, 'HandlerNotFound');
        }
        handlerCache.set(handlerString, fn);
        return fn;
    };
    let loaded;
    try {
        loaded = requireOrImport(file);
    } catch (err) {
        throw translateLoadError(err);
    }
    if (loaded.pending) {
        const pending = loaded.pending.then(finish, (err) => {
            handlerCache.delete(handlerString);
            throw translateLoadError(err);
        });
        handlerCache.set(handlerString, pending);
        pending.catch(() => handlerCache.delete(handlerString));
        return pending;
    }
    return finish(loaded.value);
}

function isThenable(value) {
    return value !== null && (typeof value === 'object' || typeof value === 'function')
        && typeof value.then === 'function';
}

// ----------------------------------------------------------------------------------------------
// context (spec §3.2), built from the request's x-fc-* headers.
// ----------------------------------------------------------------------------------------------

function header(headers, name, fallback) {
    const value = headers[name];
    if (value === undefined) {
        return fallback === undefined ? '' : fallback;
    }
    return Array.isArray(value) ? value.join(',') : value;
}

function intOr(value, fallback) {
    const n = parseInt(value, 10);
    return Number.isNaN(n) ? fallback : n;
}

function parseBaggages(value) {
    if (!value) {
        return {};
    }
    try {
        const parsed = JSON.parse(Buffer.from(value, 'base64').toString('utf8'));
        return parsed && typeof parsed === 'object' ? parsed : {};
    } catch (err) {
        sysLog('warn', `failed to parse base64 opentracing baggages: ${err.message}`);
        return {};
    }
}

function buildContext(headers, requestId) {
    return {
        requestId,
        credentials: {
            accessKeyId: header(headers, H.ACCESS_KEY_ID, ENV.ALIBABA_CLOUD_ACCESS_KEY_ID || ''),
            accessKeySecret: header(headers, H.ACCESS_KEY_SECRET, ENV.ALIBABA_CLOUD_ACCESS_KEY_SECRET || ''),
            securityToken: header(headers, H.SECURITY_TOKEN, ENV.ALIBABA_CLOUD_SECURITY_TOKEN || ''),
        },
        function: {
            name: header(headers, H.FUNCTION_NAME, ENV.FC_FUNCTION_NAME || ''),
            handler: header(headers, H.FUNCTION_HANDLER, ENV.FC_FUNCTION_HANDLER || ''),
            memory: intOr(header(headers, H.FUNCTION_MEMORY, ENV.FC_FUNCTION_MEMORY_SIZE || ''), 0),
            timeout: intOr(header(headers, H.FUNCTION_TIMEOUT), 0),
            initializer: header(headers, H.FUNCTION_INITIALIZER, ENV.FC_FUNCTION_INITIALIZER || ''),
            initializationTimeout: intOr(header(headers, H.INITIALIZATION_TIMEOUT), 0),
        },
        service: {
            name: header(headers, H.SERVICE_NAME, ENV.FC_SERVICE_NAME || ''),
            logProject: header(headers, H.SERVICE_LOG_PROJECT),
            logStore: header(headers, H.SERVICE_LOG_STORE),
            qualifier: header(headers, H.QUALIFIER, ENV.FC_QUALIFIER || ''),
            versionId: header(headers, H.VERSION_ID),
        },
        region: header(headers, H.REGION, ENV.FC_REGION || ''),
        accountId: header(headers, H.ACCOUNT_ID, ENV.FC_ACCOUNT_ID || ''),
        retryCount: intOr(header(headers, H.RETRY_COUNT), 0),
        tracing: {
            openTracingSpanContext: header(headers, H.SPAN_CONTEXT),
            openTracingSpanBaggages: parseBaggages(header(headers, H.SPAN_BAGGAGES)),
            jaegerEndpoint: header(headers, H.JAEGER_ENDPOINT),
        },
        logger: createContextLogger(requestId),
    };
}

// ----------------------------------------------------------------------------------------------
// One call in flight: boundary lines, first-completion-wins, error attribution, the response.
// ----------------------------------------------------------------------------------------------

/** Calls whose outcome is still open (used to attribute uncaught errors). */
const inFlight = new Set();

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

process.on('uncaughtException', onUncaught);
process.on('unhandledRejection', (reason) => onUncaught(reason));

/**
 * Loads `handlerString` and runs `invokeUser(fn, done)` inside the call's context.
 * `done(err, data)` is the FC callback; a returned thenable settles the call as well.
 * `resultFromPromise` false: a resolved promise does not complete the call (HTTP handlers).
 */
function runUserFunction(call, handlerString, invokeUser, resultFromPromise, convert) {
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
        resolved = callStorage.exit(() => resolveHandler(handlerString));
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

// ----------------------------------------------------------------------------------------------
// Event invoke, initializer, lifecycle hooks.
// ----------------------------------------------------------------------------------------------

function readBody(req) {
    return new Promise((resolve, reject) => {
        const chunks = [];
        req.on('data', (chunk) => chunks.push(chunk));
        req.on('end', () => resolve(Buffer.concat(chunks)));
        req.on('error', reject);
    });
}

function requestIdOf(req) {
    return header(req.headers, H.REQUEST_ID) || crypto.randomUUID();
}

function handleInvoke(req, res, body) {
    const requestId = requestIdOf(req);
    const context = buildContext(req.headers, requestId);
    const handlerString = header(req.headers, H.FUNCTION_HANDLER) || ENV.FC_FUNCTION_HANDLER || '';
    const call = new Call('Invoke', requestId, res);
    call.begin();
    runUserFunction(call, handlerString, (fn, cb) => fn(body, context, cb), true, formatData);
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
    runUserFunction(call, name, (fn, cb) => fn(context, cb), true, formatData);
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
    runUserFunction(call, name, (fn, cb) => fn(context, cb), true, formatData);
}

// ----------------------------------------------------------------------------------------------
// HTTP trigger (spec §3.3): FC request / response objects.
// ----------------------------------------------------------------------------------------------

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

function decodeHttpParams(value) {
    if (!value) {
        return {};
    }
    try {
        const parsed = JSON.parse(Buffer.from(value, 'base64').toString('utf8'));
        return parsed && typeof parsed === 'object' ? parsed : {};
    } catch (err) {
        sysLog('warn', `bad x-fc-http-params: ${err.message}`);
        return {};
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
    const params = decodeHttpParams(header(req.headers, H.HTTP_PARAMS));
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
    runUserFunction(call, handlerString, (fn) => fn(request, response, context), false, formatData);
}

// ----------------------------------------------------------------------------------------------
// Server.
// ----------------------------------------------------------------------------------------------

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

/** The standby assign call: `POST /nimbus/assign` outside the HTTP-trigger / event envelopes. */
function isAssignCall(req) {
    if (!STANDBY || req.method !== 'POST' || (req.url || '/').split('?')[0] !== ASSIGN_PATH) {
        return false;
    }
    const control = header(req.headers, H.CONTROL_PATH);
    return control === '' || control === ASSIGN_PATH;
}

/** `GET /nimbus/assign` before assignment: is this standby still free? */
function isAssignProbe(req) {
    return STANDBY && req.method === 'GET' && (req.url || '/').split('?')[0] === ASSIGN_PATH
        && header(req.headers, H.CONTROL_PATH) === '';
}

/** `{"environment": {...}}` -> the environment mapping, or an error message. */
function parseAssignBody(body) {
    let parsed;
    try {
        parsed = JSON.parse(body.toString('utf8'));
    } catch (err) {
        return { error: `assign body is not JSON: ${err.message}` };
    }
    const environment = parsed !== null && typeof parsed === 'object' ? parsed.environment : undefined;
    if (environment === null || typeof environment !== 'object' || Array.isArray(environment)) {
        return { error: 'assign body needs an "environment" object' };
    }
    for (const [key, value] of Object.entries(environment)) {
        if (key === '' || key.includes('=') || key.includes('\0')) {
            return { error: `invalid environment variable name ${JSON.stringify(key)}` };
        }
        if (typeof value !== 'string' || value.includes('\0')) {
            return { error: `environment variable ${key} needs a string value without NUL` };
        }
    }
    return { environment };
}

/**
 * Turns this standby into the function's instance: process.env becomes exactly the given mapping,
 * then the normal start-up configuration runs (settings, internal variables stripped, cwd = code).
 * User code stays lazily loaded at the first call.
 */
function handleAssign(res, body) {
    if (assigned) {
        respondJson(res, 409, { errorMessage: 'instance already assigned' });
        return;
    }
    const parsed = parseAssignBody(body);
    if (parsed.error) {
        respondJson(res, 400, { errorMessage: parsed.error });
        return;
    }
    const environment = parsed.environment;
    const codePath = path.resolve(environment.FC_FUNC_CODE_PATH || STANDBY_CODE_PATH || process.cwd());
    try {
        process.chdir(codePath); // first: a failure leaves the standby untouched (and assignable)
    } catch (err) {
        respondJson(res, 500, { errorMessage: `cannot enter code directory ${codePath}: ${err.message}` });
        return;
    }
    // Only what changes: Node reloads its time zone data whenever TZ is written (about 5 ms).
    for (const name of Object.keys(ENV)) {
        if (!Object.prototype.hasOwnProperty.call(environment, name)) {
            delete ENV[name];
        }
    }
    for (const [name, value] of Object.entries(environment)) {
        if (ENV[name] !== value) {
            ENV[name] = value;
        }
    }
    configureFromEnvironment();
    try {
        // Module search paths derive from NODE_PATH and HOME, which a normal start reads at boot.
        const Module = require('node:module');
        if (typeof Module._initPaths === 'function') {
            Module._initPaths();
        }
    } catch (err) {
        sysLog('warn', `could not refresh module search paths: ${err.message}`);
    }
    assigned = true;
    sysLog('info', `assigned (code ${CODE_PATH}, concurrency ${INSTANCE_CONCURRENCY})`);
    respondJson(res, 200, { assigned: true });
}

/**
 * Standby only, before FC_SERVER_PORT opens: pays ahead of time for what Node initialises lazily
 * on first use, so that once the port accepts connections the assign call and the first calls after
 * it are fast (the ~10 ms this takes is off the cold-start path). Side-effect free: dry runs of the
 * assign steps, then one loopback request through the real request path, served by a throwaway
 * server on an ephemeral port (answered 503 like any call before assignment). Nothing is read from
 * the code directory. `done` runs exactly once, also if a step fails or stalls.
 */
/**
 * A throwaway module taken through the loader the function's module will take (resolve, read,
 * compile, run), then forgotten: a function's first call then costs about 1 ms less.
 */
function warmUpLoader() {
    const scratch = fs.mkdtempSync(path.join(ENV.TMPDIR || '/tmp', '.nimbus-warm-up-'));
    const file = path.join(scratch, 'index.js');
    try {
        fs.writeFileSync(file, WARM_UP_SOURCE);
        const handler = pickExport(requireOrImport(file).value, 'handler');
        handler(Buffer.from('{"a": 1}'), {}, () => {});
    } finally {
        delete require.cache[file];
        fs.rmSync(scratch, { recursive: true, force: true });
    }
}

const WARM_UP_SOURCE = `'use strict';
const greet = (names, options = {}) => names.map((name) => \`\${options.prefix || ''}\${name.toUpperCase()}\`);
class Tally {
    constructor(...items) { this.items = [...items]; }
    get size() { return this.items.length; }
}
exports.handler = (event, context, callback) => {
    try {
        const data = JSON.parse(event.toString());
        const { a, ...rest } = data;
        callback(null, JSON.stringify({ a, rest, names: greet(Object.keys(data)), size: new Tally(a).size }));
    } catch (err) {
        callback(err);
    }
};
`;

function warmUp(done) {
    let finished = false;
    const finish = () => {
        if (!finished) {
            finished = true;
            clearTimeout(guard);
            done();
        }
    };
    const guard = setTimeout(() => {
        sysLog('warn', 'standby warm-up did not finish in time; listening anyway');
        finish();
    }, WARM_UP_TIMEOUT_MS);
    try {
        parseAssignBody(Buffer.from(JSON.stringify({ environment: { NIMBUS_WARM_UP: '1' } }), 'utf8'));
        ENV.NIMBUS_WARM_UP = '1';
        delete ENV.NIMBUS_WARM_UP;
        process.chdir(process.cwd());
        path.resolve(STANDBY_CODE_PATH || '.', 'index');
        const Module = require('node:module');
        if (typeof Module._initPaths === 'function') {
            Module._initPaths(); // recomputed from the assigned environment at assign time
        }
        buildContext({}, crypto.randomUUID());
        callStorage.run({ requestId: '', call: null }, () => callStorage.exit(currentRequestId));
        formatData({ warm: true });
        util.format('%s %o', 'warm', { up: 1 });
        new Date().toISOString();
        warmUpLoader();
    } catch (err) {
        sysLog('warn', `standby warm-up step failed: ${err.message}`);
    }
    const server = createServer();
    const stop = (err) => {
        if (err) {
            sysLog('warn', `standby warm-up request failed: ${err.message}`);
        }
        server.close();
        finish();
    };
    server.on('error', stop);
    server.listen(0, '127.0.0.1', () => {
        const req = http.request({
            host: '127.0.0.1',
            port: server.address().port,
            method: 'POST',
            path: ASSIGN_PATH + '-warm-up',
            agent: false,
            headers: { 'Content-Type': 'application/json', 'x-fc-request-id': 'nimbus-warm-up' },
        }, (res) => {
            res.on('end', () => stop());
            res.on('error', stop);
            res.resume();
        });
        req.on('error', stop);
        req.end('{"environment": {}}');
    });
}

async function onRequest(req, res) {
    const kind = isAssignCall(req) ? 'assign' : route(req);
    const body = await readBody(req);
    if (kind === 'assign') {
        handleAssign(res, body);
        return;
    }
    if (!assigned && isAssignProbe(req)) {
        respondJson(res, 200, { assigned: false });
        return;
    }
    if (!assigned) {
        respondJson(res, 503, { errorMessage: 'instance not assigned' });
        return;
    }
    switch (kind) {
        case 'invoke':
            handleInvoke(req, res, body);
            break;
        case 'initialize':
            await handleInitialize(req, res);
            break;
        case 'pre-freeze':
            handleHook('PreFreeze', H.PRE_FREEZE_HANDLER, req, res);
            break;
        case 'pre-stop':
            handleHook('PreStop', H.PRE_STOP_HANDLER, req, res);
            break;
        default:
            handleHttpInvoke(req, res, body);
    }
}

/** An HTTP server serving the instance contract (not listening yet). */
function createServer() {
    const server = http.createServer({ maxHeaderSize: MAX_HEADER_BYTES }, (req, res) => {
        onRequest(req, res).catch((err) => {
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

function main() {
    installConsole();
    const server = createServer();
    server.on('error', (err) => {
        sysLog('error', `cannot listen on 127.0.0.1:${SERVER_PORT}: ${err.message}`);
        process.exit(1);
    });
    const listen = () => server.listen(SERVER_PORT, '127.0.0.1', () => {
        if (STANDBY) {
            sysLog('info', `standby listening on 127.0.0.1:${SERVER_PORT}, waiting for ${ASSIGN_PATH}`);
        } else {
            sysLog('info', `listening on 127.0.0.1:${SERVER_PORT} (code ${CODE_PATH}, concurrency ${INSTANCE_CONCURRENCY})`);
        }
    });
    if (STANDBY) {
        warmUp(listen);
    } else {
        listen();
    }

    const stop = () => {
        // Let other SIGTERM listeners (user code) run first in this same emit, then leave.
        setImmediate(() => process.exit(0));
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
}

main();
