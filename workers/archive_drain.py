"""Writing the archive queue into the database, as a poll (after its alerts), the scheduler (every
DRAIN_EVERY s) and `run --once` do it. Its own module so the scheduler, which polls nothing, does not
import the poll pipeline (workers.polling) to drain."""
from __future__ import annotations

import logging

from newswatch.logs import fields

log = logging.getLogger(__name__)


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
