"""The archive's two periodic jobs, and where they run.

`drain_archive` writes what the archive queue holds into the database (a poll does it after its
alerts; `run --once` at its end). The scheduler also drains every DRAIN_EVERY seconds, for what no poll
wrote (the database was down), and prunes (`prune_archive`: retention, a minute after start, then every
PRUNE_EVERY seconds), each under its own Redis lock, so one process of the deployment does it at a time.

`newswatch scheduler` runs both jobs itself. `newswatch run` hands them to its worker child
(`ArchiveJobs`, a thread; `newswatch worker --archive-jobs`), which holds the database anyway: so the
parent, which only enqueues, never loads SQLAlchemy and the archive's modules (about 25 MB,
BENCHMARKS.md §13.3). Same cadence, same locks, same logs and metrics (the parent's /metrics merges the
child's)."""
from __future__ import annotations

import logging
import threading
import time

from newswatch.archive.archiver import DRAIN_EVERY
from newswatch.archive.policy import PRUNE_EVERY, Retention
from newswatch.logs import fields

log = logging.getLogger(__name__)

PRUNE_FIRST = 60.0   # seconds after start to the first archive prune (then every PRUNE_EVERY)


def drain_archive(rt, budget: float, force: bool = False) -> None:
    """Write what the archive queue holds (newswatch.archive.archiver); a failure is only logged."""
    try:
        report = rt.archiver.drain(budget=budget, force=force)
    except Exception as exc:  # noqa: BLE001 — the archive never holds up an alert
        log.error(fields("archive_drain_failed", reason=f"{type(exc).__name__}: {exc}"[:300]))
        return
    if report.batches:
        w = report.written
        log.info(fields("archive_written", items=w.items, items_known=w.items_known, alerts=w.alerts,
                        deliveries=w.deliveries, rejected=report.rejected or None))


def prune_archive(rt) -> None:
    """Retention (archive.keep, archive.max_items): what is older goes, a few seconds' worth per run."""
    try:
        rt.archiver.prune(Retention.from_config(rt.settings.archive))
    except Exception as exc:  # noqa: BLE001 — retention never stops the scheduler (or the worker)
        log.warning(fields("archive_prune_failed", reason=f"{type(exc).__name__}: {exc}"[:300]))


class ArchiveJobs:
    """The scheduler's drain and prune jobs, at the scheduler's cadence, in a thread of a worker."""

    def __init__(self, rt, drain_every: float = DRAIN_EVERY, prune_first: float = PRUNE_FIRST,
                 prune_every: float = PRUNE_EVERY):
        self.rt = rt
        self.drain_every, self.prune_first, self.prune_every = drain_every, prune_first, prune_every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="archive-jobs", daemon=True)

    def start(self) -> "ArchiveJobs":
        self._thread.start()
        log.info(fields("archive_jobs_started", drain_every=f"{self.drain_every:g}s",
                        prune_every=f"{self.prune_every:g}s"))
        return self

    def _run(self) -> None:
        now = time.monotonic()
        next_drain, next_prune = now + self.drain_every, now + self.prune_first
        while not self._stop.wait(max(0.0, min(next_drain, next_prune) - time.monotonic())):
            now = time.monotonic()
            if now >= next_drain:
                drain_archive(self.rt, budget=self.drain_every * 2)
                next_drain = time.monotonic() + self.drain_every
            if now >= next_prune:
                prune_archive(self.rt)
                next_prune = time.monotonic() + self.prune_every

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._thread.join(timeout)
