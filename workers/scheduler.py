"""APScheduler only enqueues: one job per source, plus the sweep of open deliveries, plus the drain
of the archive queue (its own job, so a database that hangs never delays a redelivery), plus the
archive's retention (`archive_prune`: a few seconds every PRUNE_EVERY, under its own lock). The two
archive jobs can be left to a worker (`archive_jobs=False`: `newswatch run`, workers/archive_jobs.py).

Only one scheduler is active at a time: it holds a Redis lease and renews it;
a standby scheduler keeps trying and takes over when the lease lapses.
"""
from __future__ import annotations

import logging
import random
import uuid
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Callable, Protocol

from apscheduler.events import EVENT_JOB_SUBMITTED
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from alerts.digest import flush_due
from alerts.silences import Silences
from newswatch.archive.archiver import DRAIN_EVERY
from newswatch.archive.policy import PRUNE_EVERY
from newswatch.logs import fields
from newswatch.store.scripts import script
from newswatch.store.state import State
from alerts.delivery import sweep_open_deliveries
from newswatch.model.item import Item
from workers.archive_jobs import PRUNE_FIRST, drain_archive, prune_archive
from workers.sources.base import SourceError

if TYPE_CHECKING:   # imported where used: telethon only in processes with a live source
    from workers.sources.telegram.config import TelegramSourceConfig
    from workers.sources.telegram.live import TelegramListener
from workers.heartbeat import forget_gone

log = logging.getLogger(__name__)

SOURCES_CHECK_EVERY = 2.0   # seconds between two looks at the sources' files (workers.sources_reload)


class Listener(Protocol):
    """A live source's listener, as the scheduler drives it (TelegramListener)."""

    def start(self) -> None: ...

    def stop(self, timeout: float = ...) -> object: ...



class SchedulerLease:
    def __init__(self, state: State, ttl: float = 30.0):
        self.state = state
        self.key = state.keys.scheduler_lease()
        self.token = uuid.uuid4().hex
        self.ttl_ms = int(ttl * 1000)
        self.held = False
        self._renew = script(state.r, "workers", "lease_renew")
        self._release = script(state.r, "workers", "lease_release")

    def refresh(self) -> bool:
        """Renew the lease if ours, else try to take it. Returns whether we hold it now."""
        r = self.state.r
        try:
            if self.held and self._renew(keys=[self.key], args=[self.token, self.ttl_ms]):
                return True
            was = self.held
            self.held = bool(r.set(self.key, self.token, nx=True, px=self.ttl_ms))
            if self.held != was:
                log.info(fields("scheduler_lease", held=self.held))
        except Exception as exc:  # Redis down: stop enqueueing until it is back
            if self.held:
                log.warning(fields("scheduler_lease_lost", reason=type(exc).__name__))
            self.held = False
        return self.held

    def release(self) -> None:
        if self.held:
            try:
                self._release(keys=[self.key], args=[self.token])
            except Exception:
                pass
            self.held = False


