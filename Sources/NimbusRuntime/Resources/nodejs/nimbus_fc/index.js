'use strict';
/*
 * Nimbus's Node.js runtime shim as a package: main() wires its modules together and runs it (from
 * bootstrap.js). The modules, by concern:
 *
 *   settings.js      the start-up environment and the function's settings (re-read at assignment)
 *   logs.js          stdout/stderr, log records, console.*, which call a log line belongs to
 *   calls.js         one call: boundary lines, its reply or FC error, uncaught errors, running user code
 *   context.js       handlers by name (resolved, cached, FC's load errors) and the context object
 *   event_calls.js   invoke, initializer (once), pre-freeze / pre-stop hooks
 *   http_adapter.js  the HTTP trigger: FC's request and response objects
 *   server.js        the HTTP/1.1 server and the routing of a request to its kind of call
 *   standby.js       NIMBUS_STANDBY=1: the gate until POST /nimbus/assign, and the warm-up
 *
 * Each module costs a require at every start (about 0.3 ms: resolve, read, compile), so there are
 * few of them, and three are loaded only where needed: standby.js by a standby, event_calls.js and
 * http_adapter.js at the first call of their kind (a standby loads both once it listens). See
 * benchmarks/shim_start.py.
 */

const path = require('node:path');
const settings = require('./settings.js');
const { ignoreOutputErrors, installConsole, sysLog } = require('./logs.js');
const { onUncaught } = require('./calls.js');
const { useRequire } = require('./context.js');
const { createServer } = require('./server.js');

// User code must see no more of the shim than when it was one file: once the shim has started, its
// modules are out of require.cache and out of bootstrap.js's children (they keep one another
// alive), so that a handler cannot reach their state through require.cache or require.main.

const PACKAGE_DIRECTORY = __dirname + path.sep;
/** The shim's modules (filename -> Module) while they are out of require.cache. */
const hiddenModules = new Map();

function hideShimModules() {
    for (const file of Object.keys(require.cache)) {
        if (file.startsWith(PACKAGE_DIRECTORY)) {
            hiddenModules.set(file, require.cache[file]);
            delete require.cache[file];
        }
    }
}

/**
 * require() of one of the shim's modules once it has started: the others are back in require.cache
 * meanwhile, so that it gets them and not fresh copies. Synchronous: no user code runs meanwhile.
 */
function requireLater(file) {
    for (const [name, loaded] of hiddenModules) {
        require.cache[name] = loaded;
    }
    try {
        return require(file);
    } finally {
        hideShimModules();
    }
}

/**
 * Runs the shim. `entryRequire` is bootstrap.js's require: user code is loaded with it, so that
 * its module.parent is require.main, as before the split. `entryModule` is bootstrap.js's module.
 */
function main(entryRequire, entryModule) {
    if (!settings.STANDBY) {
        settings.configureFromEnvironment();
    }
    ignoreOutputErrors();
    process.on('uncaughtException', onUncaught);
    process.on('unhandledRejection', (reason) => onUncaught(reason));
    useRequire(entryRequire);
    const standby = settings.STANDBY ? require('./standby.js') : null;

    installConsole();
    const SERVER_PORT = settings.SERVER_PORT;
    const server = createServer(standby, requireLater);
    server.on('error', (err) => {
        sysLog('error', `cannot listen on 127.0.0.1:${SERVER_PORT}: ${err.message}`);
        process.exit(1);
    });
    const listen = () => server.listen(SERVER_PORT, '127.0.0.1', () => {
        if (settings.STANDBY) {
            sysLog('info', `standby listening on 127.0.0.1:${SERVER_PORT}, waiting for ${standby.ASSIGN_PATH}`);
            // Loaded while it waits for its assignment rather than before it listens (about 1 ms),
            // so that the first calls after the assignment find them; a request already waiting
            // is answered first.
            setImmediate(() => {
                requireLater('./event_calls.js');
                requireLater('./http_adapter.js');
            });
        } else {
            const { codePath, instanceConcurrency } = settings;
            sysLog('info', `listening on 127.0.0.1:${SERVER_PORT} (code ${codePath}, concurrency ${instanceConcurrency})`);
        }
    });
    if (settings.STANDBY) {
        standby.warmUp(() => createServer(standby, requireLater), listen);
    } else {
        listen();
    }

    const stop = () => {
        // Let other SIGTERM listeners (user code) run first in this same emit, then leave.
        setImmediate(() => process.exit(0));
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);

    hideShimModules();
    const children = entryModule.children;
    for (let i = children.length - 1; i >= 0; i--) {
        if (children[i].filename.startsWith(PACKAGE_DIRECTORY)) {
            children.splice(i, 1);
        }
    }
}

module.exports = { main };
