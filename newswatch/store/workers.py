"""Which workers exist and whether their task threads still run: two hashes in Redis.

  <p>:workers:alive   worker id -> when its process last ticked (a plain thread of the worker)
  <p>:workers:beat    worker id -> when one of its pool threads last ran the heartbeat task

The two differ on purpose: a process whose every task thread is stuck (a fetch that never
returns, a deadlock) still ticks, so it is *alive* but its *beat* goes stale; a process that
was killed does neither. workers/heartbeat.py writes them, workers/health.py reads them.
"""
from __future__ import annotations

from dataclasses import dataclass

from newswatch.store.state import State


@dataclass(frozen=True)
class WorkerSeen:
    worker_id: str
    alive_at: float      # the process's last tick
    beat_at: float       # its pool's last heartbeat task (the registration time until the first one)


class WorkerBoard:
    def __init__(self, state: State):
        self.r = state.r
        self.keys = state.keys

    def register(self, worker_id: str, now: float) -> None:
        """A worker starting: alive now, and counted as fresh until its first heartbeat is due."""
        pipe = self.r.pipeline()
        pipe.hset(self.keys.workers_alive(), worker_id, repr(now))
        pipe.hset(self.keys.workers_beat(), worker_id, repr(now))
        pipe.execute()

    def tick(self, worker_id: str, now: float) -> None:
        self.r.hset(self.keys.workers_alive(), worker_id, repr(now))

    def beat(self, worker_id: str, now: float) -> None:
        self.r.hset(self.keys.workers_beat(), worker_id, repr(now))

    def forget(self, *worker_ids: str) -> None:
        """A worker that stopped (or was found dead long enough): out of both hashes."""
        if not worker_ids:
            return
        pipe = self.r.pipeline()
        pipe.hdel(self.keys.workers_alive(), *worker_ids)
        pipe.hdel(self.keys.workers_beat(), *worker_ids)
        pipe.execute()

    def seen(self) -> list[WorkerSeen]:
        """Every registered worker, by id (two HGETALLs in one round trip)."""
        pipe = self.r.pipeline(transaction=False)
        pipe.hgetall(self.keys.workers_alive())
        pipe.hgetall(self.keys.workers_beat())
        alive, beat = pipe.execute()
        return [WorkerSeen(wid, _float(at), _float(beat.get(wid)) or _float(at)) for wid, at in sorted(alive.items())]

    def gone(self, now: float, after: float) -> list[str]:
        """Workers with no sign of life for `after` seconds: killed without saying so."""
        return [w.worker_id for w in self.seen() if now - w.alive_at > after]


def _float(value: object) -> float:
    try:
        return float(str(value))
    except ValueError:
        return 0.0
