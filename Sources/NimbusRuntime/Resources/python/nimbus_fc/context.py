"""What user code is handed: the handler a call names, resolved and cached (spec 2.1), and its FC context (spec 2.3)."""

import binascii
import importlib
import importlib.machinery
import importlib.util
import json
import logging
import os
import re
import sys
import threading
import traceback

from nimbus_fc.calls import LoadFailure, int_or, make_error

# --------------------------------------------------------------------------------------------
# The context (spec 2.3)


class Credentials(object):
    def __init__(self, access_key_id, access_key_secret, security_token):
        self.access_key_id = access_key_id
        self.access_key_secret = access_key_secret
        self.security_token = security_token
        self.accessKeyId = access_key_id
        self.accessKeySecret = access_key_secret
        self.securityToken = security_token

    def to_dict(self):
        return {
            "accessKeyId": self.access_key_id,
            "accessKeySecret": self.access_key_secret,
            "securityToken": self.security_token,
        }


class ServiceMeta(object):
    def __init__(self, service_name, log_project, log_store, qualifier, version_id):
        self.name = service_name
        self.log_project = log_project
        self.log_store = log_store
        self.qualifier = qualifier
        self.version_id = version_id

    def to_dict(self):
        return {
            "name": self.name,
            "logProject": self.log_project,
            "logStore": self.log_store,
            "qualifier": self.qualifier,
            "versionId": self.version_id,
        }


class FunctionMeta(object):
    def __init__(self, name, handler, memory, timeout, initializer=None, initialization_timeout=None):
        self.name = name
        self.handler = handler
        self.memory = memory
        self.timeout = timeout
        # Not in FC python3's FunctionMeta.to_dict; kept as extra attributes only.
        self.initializer = initializer
        self.initialization_timeout = initialization_timeout

    def to_dict(self):
        return {"name": self.name, "handler": self.handler, "memory": self.memory, "timeout": self.timeout}


class Tracing(object):
    def __init__(self, span_context, base64_baggages, jaeger_endpoint):
        self.span_context = span_context
        self.jaeger_endpoint = jaeger_endpoint
        self.span_baggages = self.parseOpenTracingBaggages(base64_baggages)

    def parseOpenTracingBaggages(self, base64_baggages):
        baggages = {}
        if base64_baggages:
            try:
                baggages = json.loads(binascii.a2b_base64(base64_baggages))
            except Exception:
                baggages = {}
        return baggages

    def to_dict(self):
        return {
            "openTracingSpanContext": self.span_context,
            "openTracingSpanBaggages": self.span_baggages,
            "jaegerEndpoint": self.jaeger_endpoint,
        }


class FCContext(object):
    def __init__(
        self, account_id, request_id, credentials, function_meta, service_meta, region, tracing, retry_count=0,
        log_router=None,
    ):
        self.requestId = request_id
        self.request_id = request_id
        self.credentials = credentials
        self.function = function_meta
        self.service = service_meta
        self.region = region
        self.account_id = account_id
        self.retry_count = retry_count
        self.tracing = tracing
        self._logger = None
        self._log_router = log_router

    def getLogger(self):
        """Logger whose lines always carry this call's request id (use it with concurrency > 1)."""
        if self._logger is None:
            if self._log_router is not None:
                self._logger = self._log_router.context_logger(self.request_id)
            else:  # a context user code made itself: no runtime to route its lines
                self._logger = logging.Logger(self.request_id)
        return self._logger

    @property
    def logger(self):
        return self.getLogger()

    @logger.setter
    def logger(self, value):
        self._logger = value

    def to_json(self):
        return json.dumps(
            {
                "requestId": self.request_id,
                "credentials": self.credentials.to_dict(),
                "function": self.function.to_dict(),
                "service": self.service.to_dict(),
                "region": self.region,
                "accountId": self.account_id,
                "retryCount": self.retry_count,
                "tracing": self.tracing.to_dict(),
            }
        )


def build_context(call, settings, log_router):
    """The context of one call: the platform's x-fc-* headers, the function's environment as fallback."""
    h = call.header
    env = os.environ.get
    memory_default = int_or(env("FC_FUNCTION_MEMORY_SIZE"), None)
    return FCContext(
        h("x-fc-account-id", env("FC_ACCOUNT_ID")),
        call.request_id,
        Credentials(h("x-fc-access-key-id"), h("x-fc-access-key-secret"), h("x-fc-security-token")),
        FunctionMeta(
            h("x-fc-function-name", env("FC_FUNCTION_NAME")),
            settings.handler_of(call),
            int_or(h("x-fc-function-memory"), memory_default),
            int_or(h("x-fc-function-timeout"), None),
            h("x-fc-function-initializer", settings.default_initializer),
            int_or(h("x-fc-initialization-timeout"), None),
        ),
        ServiceMeta(
            h("x-fc-service-name", env("FC_SERVICE_NAME")),
            h("x-fc-service-logproject"),
            h("x-fc-service-logstore"),
            h("x-fc-qualifier", env("FC_QUALIFIER")),
            h("x-fc-version-id"),
        ),
        h("x-fc-region", env("FC_REGION")),
        Tracing(
            h("x-fc-tracing-opentracing-span-context"),
            h("x-fc-tracing-opentracing-span-baggages"),
            h("x-fc-tracing-jaeger-endpoint"),
        ),
        int_or(h("x-fc-retry-count"), 0),
        log_router,
    )


