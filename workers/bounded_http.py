"""An HTTP server that a flood of idle or trickling connections cannot exhaust: the status port.

`ThreadingHTTPServer` gives every connection a thread that waits for a request with no time limit,
and listens with a backlog of 5: 300 connections that never send anything hold 300 threads forever,
and a burst of them leaves new ones (a scraper's) retrying their SYNs for seconds. Here:

- every connection lives at most `timeout` seconds (default 10), however slowly its peer trickles:
  the process watchdog (newswatch.net.watchdog) shuts it down then, and each read times out after it;
- at most `max_connections` (default 64) are open at once. Over that, the oldest one that has not sent
  a whole request yet is closed to make room, so a scraper's request gets in however many idle ones
  are open; when all of them are busy answering, the new connection is closed at once;
- the listen backlog is 128, so a burst is accepted rather than left waiting.
"""
from __future__ import annotations

import http.server
import logging
import socket
import threading
import time
from collections import OrderedDict
from typing import Any

from newswatch.logs import fields
from newswatch.net.watchdog import Watch, shut_down, watchdog

log = logging.getLogger(__name__)

CONNECTION_TIMEOUT = 10.0
MAX_CONNECTIONS = 64


class _Connection:
    __slots__ = ("watch", "busy")

    def __init__(self, watch: Watch):
        self.watch, self.busy = watch, False


class BoundedHTTPServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: Any, handler: Any, *, timeout: float = CONNECTION_TIMEOUT,
                 max_connections: int = MAX_CONNECTIONS, bind_and_activate: bool = True):
        self.connection_timeout, self.max_connections = timeout, max_connections
        self._lock = threading.Lock()
        self._open: OrderedDict[socket.socket, _Connection] = OrderedDict()   # oldest first
        self.evicted = self.refused = 0
        super().__init__(address, handler, bind_and_activate)

    def open_connections(self) -> int:
        with self._lock:
            return len(self._open)

    def process_request(self, request: Any, client_address: Any) -> None:
        if self._admit(request):
            super().process_request(request, client_address)
        else:
            super().shutdown_request(request)

    def _admit(self, sock: socket.socket) -> bool:
        with self._lock:
            if len(self._open) >= self.max_connections:
                idle = next((s for s, c in self._open.items() if not c.busy), None)
                if idle is None:
                    self.refused += 1
                    log.warning(fields("status_connection_refused", open=len(self._open),
                                       max_connections=self.max_connections))
                    return False
                self._open.pop(idle).watch.cancel()
                shut_down(idle)     # under the lock: its thread cannot have closed it yet (shutdown_request)
                self.evicted += 1
                log.debug(fields("status_connection_evicted", open=len(self._open)))
            watch = watchdog().watch(time.monotonic() + self.connection_timeout, lambda: shut_down(sock))
            self._open[sock] = _Connection(watch)
        return True

    def request_started(self, sock: socket.socket) -> None:
        """A whole request arrived on `sock`: it is answering now, no longer a candidate to close."""
        with self._lock:
            conn = self._open.get(sock)
            if conn is not None:
                conn.busy = True

    def shutdown_request(self, request: Any) -> None:
        with self._lock:
            conn = self._open.pop(request, None)
        if conn is not None:
            conn.watch.cancel()     # before the close: the watchdog never touches a closed descriptor
        super().shutdown_request(request)


class BoundedHandler(http.server.BaseHTTPRequestHandler):
    """A handler for BoundedHTTPServer: each read times out after the connection timeout, and the
    server learns when a whole request has arrived."""

    server: BoundedHTTPServer

    def setup(self) -> None:
        super().setup()
        self.connection.settimeout(self.server.connection_timeout)

    def parse_request(self) -> bool:
        ok = super().parse_request()
        if ok:
            self.server.request_started(self.connection)
        return ok
