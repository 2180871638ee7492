"""APScheduler only enqueues: one job per source, plus the sweep of open deliveries.

Only one scheduler is active at a time: it holds a Redis lease and renews it;
a standby scheduler keeps trying and takes over when the lease lapses.
"""
from __future__ import annotations

import logging
import random
import uuid
from datetime import datetime, timedelta, timezone

from apscheduler.events import EVENT_JOB_SUBMITTED
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from alerts.digest import flush_due
from newswatch.logs import fields
from newswatch.metrics import Metrics
from newswatch.state import State
from workers.delivery import sweep_open_deliveries

log = logging.getLogger("workers.scheduler")

_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
return 0
"""


class SchedulerLease:
    def __init__(self, state: State, ttl: float = 30.0):
        self.state = state
        self.key = state.key("scheduler", "lease")
        self.token = uuid.uuid4().hex
        self.ttl_ms = int(ttl * 1000)
        self.held = False

    def refresh(self) -> bool:
        """Renew the lease if ours, else try to take it. Returns whether we hold it now."""
        r = self.state.r
        try:
            if self.held and r.eval(_RENEW, 1, self.key, self.token, self.ttl_ms):
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
                self.state.r.eval("if redis.call('get', KEYS[1]) == ARGV[1] then "
                                  "return redis.call('del', KEYS[1]) end return 0", 1, self.key, self.token)
            except Exception:
                pass
            self.held = False


class PollScheduler:
    def __init__(self, rt, enqueue_poll, enqueue_delivery, *, lease_ttl: float = 30.0,
                 sweep_every: float | None = None):
        self.rt = rt
        self.enqueue_poll = enqueue_poll
        self.enqueue_delivery = enqueue_delivery
        self.lease = SchedulerLease(rt.state, lease_ttl)
        self.sweep_every = sweep_every or max(1.0, min(30.0, rt.settings.delivery.redeliver_after / 4))
        self.scheduler = BackgroundScheduler(timezone=timezone.utc, job_defaults={
            "coalesce": True, "max_instances": 1})

    def start(self) -> None:
        self.lease.refresh()
        now = datetime.now(timezone.utc)
        for src in self.rt.settings.sources:
            if not src.enabled:
                continue
            first = now + timedelta(seconds=random.uniform(0, min(src.interval, 10) * 0.2))
            self.scheduler.add_job(self._poll, IntervalTrigger(seconds=src.interval, jitter=min(src.interval * 0.1, 30)),
                                   args=[src.id], id=f"poll:{src.id}", next_run_time=first,
                                   misfire_grace_time=max(1, int(src.interval)))
        self.scheduler.add_job(self.lease.refresh, IntervalTrigger(seconds=self.lease.ttl_ms / 3000), id="lease")
        self.scheduler.add_job(self._sweep, IntervalTrigger(seconds=self.sweep_every), id="sweep")
        self.scheduler.add_listener(self._on_submitted, EVENT_JOB_SUBMITTED)
        self.scheduler.start()
        log.info(fields("scheduler_started", sources=len(self.rt.settings.sources), leader=self.lease.held))

    def _on_submitted(self, event) -> None:
        """Scheduler lag: how late a poll job started against its planned time (a /metrics gauge)."""
        if not event.job_id.startswith("poll:") or not event.scheduled_run_times or not self.lease.held:
            return
        lag = (datetime.now(timezone.utc) - max(event.scheduled_run_times)).total_seconds()
        try:
            Metrics(self.rt.state).set_gauge("scheduler_lag_seconds", max(0.0, lag))
        except Exception as exc:  # noqa: BLE001 — a metric never stops the scheduler
            log.debug(fields("metric_failed", reason=str(exc)[:200]))

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
                      self.enqueue_delivery)
            sweep_open_deliveries(self.rt, self.enqueue_delivery)
        except Exception as exc:
            log.warning(fields("sweep_failed", reason=str(exc)[:200]))

    def stop(self) -> None:
        try:
            self.scheduler.shutdown(wait=False)
        except Exception:
            pass
        self.lease.release()
