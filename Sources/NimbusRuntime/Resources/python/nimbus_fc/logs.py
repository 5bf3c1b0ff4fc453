"""Log routing (spec 2.6): the shim's own stdout lines, which request each thread runs, logging's set-up."""

import logging
import os
import sys
import threading
import time

LOG_FORMAT = "%(asctime)s.%(msecs)03dZ %(fc_request_id)s [%(levelname)s] %(message)s"
LOG_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"


def parse_level(text):
    text = (text or "INFO").strip().upper()
    if text.isdigit():
        return int(text)
    level = logging.getLevelName(text)
    return level if isinstance(level, int) else logging.INFO


class _RequestIdFilter(logging.Filter):
    """Stamps records with the calling thread's request id (unless a context logger did)."""

    def __init__(self, router):
        logging.Filter.__init__(self)
        self._router = router

    def filter(self, record):
        if not hasattr(record, "fc_request_id"):
            record.fc_request_id = self._router.current_request_id()
        return True


class _FixedRequestIdFilter(logging.Filter):
    def __init__(self, request_id):
        logging.Filter.__init__(self)
        self.request_id = request_id

    def filter(self, record):
        record.fc_request_id = self.request_id
        return True


class LogRouter(object):
    """Owns the real stdout (and its lock), the request id of each thread and logging's one handler."""

    def __init__(self, stdout):
        self.stdout = stdout  # the real stdout; user code may replace sys.stdout
        self.level = logging.INFO  # the function's level, for context loggers
        self.last_request_id = None  # "current" request for threads the user starts (FC's global id)
        self._handler = None
        self._stdout_lock = threading.Lock()
        self._tls = threading.local()
        self._inflight = {}  # thread ident -> request id, for the timeout stack dump
        self._inflight_lock = threading.Lock()

    def setup(self, level):
        logging.Formatter.converter = time.gmtime  # FC sets UTC for every formatter
        handler = logging.StreamHandler(self.stdout)
        handler.setFormatter(logging.Formatter(LOG_FORMAT, LOG_DATE_FORMAT))
        handler.addFilter(_RequestIdFilter(self))
        root = logging.getLogger()
        for existing in list(root.handlers):
            root.removeHandler(existing)
        root.addHandler(handler)
        root.setLevel(level)
        self._handler = handler

    def context_logger(self, request_id):
        logger = logging.Logger(request_id)  # not registered with logging's manager: no leak
        logger.setLevel(self.level)
        logger.addFilter(_FixedRequestIdFilter(request_id))
        if self._handler is not None:
            logger.addHandler(self._handler)
        return logger

    def line(self, text):
        """One of the shim's own lines (the inited line, FC ... Start/End) on the real stdout."""
        with self._stdout_lock:
            try:
                self.stdout.write(text + "\n")
                self.stdout.flush()
            except Exception:
                pass

    def current_request_id(self):
        request_id = getattr(self._tls, "request_id", None)
        if request_id is None:
            request_id = self.last_request_id
        return request_id or ""

    def enter(self, request_id):
        self._tls.request_id = request_id
        self.last_request_id = request_id
        with self._inflight_lock:
            self._inflight[threading.get_ident()] = request_id

    def leave(self):
        self._tls.request_id = None
        with self._inflight_lock:
            self._inflight.pop(threading.get_ident(), None)

    def running(self):
        """Thread ident -> request id of the calls in flight, copied without taking the lock
        (a signal handler may have interrupted its holder)."""
        return dict(self._inflight)

    def hard_exit(self, code):
        for stream in (self.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        os._exit(code)
