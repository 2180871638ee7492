"""A hostile peer on 127.0.0.1 for tests: it accepts TCP connections and then trickles, forever.

    with TricklingPeer(first=b"HTTP/1.1 200 OK\\r\\n", drip=b"X", every=0.5) as peer:
        fetch(peer.url("/feed.xml"))      # the status line, then one header byte every 0.5 s
        peer.accepted                     # connections accepted so far
        peer.open_connections()           # accepted and not yet closed by the client

`first` is sent as soon as a connection is accepted (b"" for a peer that never says anything, like an
SMTP server that never sends its greeting), then `drip` every `every` seconds until the client goes
away or the peer stops. What the client sends is read and ignored; nothing is ever finished: the one
thing that ends a connection is the client's own deadline (`closed_by_client` then has how long it
lasted). Each connection has its own thread.
"""
from __future__ import annotations

import select
import socket
import threading
import time


class TricklingPeer:
    def __init__(self, first: bytes = b"HTTP/1.1 200 OK\r\n", drip: bytes = b"X", every: float = 0.5):
        self.first, self.drip, self.every = first, drip, every
        self._listener = socket.create_server(("127.0.0.1", 0), backlog=64)
        self.host, self.port = "127.0.0.1", self._listener.getsockname()[1]
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self.accepted = 0
        self.closed_by_client: list[float] = []    # how long each connection lasted, once the client left
        self._thread = threading.Thread(target=self._accept, name="trickling-peer", daemon=True)

    def url(self, path: str = "/") -> str:
        return f"http://{self.host}:{self.port}{path}"

    def __enter__(self) -> "TricklingPeer":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def open_connections(self) -> int:
        with self._lock:
            return len(self._open)

    def stop(self) -> None:
        self._stop.set()
        self._listener.close()
        with self._lock:
            for conn in self._open:
                try:
                    conn.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        self._thread.join(5)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                self.accepted += 1
                self._open.add(conn)
            threading.Thread(target=self._trickle, args=(conn,), daemon=True).start()

    def _trickle(self, conn: socket.socket) -> None:
        started = time.monotonic()
        try:
            if self.first:
                conn.sendall(self.first)
            while not self._stop.is_set():
                readable, _, _ = select.select([conn], [], [], self.every)
                if readable and not conn.recv(65536):    # what the client sends is read and ignored
                    raise ConnectionResetError("the client hung up")
                if self.drip and not self._stop.is_set():
                    conn.sendall(self.drip)
        except OSError:     # the client hung up (or reset): what a deadline does
            if not self._stop.is_set():
                with self._lock:
                    self.closed_by_client.append(time.monotonic() - started)
        finally:
            with self._lock:
                self._open.discard(conn)
            conn.close()