# --------------------------------------------------------------------------------------------
# FC's load errors (their class names are the errorType values)


class ImportModuleError(Exception):
    pass


class UserCodeSyntaxError(Exception):
    pass


class InvalidHandleName(Exception):
    pass


class HandlerNotFound(Exception):
    pass


class UserCodeError(Exception):
    pass


_SYNTAX_LOCATION = re.compile(r'^(File ".*"), (line \d+)$')


def load_error(err):
    """FC's load-failure error: a flat stackTrace from the exception being handled."""
    exc_type, exc_value = sys.exc_info()[:2]
    trace = []
    if exc_type is not None:
        for index, chunk in enumerate(traceback.format_exception_only(exc_type, exc_value)):
            for line in chunk.split("\n"):
                item = line.replace("^", "").strip()
                if not item:
                    continue
                match = _SYNTAX_LOCATION.match(item) if index == 0 else None
                if match:
                    trace.extend(match.groups())
                else:
                    trace.append(item)
    return make_error(err, trace)


# --------------------------------------------------------------------------------------------
# Handlers


class UserCode(object):
    """Owns the handler cache and its lock; reads the code directory from the settings at each load."""

    def __init__(self, settings, log_router):
        self._settings = settings
        self._log_router = log_router
        self._handlers = {}  # handler string -> callable, for the instance lifetime
        self._load_lock = threading.Lock()

    def context(self, call):
        return build_context(call, self._settings, self._log_router)

    def handler(self, call):
        """The callable of the handler the call names (else the function's); raises LoadFailure."""
        return self.load(self._settings.handler_of(call))

    def load(self, handler):
        """The callable named by ``handler``, cached for the instance lifetime; raises LoadFailure."""
        function = self._handlers.get(handler)
        if function is not None:
            return function
        with self._load_lock:
            function = self._handlers.get(handler)
            if function is None:
                function = self._resolve(handler)
                self._handlers[handler] = function
            return function

    def _resolve(self, handler):
        try:
            modname, fname = handler.rsplit(".", 1)
        except ValueError:
            raise LoadFailure(load_error(InvalidHandleName("Invalid handler '%s'" % handler)))
        try:
            module = self._import_user_module(modname)
        except Exception as exc:
            if isinstance(exc, ImportError):
                err = ImportModuleError("Unable to import module '%s'" % modname)
            elif isinstance(exc, SyntaxError):
                err = UserCodeSyntaxError("Syntax error in module '%s'" % modname)
            elif isinstance(exc, ValueError):  # FC maps a ValueError at load time to InvalidHandleName
                err = InvalidHandleName("Invalid handler '%s'" % modname)
            else:
                err = UserCodeError("Module initialization error: '%s'" % str(exc))
            raise LoadFailure(load_error(err))
        try:
            return getattr(module, fname)
        except AttributeError:
            missing = HandlerNotFound("Handler '%s' is missing on module '%s'" % (fname, modname))
            raise LoadFailure(load_error(missing))

    def _import_user_module(self, modname):
        if "/" in modname:
            return self._import_from_directory(modname)
        return importlib.import_module(modname)

    def _import_from_directory(self, modname):
        """``dir/sub/mod`` (or ``dir/sub/pkg.mod``): load under <code>/dir/sub, registered as modname."""
        if modname in sys.modules:
            return sys.modules[modname]
        slash = modname.rfind("/")
        directory = os.path.join(self._settings.code_path, modname[:slash])
        segments = modname[slash + 1 :].split(".")
        search = [directory]
        spec = None
        for position, segment in enumerate(segments):
            spec = importlib.machinery.PathFinder.find_spec(segment, search) if segment else None
            if spec is None or (spec.origin is None and position == len(segments) - 1):
                raise ImportError("No module named '%s'" % segment, name=segment)
            if position < len(segments) - 1:
                if not spec.submodule_search_locations:
                    raise ImportError("No module named '%s'" % segments[position + 1], name=segments[position + 1])
                search = list(spec.submodule_search_locations)
        spec = importlib.util.spec_from_file_location(
            modname, spec.origin, submodule_search_locations=spec.submodule_search_locations
        )
        module = importlib.util.module_from_spec(spec)
        sys.modules[modname] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            sys.modules.pop(modname, None)
            raise
        return module
