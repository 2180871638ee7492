"""An Apprise call under one hard deadline.

Apprise's plugins make their own HTTP requests (`requests`, urllib3 underneath), each socket read with
its own timeout: a service that trickles its reply answers every read in time and could hold the
call, and the thread making it, for hours. Two things hold the deadline:

1. the call runs in a thread of its own, joined for `seconds`: the delivery never waits longer, and
   an overrun is reported (`None`), for the notifier to treat as a temporary failure;
2. every socket urllib3 opens for the call, in that thread or in the worker threads Apprise starts
   (it copies the caller's context into them), is recorded and shut down as soon as the call is over
   or abandoned, so an abandoned thread is woken and ends too, instead of reading the trickle forever.
   The sockets are recorded by a wrapper of `urllib3.util.connection.create_connection` (urllib3 looks
   it up at each new connection), installed once; outside a call it only calls the original.

A service that does not speak HTTP through urllib3 (mailto://, MQTT, ...) is bounded by (1) alone:
its thread ends on that service's own socket timeouts.
"""
from __future__ import annotations

import contextvars
import socket
import threading
from typing import Any, Callable, TypeVar

import urllib3.util.connection

from newswatch.net.watchdog import shut_down

T = TypeVar("T")
_CALL: contextvars.ContextVar["_Connections | None"] = contextvars.ContextVar("newswatch_apprise_call",
                                                                             default=None)
_INSTALL_LOCK = threading.Lock()


class _Connections:
    """The sockets one call opened; once it is over, each is shut down (and any opened later at once)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._handles: list[socket.socket] = []
        self._over = False

    def adopt(self, sock: socket.socket) -> None:
        try:    # a duplicate descriptor: TLS moves the socket into another object; shutdown acts on the connection
            handle = sock.dup()
        except OSError:
            return
        with self._lock:
            if not self._over:
                self._handles.append(handle)
                return
        shut_down(handle)
        handle.close()

    def end(self) -> None:
        with self._lock:
            self._over = True
            handles, self._handles = self._handles, []
        for handle in handles:
            shut_down(handle)
            handle.close()


def _install() -> None:
    with _INSTALL_LOCK:
        original = urllib3.util.connection.create_connection
        if getattr(original, "newswatch_cutoff", False):
            return

        def create_connection(*args: Any, **kwargs: Any) -> socket.socket:
            sock = original(*args, **kwargs)
            call = _CALL.get()
            if call is not None:
                call.adopt(sock)
            return sock

        setattr(create_connection, "newswatch_cutoff", True)
        urllib3.util.connection.create_connection = create_connection


def run_bounded(call: Callable[[], T], seconds: float) -> T | None:
    """`call()`'s result, or None when it did not finish within `seconds` (its connections are cut off
    and its thread left to end). An exception it raised is raised here."""
    _install()
    connections = _Connections()
    context = contextvars.copy_context()
    context.run(_CALL.set, connections)
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["result"] = call()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            box["error"] = exc

    thread = threading.Thread(target=context.run, args=(run,), name="apprise-send", daemon=True)
    thread.start()
    thread.join(seconds)
    connections.end()
    if thread.is_alive():
        return None
    if "error" in box:
        raise box["error"]
    result: T = box["result"]
    return result
