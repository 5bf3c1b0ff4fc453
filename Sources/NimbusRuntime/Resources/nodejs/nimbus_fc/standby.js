'use strict';
/*
 * Standby mode (NIMBUS_STANDBY=1): a process started before its function is known. Until
 * `POST /nimbus/assign` hands it the function's environment, every call answers 503 and
 * `GET /nimbus/assign` answers {"assigned": false}; before it listens, it warms up.
 * Loaded only in a standby process.
 */

const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const util = require('node:util');
const settings = require('./settings.js');
const { callStorage, currentRequestId, sysLog } = require('./logs.js');
const { formatData } = require('./calls.js');
const { H, buildContext, header, pickExport, requireOrImport } = require('./context.js');
const { respondJson } = require('./server.js');

const ENV = settings.ENV;
const ASSIGN_PATH = '/nimbus/assign';
const WARM_UP_TIMEOUT_MS = 2000;

/** The standby assign call: `POST /nimbus/assign` outside the HTTP-trigger / event envelopes. */
function isAssignCall(req) {
    if (!settings.STANDBY || req.method !== 'POST' || (req.url || '/').split('?')[0] !== ASSIGN_PATH) {
        return false;
    }
    const control = header(req.headers, H.CONTROL_PATH);
    return control === '' || control === ASSIGN_PATH;
}

/** `GET /nimbus/assign` before assignment: is this standby still free? */
function isAssignProbe(req) {
    return settings.STANDBY && req.method === 'GET' && (req.url || '/').split('?')[0] === ASSIGN_PATH
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
    if (settings.assigned) {
        respondJson(res, 409, { errorMessage: 'instance already assigned' });
        return;
    }
    const parsed = parseAssignBody(body);
    if (parsed.error) {
        respondJson(res, 400, { errorMessage: parsed.error });
        return;
    }
    const environment = parsed.environment;
    const codePath = path.resolve(environment.FC_FUNC_CODE_PATH || settings.STANDBY_CODE_PATH || process.cwd());
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
    settings.configureFromEnvironment();
    try {
        // Module search paths derive from NODE_PATH and HOME, which a normal start reads at boot.
        const Module = require('node:module');
        if (typeof Module._initPaths === 'function') {
            Module._initPaths();
        }
    } catch (err) {
        sysLog('warn', `could not refresh module search paths: ${err.message}`);
    }
    settings.assigned = true;
    sysLog('info', `assigned (code ${settings.codePath}, concurrency ${settings.instanceConcurrency})`);
    respondJson(res, 200, { assigned: true });
}

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

/**
 * Standby only, before FC_SERVER_PORT opens: pays ahead of time for what Node initialises lazily
 * on first use, so that once the port accepts connections the assign call and the first calls after
 * it are fast (the ~10 ms this takes is off the cold-start path). Side-effect free: dry runs of the
 * assign steps, then one loopback request through the real request path, served by a throwaway
 * server on an ephemeral port (answered 503 like any call before assignment). Nothing is read from
 * the code directory. `done` runs exactly once, also if a step fails or stalls. `newServer()`
 * makes that server, as index.js makes the real one.
 */
function warmUp(newServer, done) {
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
        path.resolve(settings.STANDBY_CODE_PATH || '.', 'index');
        const Module = require('node:module');
        if (typeof Module._initPaths === 'function') {
            Module._initPaths(); // recomputed from the assigned environment at assign time
        }
        buildContext({}, 'nimbus-warm-up'); // no randomUUID: node:crypto is not on a call's path (context.js)
        callStorage.run({ requestId: '', call: null }, () => callStorage.exit(currentRequestId));
        formatData({ warm: true });
        util.format('%s %o', 'warm', { up: 1 });
        new Date().toISOString();
        warmUpLoader();
    } catch (err) {
        sysLog('warn', `standby warm-up step failed: ${err.message}`);
    }
    const server = newServer();
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

module.exports = { ASSIGN_PATH, handleAssign, isAssignCall, isAssignProbe, warmUp };
