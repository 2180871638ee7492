"""The time limit of each Celery task, kept by a watchdog because the worker's pool cannot.

The worker runs the threads pool, and Celery enforces `soft_time_limit` / `time_limit` only in the
prefork and gevent pools (Celery's Workers Guide, "Time Limits": "pool support: prefork/gevent"; the
threads pool drops them, see celery/celery#9203): a thread cannot be interrupted. The limits are still
declared on the tasks (workers/tasks.py), so `celery inspect` shows them and another pool would apply
them, but what bounds a task here is the deadline of every request it makes (newswatch.net): a stuck
peer costs one task at most its deadline. This guard makes an overrun visible, in case something else
(a Redis stall, a parser on a huge input) holds a task: at its limit the task is logged as
`task_overran` (task, id, limit) and counted in `newswatch_task_overruns_total`, and once it ends at
last as `task_finished_late` with how long it took.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

from newswatch.logs import fields
from newswatch.metrics import Metrics
from newswatch.net.watchdog import watchdog

log = logging.getLogger(__name__)


@contextmanager
def task_guard(metrics: Metrics, task: str, limit: float, **ids: str) -> Iterator[None]:
    """Report the task if it is still running `limit` seconds from now. `ids`: what it works on
    (source_id, alert_id, channel_id), for the log line."""
    started = time.monotonic()

    def overran() -> None:
        metrics.add("task_overruns", task=task)
        log.warning(fields("task_overran", task=task, limit=f"{limit:.0f}s", **ids))

    watch = watchdog().watch(started + limit, overran)
    try:
        yield
    finally:
        if not watch.cancel():
            log.warning(fields("task_finished_late", task=task, limit=f"{limit:.0f}s",
                               elapsed=f"{time.monotonic() - started:.1f}s", **ids))
