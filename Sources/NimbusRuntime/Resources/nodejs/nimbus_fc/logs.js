'use strict';
/*
 * Output (spec §1.4, §3.4): the boundary lines and user log records on stdout, the shim's own
 * diagnostics on stderr, console.* for user code, and which call a log line belongs to.
 */

const util = require('node:util');
const { AsyncLocalStorage } = require('node:async_hooks');
const settings = require('./settings.js');

const STDOUT_FLUSH_WAIT_MS = 2000;
const ERROR_LOG_LENGTH = 256 * 1024;

// Bound when the shim loads, before user code can replace process.stdout.write.
const stdout = process.stdout;
const rawStdoutWrite = stdout.write.bind(stdout);
const rawStderrWrite = process.stderr.write.bind(process.stderr);

/** A closed stdout/stderr must never surface as an uncaught exception attributed to a call. */
function ignoreOutputErrors() {
    stdout.on('error', () => {});
    process.stderr.on('error', () => {});
}

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
    const wanted = LEVELS.indexOf(settings.serverLogLevel);
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
/** Calls whose outcome is still open (request ids of log lines outside any call, uncaught errors). */
const inFlight = new Set();

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

module.exports = {
    callStorage,
    createContextLogger,
    currentRequestId,
    emitLogRecord,
    ignoreOutputErrors,
    inFlight,
    installConsole,
    logErrorCapped,
    sysLog,
    writeStdout,
    writeStdoutFlushed,
};
