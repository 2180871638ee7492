"""One wall-clock deadline for a whole outbound request: connecting, the TLS handshake, the response
headers arriving, the body arriving. A peer that trickles cannot stretch it.

Why the libraries' own timeouts are not enough: httpx (httpcore), smtplib and urllib3 give each socket
operation its own timeout. A server that sends its status line and then one header byte every few
seconds answers every single `recv` in time, so a "20 s" request can hold its thread for hours.

How: the request in progress carries its deadline (`deadline_scope`, a ContextVar: per thread, and
copied into the worker threads of libraries that copy the context, as Apprise does), and
`DeadlineTransport` (an httpx transport) recomputes the timeout of every socket operation from what
is left of it: the `recv` that would outlive the deadline times out exactly at the deadline, as a
normal httpx timeout. We chose this over a watchdog thread that closes the socket because httpx pools
connections: a pooled socket outlives its request, and closing it from another thread while httpcore
reads it races with httpcore's connection state. A per-operation timeout is plain code in the thread
doing the request, holds from the connect to the last body byte, and leaves the pool consistent.
(DNS resolution happens in `getaddrinfo`, outside any socket: it is bounded by the resolver's own
timeouts, not by this deadline.) Clients we cannot reach per operation (smtplib, Apprise's requests)
are cut off by `newswatch.net.watchdog` instead.
"""
from __future__ import annotations

import time
import typing
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import httpcore
import httpx

_DEADLINE: ContextVar[float | None] = ContextVar("newswatch_request_deadline", default=None)


@contextmanager
def deadline_scope(deadline: float) -> Iterator[float]:
    """Every request made inside runs until `deadline` (a `time.monotonic()` value) at the latest.
    Nested scopes keep the earlier deadline. Yields the deadline in force."""
    outer = _DEADLINE.get()
    effective = deadline if outer is None else min(outer, deadline)
    token = _DEADLINE.set(effective)
    try:
        yield effective
    finally:
        _DEADLINE.reset(token)


def current_deadline() -> float | None:
    """The deadline of the request in progress in this context, if any."""
    return _DEADLINE.get()


def _left(timeout: float | None, expired: type[Exception]) -> float | None:
    """`timeout` cut down to what is left of the deadline; `expired` raised once nothing is."""
    deadline = _DEADLINE.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise expired("the request's deadline has passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every read, write and TLS handshake ends by the current deadline."""

    def __init__(self, inner: httpcore.NetworkStream):
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: typing.Any, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname,
                                                     _left(timeout, httpcore.ConnectTimeout)))

    def get_extra_info(self, info: str) -> typing.Any:
        return self._inner.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's network backend, its connections bounded by the current deadline."""

    def __init__(self, inner: httpcore.NetworkBackend):
        self._inner = inner

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Iterable[typing.Any] | None = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self._inner.connect_tcp(host, port, _left(timeout, httpcore.ConnectTimeout),
                                                       local_address, socket_options))

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable[typing.Any] | None = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self._inner.connect_unix_socket(path, _left(timeout, httpcore.ConnectTimeout),
                                                               socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def _bound(transport: httpx.BaseTransport | None) -> None:
    """Put a transport's connections under the deadline. httpx builds its httpcore pool without a way
    to pass a network backend, so the pool's own is wrapped; a release of httpx or httpcore without
    these attributes fails here, at start, rather than running without the deadline."""
    if transport is None:            # a `no_proxy` mount: requests go through the default transport
        return
    pool = getattr(transport, "_pool", None)
    backend = getattr(pool, "_network_backend", None)
    if not isinstance(backend, httpcore.NetworkBackend):
        raise RuntimeError(f"cannot bound the connections of {type(transport).__name__}: this httpx/httpcore "
                           "release has no pool._network_backend")
    if not isinstance(backend, _DeadlineBackend):
        setattr(pool, "_network_backend", _DeadlineBackend(backend))


def deadline_client(**kwargs: typing.Any) -> httpx.Client:
    """An `httpx.Client(**kwargs)` whose transports (the given or default one, and those httpx mounts
    for the proxies of the environment) end every request by the deadline of `deadline_scope`."""
    client = httpx.Client(**kwargs)
    _bound(getattr(client, "_transport", None))
    for transport in getattr(client, "_mounts", {}).values():
        _bound(transport)
    return client
