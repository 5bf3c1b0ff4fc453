'use strict';
/*
 * The start-up environment and the function's settings, read from process.env; the runtime-internal
 * variables are stripped from it before user code loads.
 *
 * Standby mode (NIMBUS_STANDBY=1): Nimbus starts the process before it knows the function. Only
 * FC_SERVER_PORT, FC_FUNC_CODE_PATH, NIMBUS_STANDBY, PATH, HOME, LANG and TZ are set and the code
 * directory is still empty, so the function's settings are neither read nor is anything loaded from
 * the code directory; every call answers 503 until `POST /nimbus/assign` hands over the function's
 * complete environment, after which the process is configured exactly as at a normal start.
 *
 * Its own module (the python shim keeps its settings in lifecycle.py): most modules read it, and it
 * depends on none of them.
 */

const path = require('node:path');

const ENV = process.env;
const STANDBY = ENV.NIMBUS_STANDBY === '1';
const INTERNAL_VARIABLES = ['FC_SERVER_PORT', 'FC_SERVER_LOG_LEVEL', 'FC_INSTANCE_CONCURRENCY'];

/** One object shared by every module: configureFromEnvironment() and an assignment change it. */
const settings = {
    ENV,
    // Read when the shim is loaded, before configureFromEnvironment() deletes FC_SERVER_PORT.
    SERVER_PORT: parseInt(ENV.FC_SERVER_PORT || '9000', 10),
    STANDBY,
    STANDBY_CODE_PATH: STANDBY ? (ENV.FC_FUNC_CODE_PATH || '') : '',
    serverLogLevel: 'warn',
    instanceConcurrency: 1,
    codePath: process.cwd(),
    /** False only for a standby process that has not been assigned a function yet. */
    assigned: !STANDBY,
    configureFromEnvironment,
};

/** Reads the function's settings from process.env and strips the runtime-internal variables. */
function configureFromEnvironment() {
    settings.serverLogLevel = (ENV.FC_SERVER_LOG_LEVEL || 'warn').toLowerCase();
    settings.instanceConcurrency = Math.max(1, parseInt(ENV.FC_INSTANCE_CONCURRENCY || '1', 10) || 1);
    settings.codePath = path.resolve(ENV.FC_FUNC_CODE_PATH || process.cwd());
    for (const name of INTERNAL_VARIABLES) {
        delete ENV[name];
    }
}

module.exports = settings;
