"""The archive's write path, which never holds up an alert.

A poll hands its new items and alerts over *after* the alerts are stored and their deliveries
enqueued (`push_items`): they go to the Redis queue first, so a database that is down, slow or full
costs nothing but a log line. `drain` then writes the queue to the database in batches, one
transaction each, under a Redis lock (one drain at a time in the deployment). A failed write leaves
the batch in Redis; this process waits before trying again (2 s, doubling to a minute), and the
scheduler drains every `DRAIN_EVERY` seconds, so the backlog is written once the database is back.
Writes are idempotent (newswatch.archive.writer): a batch written twice is written once.

`prune` is the scheduler's retention job (newswatch.archive.retention): under its own Redis lock,
so one process of the deployment prunes at a time, for a few seconds, counted and logged.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from newswatch.archive.queue import ArchiveQueue
from newswatch.archive.records import BadEntry, Entry, alert_entry, decode, item_entry
from newswatch.archive.policy import LOCK_TTL as PRUNE_LOCK_TTL
from newswatch.archive.policy import PRUNE_BUDGET, PruneReport, Retention
from newswatch.archive.records import WriteReport
from newswatch.logs import fields
from newswatch.model.alert import Alert
from newswatch.model.item import Item

if TYPE_CHECKING:   # the database (SQLAlchemy, ~20 MB) is imported by the first write or prune, not to queue:
    from newswatch.archive.database import Archive   # a process that only pushes, or finds the queue empty,
    # never loads it (`newswatch run`'s parent)

log = logging.getLogger(__name__)

BATCH = 100   # entries per transaction. An item being written (its record decoded from the queue, its Facts'
              # JSON, its search words, its row) holds about 95 kB at the drain's peak: 500 a batch took 47 MB.
BATCH_BYTES = 256 * 1024   # and at most this many characters of queued entries (compressed JSON) per transaction:
              # an entry holds many times its queued size while written, so TIME's 100 full-text articles (660,000
              # characters) took 12 MB in one transaction, 4 MB in these (128 kB: 3 MB; a worker's peak, BENCHMARKS.md
              # section 13.3)
DRAIN_EVERY = 10.0       # the scheduler's drain job
LOCK_TTL = 300.0         # a drain that dies frees the lock after this
BACKOFF_FIRST, BACKOFF_MAX = 2.0, 60.0


def data_errors() -> tuple[type[Exception], ...]:
    """What a batch the database refuses for its content raises: written entry by entry, the bad ones set aside."""
    from sqlalchemy import exc
    return (exc.IntegrityError, exc.DataError, exc.StatementError, KeyError, TypeError, ValueError)


@dataclass
class DrainReport:
    status: str = "done"          # done | busy (another drain) | backing_off | unavailable
    written: WriteReport = field(default_factory=WriteReport)
    batches: int = 0
    rejected: int = 0
    reason: str = ""


class Archiver:
    def __init__(self, archive: Callable[[], Archive], queue: ArchiveQueue):
        self._archive = archive          # built on first use: a process that never drains opens no pool
        self.queue = queue
        self.metrics = queue.metrics
        self._retry_at = 0.0
        self._backoff = BACKOFF_FIRST
        self._down_since: float | None = None
        self._guard = threading.Lock()

    # --- handing over -------------------------------------------------------------------
    def push_items(self, items: Iterable[Item], alerts: Iterable[Alert]) -> int:
        """Queue a poll's new items and alerts (after the alerts are stored). Returns entries queued."""
        entries = [item_entry(i) for i in items] + [alert_entry(a) for a in alerts]
        self.queue.push(entries)
        return len(entries)

    # --- writing ------------------------------------------------------------------------------
    def drain(self, budget: float = 5.0, force: bool = False) -> DrainReport:
        """Write what is queued, for at most about `budget` seconds. `force`: even while backing off."""
        report = DrainReport()
        if not force and time.monotonic() < self._retry_at:
            report.status = "backing_off"
            return report
        deadline = time.monotonic() + budget
        while True:
            with self.queue.state.lock("archive", "drain", ttl=LOCK_TTL) as ours:
                if not ours:
                    report.status = "busy"
                    return report
                finished = self._drain_locked(report, deadline)
            # a push that found the lock taken just before we let it go is written now, not at the next drain
            if not finished or time.monotonic() >= deadline or not self.queue.waiting():
                return report

    def _drain_locked(self, report: DrainReport, deadline: float) -> bool:
        while time.monotonic() < deadline:
            batch = self.queue.take(BATCH)
            if not batch:
                return True
            from newswatch.archive.database import ArchiveUnavailable
            written, rejected = WriteReport(), []
            try:
                for part in _by_size(batch, BATCH_BYTES):   # acknowledged together, once all are written
                    part_written, part_rejected = self._write(part)
                    written.add(part_written)
                    rejected += part_rejected
            except ArchiveUnavailable as error:
                self._failed(report, str(error))
                return False
            self.queue.ack(batch)
            self.queue.reject(rejected)
            report.batches += 1
            report.rejected += len(rejected)
            report.written.add(written)
            self._recovered()
        return True

    def _write(self, batch: list[str]) -> tuple[WriteReport, list[str]]:
        pairs: list[tuple[str, Entry]] = []
        bad: list[str] = []
        for raw in batch:
            try:
                pairs.append((raw, decode(raw)))
            except BadEntry as error:
                log.error(fields("archive_entry_rejected", reason=str(error)))
                bad.append(raw)
        archive = self._archive()
        data_error = data_errors()
        try:
            written = archive.write([entry for _, entry in pairs])
        except data_error:   # one bad entry: write them one by one and set the bad ones aside
            written = WriteReport()
            for raw, entry in pairs:
                try:
                    written.add(archive.write([entry]))
                except data_error as error:
                    why = str(getattr(error, "orig", None) or error).splitlines()[0][:200]
                    log.error(fields("archive_entry_rejected", kind=entry.kind, reason=f"{type(error).__name__}: {why}"))
                    bad.append(raw)
        self._count(written)
        return written, bad

    # --- retention --------------------------------------------------------------------------
    def prune(self, retention: Retention, budget: float = PRUNE_BUDGET, now: float | None = None) -> PruneReport | None:
        """Remove what retention lets go, for about `budget` seconds; None when another process is
        pruning (the lock). ArchiveUnavailable when the database cannot be reached."""
        with self.queue.state.lock("archive", "prune", ttl=PRUNE_LOCK_TTL) as ours:
            if not ours:
                return None
            report = self._archive().prune(retention, now=now, budget=budget)
        for kind, n in report.by_kind().items():
            if self.metrics is not None:
                self.metrics.add("archive_pruned", n, kind=kind)
        removed = sum(report.by_kind().values())
        (log.info if removed else log.debug)(fields(
            "archive_pruned", items=report.items, items_over_max=report.items_over_max or None,
            alerts=report.alerts, deliveries=report.deliveries, done=report.done,
            cutoff=None if report.cutoff is None else
            datetime.fromtimestamp(report.cutoff, timezone.utc).isoformat(timespec="seconds"),
            seconds=report.seconds))
        return report

    def _count(self, written: WriteReport) -> None:
        if self.metrics is None:
            return
        for kind, n in (("item", written.items + written.items_known), ("alert", written.alerts),
                        ("delivery", written.deliveries)):
            self.metrics.add("archive_written", n, kind=kind)

    def _failed(self, report: DrainReport, reason: str) -> None:
        with self._guard:
            self._retry_at = time.monotonic() + self._backoff
            first = self._down_since is None
            self._down_since = self._down_since or time.time()
            retry_in, self._backoff = self._backoff, min(BACKOFF_MAX, self._backoff * 2)
        report.status, report.reason = "unavailable", reason
        (log.warning if first else log.info)(fields(
            "archive_unavailable", reason=reason, waiting=self.queue.waiting(), retry_in=f"{retry_in:.0f}s"))

    def _recovered(self) -> None:
        with self._guard:
            was_down, self._down_since = self._down_since, None
            self._retry_at, self._backoff = 0.0, BACKOFF_FIRST
        if was_down is not None:
            log.info(fields("archive_available", down_for=f"{time.time() - was_down:.0f}s",
                            waiting=self.queue.waiting()))


def _by_size(batch: list[str], limit: int) -> list[list[str]]:
    """`batch` in order, cut so that each part holds at most `limit` characters of queued entries (an entry
    larger than that is a part of its own)."""
    parts: list[list[str]] = []
    size = 0
    for raw in batch:
        if not parts or (parts[-1] and size + len(raw) > limit):
            parts.append([])
            size = 0
        parts[-1].append(raw)
        size += len(raw)
    return parts
