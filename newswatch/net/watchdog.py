"""One thread that does something when a deadline passes: shut a socket down, report a stuck task.

    watch = watchdog().watch(deadline, lambda: shut_down(sock))
    ...                      # the work, in this thread
    watch.cancel()           # done in time: the action never runs
    watch.fired              # True when it ran (the work was cut off)

For clients whose each socket read we cannot reach (smtplib reads through a file object; Apprise's
plugins call `requests` themselves) the deadline is held by shutting the socket down from here:
`shutdown(SHUT_RDWR)` wakes a `recv` or `send` blocked in another thread, which then sees the
connection end. One thread and a heap serve the whole process, however many sends or connections
are watched (a `threading.Timer` each would be a thread each). An action that raises is logged and
never stops the thread, or every other deadline would go with it.
"""
from __future__ import annotations

import heapq
import itertools
import logging
import socket
import threading
import time
from typing import Callable

from newswatch.logs import fields

log = logging.getLogger(__name__)


class Watch:
    """One deadline and its action; `cancel()` before it passes and the action never runs."""

    __slots__ = ("deadline", "_action", "_lock", "fired", "cancelled")

    def __init__(self, deadline: float, action: Callable[[], None]):
        self.deadline, self._action = deadline, action
        self._lock = threading.Lock()
        self.fired = self.cancelled = False

    def cancel(self) -> bool:
        """True when the action will never run; False when it already ran (or is running)."""
        with self._lock:
            self.cancelled = not self.fired
            return self.cancelled

    def fire(self) -> None:
        with self._lock:
            if self.cancelled or self.fired:
                return
            self.fired = True
            self._action()    # under the lock: cancel() returns only once a started action is over


class Watchdog:
    def __init__(self, name: str = "newswatch-watchdog"):
        self.name = name
        self._wake = threading.Condition()
        self._due: list[tuple[float, int, Watch]] = []
        self._order = itertools.count()
        self._thread: threading.Thread | None = None

    def watch(self, deadline: float, action: Callable[[], None]) -> Watch:
        """Run `action` once `time.monotonic()` passes `deadline`, unless cancelled first."""
        entry = Watch(deadline, action)
        with self._wake:
            if self._thread is None or not self._thread.is_alive():   # first use, or after a fork
                self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
                self._thread.start()
            heapq.heappush(self._due, (deadline, next(self._order), entry))
            self._wake.notify()
        return entry

    def pending(self) -> int:
        """Watches not yet due and not cancelled (for tests and metrics)."""
        with self._wake:
            return sum(1 for _, _, w in self._due if not w.cancelled)

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._due or self._due[0][0] > time.monotonic():
                    if self._due and self._due[0][2].cancelled:     # drop cancelled ones early
                        heapq.heappop(self._due)
                        continue
                    self._wake.wait(self._due[0][0] - time.monotonic() if self._due else None)
                entry = heapq.heappop(self._due)[2]
            try:
                entry.fire()
            except Exception as exc:  # noqa: BLE001 - one bad action must not end every other deadline
                log.warning(fields("watchdog_action_failed", error=f"{type(exc).__name__}: {exc}"[:200]))


_PROCESS_WATCHDOG = Watchdog()


def watchdog() -> Watchdog:
    """The process's watchdog (its thread starts on first use)."""
    return _PROCESS_WATCHDOG


def shut_down(sock: socket.socket) -> None:
    """End a connection now, waking a read or write blocked on it in another thread. The plain
    socket's shutdown, even for a TLS socket: its own would reset TLS state the reader still uses."""
    try:
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:
        pass    # already closed or never connected: nothing to end
