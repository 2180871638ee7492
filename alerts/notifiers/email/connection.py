"""The SMTP session of one send, cut off when the send's deadline passes.

smtplib gives each socket operation its own timeout and reads every reply through a file object,
so a server that trickles its greeting (or any reply) one byte at a time answers each read in time
and could hold the send, and its worker thread, for hours. The deadline of the whole send is held
from outside instead: the TCP socket is handed to the process watchdog (newswatch.net.watchdog) the
moment it exists, before the greeting is read and before any TLS, and shut down when the deadline
passes, which wakes whatever smtplib is blocked in. What is shut down is a duplicate of the socket's
descriptor: implicit TLS moves the socket into a TLS socket during its handshake, and a shutdown
acts on the connection, whichever descriptor names it.

    with SmtpDeadline(30.0) as deadline:
        smtp = deadline.open(host, port, tls_context=None)
        ...                          # starttls, login, send_message, quit: all under the deadline
    deadline.fired                   # True when the watchdog cut the session off
"""
from __future__ import annotations

import smtplib
import socket
import ssl
import threading
import time
from typing import Callable

from newswatch.net.watchdog import shut_down, watchdog


class _WatchedSMTP(smtplib.SMTP):
    """An SMTP client that hands its TCP socket to `on_socket` as soon as it is connected."""

    on_socket: Callable[[socket.socket], None] | None = None

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        sock: socket.socket = super()._get_socket(host, port, timeout)  # type: ignore[misc]
        if self.on_socket is not None:
            self.on_socket(sock)
        return sock


class _WatchedSMTPS(smtplib.SMTP_SSL, _WatchedSMTP):
    """SMTPS: SMTP_SSL's `_get_socket` wraps the plain socket that `_WatchedSMTP` made (and handed over)."""


class SmtpDeadline:
    def __init__(self, seconds: float):
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds
        self._lock = threading.Lock()
        self._handle: socket.socket | None = None
        self._watch = watchdog().watch(self.deadline, self._cut)

    @property
    def fired(self) -> bool:
        return self._watch.fired

    def remaining(self) -> float:
        return max(0.001, self.deadline - time.monotonic())

    def open(self, host: str, port: int, *, tls_context: ssl.SSLContext | None = None) -> smtplib.SMTP:
        """Connect and read the greeting (SMTPConnectError unless it is a 220), the socket watched."""
        smtp: smtplib.SMTP
        if tls_context is not None:
            smtp = _WatchedSMTPS(timeout=self.remaining(), context=tls_context)
        else:
            smtp = _WatchedSMTP(timeout=self.remaining())
        smtp.on_socket = self._adopt
        setattr(smtp, "_host", host)   # what SMTP(host) sets before connecting: the name TLS checks the certificate for
        code, message = smtp.connect(host, port)
        if code != 220:
            smtp.close()
            raise smtplib.SMTPConnectError(code, message)
        return smtp

    def _adopt(self, sock: socket.socket) -> None:
        try:
            handle = sock.dup()
        except OSError:         # out of descriptors: the socket itself still covers all but implicit TLS
            handle = sock
        with self._lock:
            self._handle = handle
        if self._watch.fired:   # the deadline passed while connecting: _cut found nothing to cut
            shut_down(handle)

    def _cut(self) -> None:
        with self._lock:
            handle = self._handle
        if handle is not None:
            shut_down(handle)

    def close(self) -> None:
        """The send is over: the watchdog lets go, and the duplicate descriptor is closed."""
        self._watch.cancel()
        with self._lock:
            handle, self._handle = self._handle, None
        if handle is not None:
            handle.close()

    def __enter__(self) -> "SmtpDeadline":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