class PollScheduler:
    def __init__(self, rt, enqueue_poll, enqueue_delivery, *, lease_ttl: float = 30.0,
                 sweep_every: float | None = None, enqueue_ingest=None, listener_factory=None,
                 archive_jobs: bool = True):
        self.rt = rt
        self.archive_jobs = archive_jobs   # False: a worker drains and prunes (workers.archive_jobs.ArchiveJobs)
        self.enqueue_poll = enqueue_poll
        self.enqueue_delivery = enqueue_delivery
        self.enqueue_ingest = enqueue_ingest
        self.listener_factory = listener_factory or _telegram_listener
        self.poll_intervals: dict[str, float] = {}  # source id -> interval of its poll job
        self.listeners: dict[str, Listener] = {}  # live sources: one listener each, only in the lease holder
        self.lease = SchedulerLease(rt.state, lease_ttl)
        self.last_lag: float | None = None  # seconds; a /metrics gauge of the lease holder (status_server)
        self.sweep_every = sweep_every or max(1.0, min(30.0, rt.settings.delivery.redeliver_after / 4))
        self.scheduler = BackgroundScheduler(timezone=timezone.utc, job_defaults={
            "coalesce": True, "max_instances": 1})

    def start(self) -> None:
        self.lease.refresh()
        now = datetime.now(timezone.utc)
        self._sync_poll_jobs()
        self.scheduler.add_job(self._reload_sources, IntervalTrigger(seconds=SOURCES_CHECK_EVERY), id="sources")
        self.scheduler.add_job(self._refresh, IntervalTrigger(seconds=self.lease.ttl_ms / 3000), id="lease")
        self._manage_listeners()
        self.scheduler.add_job(self._sweep, IntervalTrigger(seconds=self.sweep_every), id="sweep")
        if self.archive_jobs:
            self.scheduler.add_job(self._drain_archive, IntervalTrigger(seconds=DRAIN_EVERY), id="archive")
            self.scheduler.add_job(self._prune_archive, IntervalTrigger(seconds=PRUNE_EVERY), id="archive_prune",
                                   next_run_time=now + timedelta(seconds=PRUNE_FIRST))
        self.scheduler.add_listener(self._on_submitted, EVENT_JOB_SUBMITTED)
        self.scheduler.start()
        log.info(fields("scheduler_started", sources=len(self.rt.settings.sources), leader=self.lease.held))

    def _sync_poll_jobs(self) -> None:
        """One poll job per enabled polled source, at its interval: jobs of new sources added (first poll
        within a moment), of changed intervals rescheduled, of disabled or removed sources taken away."""
        wanted = {src.id: src.interval for src in self.rt.settings.sources if src.enabled and not self._is_live(src)}
        now = datetime.now(timezone.utc)
        for source_id in [sid for sid in self.poll_intervals if sid not in wanted]:
            self.scheduler.remove_job(f"poll:{source_id}")
            del self.poll_intervals[source_id]
        for source_id, interval in wanted.items():
            if self.poll_intervals.get(source_id) == interval:
                continue
            if source_id in self.poll_intervals:
                self.scheduler.remove_job(f"poll:{source_id}")
            first = now + timedelta(seconds=random.uniform(0, min(interval, 10) * 0.2))
            self.scheduler.add_job(self._poll, IntervalTrigger(seconds=interval, jitter=min(interval * 0.1, 30)),
                                   args=[source_id], id=f"poll:{source_id}", next_run_time=first,
                                   misfire_grace_time=max(1, int(interval)))
            self.poll_intervals[source_id] = interval

    def _reload_sources(self) -> None:
        """Sources added, edited or disabled in their files (the desk's /sources): polled without a restart."""
        try:
            if self.rt.check_sources():
                self._sync_poll_jobs()
                self._manage_listeners()
        except Exception as exc:  # noqa: BLE001 — the sources in force keep being polled
            log.warning(fields("sources_sync_failed", reason=f"{type(exc).__name__}: {exc}"[:300]))

    def _is_live(self, src) -> bool:
        return bool(getattr(src, "live", False)) and self.enqueue_ingest is not None

    def _refresh(self) -> None:
        self.lease.refresh()
        self._manage_listeners()

    def _manage_listeners(self) -> None:
        """Live sources listen in the lease holder only: started when it gets the lease, stopped when it
        loses it (the new holder starts its own, catching up from the saved cursor)."""
        live = [s for s in self.rt.settings.sources if s.enabled and self._is_live(s)]
        for gone in set(self.listeners) - {s.id for s in live}:   # disabled or removed while running
            self.listeners.pop(gone).stop(timeout=10)
            log.info(fields("listener_stopped", source_id=gone, reason="source disabled or removed"))
        for src in live:
            if self.lease.held and src.id not in self.listeners:
                listener = self.listener_factory(src, self.rt.state.cursor(src.id).get("last_id"),
                                                 self._ingest_for(src.id), self._failed_for(src))
                listener.start()
                self.listeners[src.id] = listener
                log.info(fields("listener_started", source_id=src.id))
            elif not self.lease.held and src.id in self.listeners:
                self.listeners.pop(src.id).stop(timeout=10)
                log.info(fields("listener_stopped", source_id=src.id, reason="lease lost"))

    def _ingest_for(self, source_id: str):
        def on_items(items, cursor) -> None:
            self.enqueue_ingest(source_id, items, cursor)
        return on_items

    def _failed_for(self, src):
        def on_error(err) -> None:
            reason = getattr(err, "reason", None) or str(err)
            info = self.rt.state.record_failure(src.id, reason[:300], interval=src.interval,
                                         backoff_max=self.rt.settings.worker.backoff_max,
                                         retry_after=getattr(err, "retry_after", None))
            log.error(fields("listener_failed", source_id=src.id, reason=reason[:300]))
            for alert_id, channel in self.rt.incidents.failed(src.id, int(info["consecutive_failures"]), reason[:300]):
                self.enqueue_delivery(alert_id, channel)
        return on_error

    def _on_submitted(self, event) -> None:
        """Scheduler lag: how late a poll job started against its planned time (a /metrics gauge)."""
        if not event.job_id.startswith("poll:") or not event.scheduled_run_times or not self.lease.held:
            return
        lag = (datetime.now(timezone.utc) - max(event.scheduled_run_times)).total_seconds()
        self.last_lag = max(0.0, lag)

    def _poll(self, source_id: str) -> None:
        if not self.lease.held:
            return
        try:
            self.enqueue_poll(source_id)
        except Exception as exc:
            log.warning(fields("enqueue_failed", source_id=source_id, reason=str(exc)[:200]))

    def _sweep(self) -> None:
        if not self.lease.held:
            return
        try:
            flush_due(self.rt.state, self.rt.channels, self.rt.settings.delivery.redeliver_after,
                      self.enqueue_delivery, archive=self.rt.archive_queue)
        except Exception as exc:
            log.warning(fields("digest_flush_failed", reason=str(exc)[:200]))
        try:
            sweep_open_deliveries(self.rt, self.enqueue_delivery)
        except Exception as exc:
            log.warning(fields("sweep_failed", reason=str(exc)[:200]))
        try:
            Silences(self.rt.state).all()   # drops the silences that ended more than a day ago
        except Exception as exc:
            log.warning(fields("silences_cleanup_failed", reason=str(exc)[:200]))
        self._watch_sources_and_workers()

    def _watch_sources_and_workers(self) -> None:
        """Quiet sources open an incident (alerts/incidents.py); workers dead for long are forgotten."""
        try:
            enabled = [src.id for src in self.rt.settings.sources if src.enabled]
            for alert_id, channel in self.rt.incidents.sweep_quiet(enabled):
                self.enqueue_delivery(alert_id, channel)
        except Exception as exc:
            log.warning(fields("quiet_check_failed", reason=str(exc)[:200]))
        try:
            forget_gone(self.rt.state, self.rt.settings.health.worker_stale)
        except Exception as exc:
            log.warning(fields("workers_cleanup_failed", reason=str(exc)[:200]))

    def _drain_archive(self) -> None:
        """What polls and deliveries queued for the archive and no poll wrote (the database was down)."""
        if self.lease.held:
            drain_archive(self.rt, budget=DRAIN_EVERY * 2)

    def _prune_archive(self) -> None:
        """Retention (archive.keep, archive.max_items): what is older goes, a few seconds' worth per run."""
        if self.lease.held:
            prune_archive(self.rt)

    def stop(self) -> None:
        for listener in self.listeners.values():
            listener.stop(timeout=10)
        self.listeners.clear()
        try:
            self.scheduler.shutdown(wait=False)
        except Exception:
            pass
        self.lease.release()


def _telegram_listener(src: TelegramSourceConfig, last_id: int | str | None,
                       on_items: Callable[[list[Item], dict], None],
                       on_error: Callable[[SourceError], None]) -> TelegramListener:
    """A live MTProto listener whose batches go to `on_items(items, cursor)` (the ingest task)."""
    from workers.sources.telegram.live import TelegramListener
    holder: list[TelegramListener] = []

    def handed(items: list[Item]) -> None:
        on_items(items, holder[0].cursor)

    listener = TelegramListener(src, handed, last_id=last_id, on_error=on_error)
    holder.append(listener)
    return listener
