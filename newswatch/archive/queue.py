"""The archive's write queue in Redis: what a poll or a delivery hands over, until a drain writes it.

    <p>:archive:queue        entries waiting (newswatch.archive.records), oldest first, at most queue_max
    <p>:archive:processing   the batch a drain is writing; left there if the write fails or the
                             drain dies, and written again first by the next drain
    <p>:archive:dropped      hash kind -> entries dropped at the cap (`newswatch status`)
    <p>:archive:rejected     the last entries no database would take (bad data), for a look by hand

Pushing is one Lua step: append, cut the oldest beyond queue_max, count what was cut by kind. So
nothing is lost below the bound, and what is lost above it is counted in Redis and in this
process's `newswatch_archive_dropped_total{kind}`.
"""
from __future__ import annotations

import logging
from typing import Any

import redis

from newswatch.archive.records import KINDS
from newswatch.logs import fields
from newswatch.metrics import Metrics
from newswatch.store.scripts import script
from newswatch.store.state import State

log = logging.getLogger(__name__)

REJECTED_MAX = 1000


class ArchiveQueue:
    def __init__(self, state: State, queue_max: int, metrics: Metrics | None = None):
        self.state = state
        self.queue_max = queue_max
        self.metrics = metrics
        keys = state.keys
        self.key, self.processing = keys.archive_queue(), keys.archive_processing()
        self.dropped_key, self.rejected_key = keys.archive_dropped(), keys.archive_rejected()
        self._push = script(state.r, "newswatch.archive", "archive_push")
        self._take = script(state.r, "newswatch.archive", "archive_take")
        self._ack = script(state.r, "newswatch.archive", "archive_ack")

    def push(self, entries: list[str]) -> int:
        """Append entries (one Lua step); returns how many old ones the cap dropped."""
        if not entries:
            return 0
        return self.count_dropped(self._push(keys=[self.key, self.dropped_key], args=[self.queue_max, *entries]))

    def push_in(self, pipe: "redis.client.Pipeline[str]", entries: list[str]) -> None:
        """Queue the push in `pipe` (a MULTI with other writes); give its reply to `count_dropped`."""
        self._push(keys=[self.key, self.dropped_key], args=[self.queue_max, *entries], client=pipe)

    def count_dropped(self, reply: Any) -> int:
        """Log and count what a push dropped ({length, items, alerts, deliveries}, archive_push.lua)."""
        _, *by_kind = (int(n) for n in reply)
        dropped = dict(zip(KINDS.values(), by_kind))
        total = sum(dropped.values())
        if total:
            for kind, n in dropped.items():
                if self.metrics is not None:
                    self.metrics.add("archive_dropped", n, kind=kind)
            log.warning(fields("archive_queue_full", queue_max=self.queue_max, dropped=total,
                               items=dropped["item"], alerts=dropped["alert"], deliveries=dropped["delivery"]))
        return total

    def take(self, n: int) -> list[str]:
        """The batch to write: the one a failed or dead drain left, else up to n from the head."""
        return list(self._take(keys=[self.key, self.processing], args=[n]))

    def ack(self, batch: list[str]) -> bool:
        """`batch` (what `take` returned) is written: forget it. False if it was no longer ours."""
        if not batch:
            return True
        return bool(self._ack(keys=[self.processing], args=[len(batch), batch[0], batch[-1]]))

    def reject(self, entries: list[str]) -> None:
        """Keep the last REJECTED_MAX entries no database would take, for a look by hand."""
        if entries:
            pipe = self.state.r.pipeline()
            pipe.lpush(self.rejected_key, *entries)
            pipe.ltrim(self.rejected_key, 0, REJECTED_MAX - 1)
            pipe.execute()

    def waiting(self) -> int:
        """Entries not yet written: in the queue and in a batch being written."""
        pipe = self.state.r.pipeline(transaction=False)
        pipe.llen(self.key)
        pipe.llen(self.processing)
        return sum(int(n) for n in pipe.execute())

    def status(self) -> dict[str, Any]:
        """What `newswatch status` shows: waiting, the cap, dropped and rejected so far."""
        pipe = self.state.r.pipeline(transaction=False)
        pipe.llen(self.key)
        pipe.llen(self.processing)
        pipe.hgetall(self.dropped_key)
        pipe.llen(self.rejected_key)
        queued, processing, dropped, rejected = pipe.execute()
        by_kind = {name: int(dropped.get(letter, 0)) for letter, name in KINDS.items()}
        return {"waiting": int(queued) + int(processing), "queue_max": self.queue_max,
                "dropped": sum(by_kind.values()), "dropped_by_kind": by_kind, "rejected": int(rejected)}
