# -*- coding: utf-8 -*-
"""Nimbus python3 runtime shim: Alibaba Cloud FC 2.0 "python3" semantics behind the instance
HTTP contract (docs: fc-runtimes spec sections 0, 1, 2 and 4).

Started by the Nimbus supervisor as ``python3 -u bootstrap.py`` with cwd = the function's code
directory. Serves HTTP/1.1 (keep-alive) on 127.0.0.1:$FC_SERVER_PORT:

* ``POST /invoke``       -> ``handler(event: bytes, context)``
* ``POST /initialize``   -> ``initializer(context)``, at most once successfully per process
* ``GET  /pre-freeze``   -> ``pre_freeze(context)``   (name from x-fc-instance-lifecycle-pre-freeze-handler)
* ``GET  /pre-stop``     -> ``pre_stop(context)``     (name from x-fc-instance-lifecycle-pre-stop-handler)
* anything with ``x-fc-control-path: /http-invoke`` -> WSGI ``handler(environ, start_response)``

Success: 200 + converted return value. Function error: 404 with ``x-fc-status: 404`` and
``x-fc-error-type: UnhandledInvocationError`` and FC's error JSON. Standard library only.

Standby mode (``NIMBUS_STANDBY=1``): the process starts before its function is known, with only
FC_SERVER_PORT, FC_FUNC_CODE_PATH, NIMBUS_STANDBY, PATH, HOME, LANG and TZ set and an empty code
directory. It listens and prints its "inited" line, answers every call with 503 until
``POST /nimbus/assign`` (no x-fc-control-path) hands it ``{"environment": {...}}`` -- the complete
environment a normal start would have had -- then configures itself exactly as a normal start does
(200 ``{"assigned": true}``; a second assign is 409). Until then ``GET /nimbus/assign`` answers
200 ``{"assigned": false}`` on a kept-alive connection, which the platform keeps for the assignment.

This file is only the entry point: the shim is the package ``nimbus_fc`` beside it (its
``__init__`` lists the modules). In the sandbox the directory is read-only, so every module is
compiled from source at each start.
"""

import os
import sys

if __name__ == "__main__":
    # Python put this file's directory first on sys.path, unless PYTHONSAFEPATH (3.11+) is in the
    # function's environment: then it goes there for the package. main() takes it off sys.path again.
    _here = os.path.dirname(os.path.abspath(__file__))
    if not sys.path or os.path.abspath(sys.path[0] or os.curdir) != _here:
        sys.path.insert(0, _here)

    # No __pycache__ beside the shim where its directory is writable (outside the sandbox): it is
    # compiled at every start there too, as in the sandbox. User code gets the setting as it was.
    _writes_bytecode = sys.dont_write_bytecode
    sys.dont_write_bytecode = True
    try:
        from nimbus_fc import main
    finally:
        sys.dont_write_bytecode = _writes_bytecode

    main(__file__)
