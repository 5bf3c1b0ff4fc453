'use strict';
/*
 * What user code is handed: the handler a call names, resolved and cached (`dir/sub/mod.export` ->
 * `<code>/dir/sub/mod.js`, export `export`), and its context (spec §3.2), built from the request's
 * x-fc-* headers with the function's environment as fallback.
 */

const fs = require('node:fs');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const settings = require('./settings.js');
const { createContextLogger, sysLog } = require('./logs.js');
const { LoadError } = require('./calls.js');

const ENV = settings.ENV;

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
// Handler resolution: `dir/sub/mod.export` -> `<code>/dir/sub/mod.js`, export `export` (cached).
// ----------------------------------------------------------------------------------------------

/**
 * bootstrap.js's own require: user modules loaded with it have the entry point as module.parent
 * and are among require.main.children, as when the shim was one file.
 */
let userRequire = null;

function useRequire(entryRequire) {
    userRequire = entryRequire;
}

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
        return { value: userRequire(file) };
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
    const base = path.resolve(settings.codePath, moduleName);
    let file = null;
    for (const candidate of [base + '.js', base + '.mjs', base + '.cjs']) {
        if (fileExists(candidate)) {
            file = candidate;
            break;
        }
    }
    if (file === null) {
        try {
            file = userRequire.resolve(base);
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

/** A header carrying base64 JSON (baggages, the HTTP trigger's params); {} when absent or bad. */
function decodeBase64Json(value, what) {
    if (!value) {
        return {};
    }
    try {
        const parsed = JSON.parse(Buffer.from(value, 'base64').toString('utf8'));
        return parsed && typeof parsed === 'object' ? parsed : {};
    } catch (err) {
        sysLog('warn', `${what}: ${err.message}`);
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
            openTracingSpanBaggages: decodeBase64Json(header(headers, H.SPAN_BAGGAGES),
                'failed to parse base64 opentracing baggages'),
            jaegerEndpoint: header(headers, H.JAEGER_ENDPOINT),
        },
        logger: createContextLogger(requestId),
    };
}

// node:crypto is required only here, when needed: loading it takes about 2 ms, and Nimbus sends
// x-fc-request-id with every call.
function requestIdOf(req) {
    return header(req.headers, H.REQUEST_ID) || require('node:crypto').randomUUID();
}

module.exports = {
    decodeBase64Json,
    H,
    buildContext,
    header,
    pickExport,
    requestIdOf,
    requireOrImport,
    resolveHandler,
    useRequire,
};
