"""A worker's heartbeat, written by the threads that run its tasks.

Why a task and not a timer: /healthz must call a worker stale when it can no longer run tasks,
e.g. every pool thread blocked in a fetch that never returns. A timer thread (or the HTTP thread
of /healthz) would go on writing happily in such a process. So a plain thread only *asks*: every
`health.heartbeat` it puts one `heartbeat` task on this worker's own queue (`<prefix>.heartbeat.<id>`,
consumed by this worker alone), and the pool thread that runs it writes `<p>:workers:beat`. With
`worker_prefetch_multiplier=1` and `acks_late`, a worker whose N threads are all busy reserves no
further message, so the heartbeat task waits in the queue and the beat ages: after
`health.worker_stale` without one, /healthz names the worker (503). A worker that is merely busy
runs the heartbeat between two tasks (the broker serves its queues in turn), so it stays fresh.

The timer thread also writes `<p>:workers:alive`: a worker that is alive but not beating is stuck;
one doing neither was killed (a clean stop removes itself). The queue holds at most one waiting
heartbeat (the older one is dropped before a new one is sent), so a worker stuck for days leaves
no pile behind.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import time

from celery import Celery

from newswatch.logs import fields
from newswatch.store.state import State
from newswatch.store.workers import WorkerBoard
from workers.celery_app import HEARTBEAT_TASK

log = logging.getLogger(__name__)


def worker_id(pid: int | None = None) -> str:
    """host-pid: what /healthz and `newswatch status` name a worker by."""
    return f"{socket.gethostname()}-{os.getpid() if pid is None else pid}"


def heartbeat_queue(prefix: str, wid: str) -> str:
    return f"{prefix}.heartbeat.{wid}"


class HeartbeatTicker:
    """The worker process's timer thread: marks it alive and sends its pool a heartbeat task."""

    def __init__(self, app: Celery, state: State, every: float, wid: str | None = None):
        self.app, self.state, self.every = app, state, every
        self.worker_id = wid or worker_id()
        self.queue = heartbeat_queue(state.prefix, self.worker_id)
        self.board = WorkerBoard(state)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="heartbeat-ticker", daemon=True)

    def start(self) -> "HeartbeatTicker":
        try:
            self.board.register(self.worker_id, time.time())
        except Exception as exc:  # noqa: BLE001 — Redis down at start: the ticks register it later
            log.warning(fields("heartbeat_failed", worker_id=self.worker_id, reason=type(exc).__name__))
        self._thread.start()
        log.info(fields("heartbeat_started", worker_id=self.worker_id, every=f"{self.every:g}s"))
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            self.tick()
            self._stop.wait(self.every)

    def tick(self) -> None:
        try:
            self.board.tick(self.worker_id, time.time())
            self.state.r.delete(self.state.keys.celery_queue(self.queue))   # at most one waiting
            self.app.send_task(HEARTBEAT_TASK, (self.worker_id, time.time()), queue=self.queue)
        except Exception as exc:  # noqa: BLE001 — Redis unreachable or full: the beat ages, health says so
            log.warning(fields("heartbeat_failed", worker_id=self.worker_id,
                               reason=f"{type(exc).__name__}: {exc}"[:200]))

    def stop(self) -> None:
        """A clean stop: out of the board, its queue dropped (a stopped worker is no failure)."""
        self._stop.set()
        if self._thread.ident is not None:
            self._thread.join(timeout=5)
        try:
            self.board.forget(self.worker_id)
            self.state.r.delete(self.state.keys.celery_queue(self.queue))
        except Exception as exc:  # noqa: BLE001
            log.warning(fields("heartbeat_failed", worker_id=self.worker_id, reason=type(exc).__name__))


def beat(state: State, wid: str, sent_at: float) -> None:
    """The heartbeat task's body, run by a pool thread: this worker can still run tasks."""
    now = time.time()
    WorkerBoard(state).beat(wid, now)
    log.debug(fields("heartbeat", worker_id=wid, waited=f"{max(0.0, now - sent_at):.2f}s"))


def forget_gone(state: State, stale: float) -> list[str]:
    """Drop workers with no sign of life for a long time (killed; the scheduler's sweep calls it), with
    their heartbeat queues. Until then /healthz names them "not responding"."""
    gone = WorkerBoard(state).gone(time.time(), forget_after(stale))
    if gone:
        WorkerBoard(state).forget(*gone)
        state.r.delete(*[state.keys.celery_queue(heartbeat_queue(state.prefix, w)) for w in gone])
        log.info(fields("workers_forgotten", workers=gone))
    return gone


def forget_after(stale: float) -> float:
    """How long a worker that stopped ticking is reported before it is forgotten: 10 × stale, ≥ 10 min."""
    return max(600.0, 10 * stale)
