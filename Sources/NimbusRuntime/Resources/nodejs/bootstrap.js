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
 *
 * This file is only the entry point: the shim is the package nimbus_fc/ beside it (its index.js
 * lists the modules).
 */

// User code is loaded with this module's require, as when the shim was this one file.
require('./nimbus_fc/index.js').main(require, module);
