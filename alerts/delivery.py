"""One delivery of one alert to one channel: at most once, never lost.

The delivery record in Redis is the truth: `sent` and `failed` are final, so a
re-run or duplicated task is a no-op. A per-(alert, channel) lock keeps two
workers from sending at once; if its holder dies, the lock expires and the
sweep of open deliveries enqueues it again.
"""
from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from alerts import digest, ratelimit
from newswatch.model.alert import Alert
from alerts.notifiers import DeliveryError, Notifier, send_timeout
from alerts.silences import Silences
from newswatch.config import DeliveryConfig
from newswatch.config.registry import ComponentConfig
from newswatch.logs import fields
from newswatch.metrics import Metrics
from newswatch.pipeline.event_reports import event_reports
from newswatch.pipeline.stories import parse_reports, reports_key
from newswatch.store.state import State
from alerts.store import SETTLED, AlertStore

log = logging.getLogger(__name__)

# A story's raw reports (HVALS) and sources (SMEMBERS), by story id, as read under the send lock.
Stories = dict[str, tuple[list[str], set[str]]]
# An event's reports (newswatch.pipeline.events.event_reports), by event id.
Events = dict[str, list[dict[str, object]]]


class DeliverySettings(Protocol):
    @property
    def delivery(self) -> DeliveryConfig: ...


class DeliveryContext(Protocol):
    """What a delivery reads from its process: a worker's Runtime (workers.runtime), or a stand-in in tests."""

    @property
    def state(self) -> State: ...
    @property
    def alerts(self) -> AlertStore: ...
    @property
    def settings(self) -> DeliverySettings: ...
    @property
    def channels(self) -> Mapping[str, ComponentConfig]: ...
    @property
    def notifiers(self) -> Mapping[str, Notifier]: ...
    @property
    def metrics(self) -> Metrics: ...


class DeliveryStatus(StrEnum):
    SENT = "sent"
    FAILED = "failed"
    SILENCED = "silenced"
    HELD = "held"          # waiting in a digest / quiet hours
    RETRY = "retry"        # temporary failure or rate limit: the task retries after `retry_in`
    DONE = "done"          # already settled (a duplicate or re-run task)
    BUSY = "busy"          # another worker holds the send lock
    MISSING = "missing"    # the alert expired or its channel is gone


@dataclass
class DeliveryOutcome:
    status: DeliveryStatus
    retry_in: float | None = None
    reason: str = ""


def backoff(attempt: int, base: float, cap: float) -> float:
    """Exponential back-off with ±20% jitter: base, 2·base, 4·base, … capped."""
    delay: float = min(cap, base * (2 ** max(0, attempt - 1)))
    return delay * random.uniform(0.8, 1.2)


def deliver_once(rt: DeliveryContext, alert_id: str, channel_id: str) -> DeliveryOutcome:
    store = rt.alerts
    record, payload = store.delivery_and_alert(alert_id, channel_id)
    if record.get("status") in SETTLED:
        return DeliveryOutcome(DeliveryStatus.DONE)
    channel = rt.channels.get(channel_id)
    if payload is None or not record or channel is None:
        reason = "alert expired" if payload is None or not record else "channel no longer configured"
        if record:
            store.update_delivery(alert_id, channel_id, "failed", last_error=reason)
        log.error(fields("delivery_impossible", alert_id=alert_id, channel_id=channel_id, reason=reason))
        return DeliveryOutcome(DeliveryStatus.MISSING, reason=reason)
    with rt.state.lock("send", alert_id, channel_id, ttl=send_timeout(channel) * 3 + 5) as ours:
        if not ours:
            return DeliveryOutcome(DeliveryStatus.BUSY)
        outcome = _deliver_locked(rt, Alert.from_dict(payload).bounded(), channel)
    rt.metrics.add("deliveries", channel=channel_id, outcome=outcome.status)
    return outcome


def _deliver_locked(rt: DeliveryContext, alert: Alert, channel: ComponentConfig) -> DeliveryOutcome:
    record, silences, stories = _read_under_lock(rt.state, alert, channel.id)
    if record.get("status") in SETTLED:  # finished while we waited
        return DeliveryOutcome(DeliveryStatus.DONE)
    # reports of the event and copies of the story seen since the alert was created: "also reported by"
    # (a digest: per member), each outlet once, with its language when the event recorded it
    events = _event_reports(rt.state, alert)
    if alert.story_id or alert.event_id:
        alert.reported_by = _reported_by(stories, events, alert.story_id, alert.event_id, alert.source_id)
    for member in alert.digest_of or []:
        if member.get("story_id") or member.get("event_id"):
            member["reported_by"] = _reported_by(stories, events, member.get("story_id"), member.get("event_id"),
                                                 member.get("source_id"))
    silence = Silences.silencing_in(silences, alert.rule_id, channel.id)
    if silence is None:
        return _hold_throttle_or_send(rt, alert, channel, rt.settings.delivery)
    rt.alerts.update_delivery(alert.id, channel.id, "silenced", silence_id=silence.id, last_error="")
    log.info(fields("delivery_silenced", alert_id=alert.id, rule_id=alert.rule_id, channel_id=channel.id,
                    silence_id=silence.id))
    return DeliveryOutcome(DeliveryStatus.SILENCED, reason=f"silence {silence.id}")


def _read_under_lock(state: State, alert: Alert, channel_id: str) -> tuple[dict[str, str], dict[str, str], Stories]:
    """One round trip, once the lock is ours: the record again, the silences, and the reports and
    sources of the alert's story (of each member's story, for a digest)."""
    story_ids = list(dict.fromkeys([alert.story_id] * bool(alert.story_id)
                                   + [m["story_id"] for m in alert.digest_of or [] if m.get("story_id")]))
    pipe = state.r.pipeline(transaction=False)
    pipe.hgetall(state.keys.delivery(alert.id, channel_id))
    pipe.hgetall(Silences(state).key)
    for story_id in story_ids:
        pipe.hvals(reports_key(state, story_id))
        pipe.smembers(state.keys.story_sources(story_id))
    record, silences, *found = pipe.execute()
    return record, silences, {sid: (found[2 * i], found[2 * i + 1]) for i, sid in enumerate(story_ids)}


def _event_reports(state: State, alert: Alert) -> Events:
    """The recorded reports of the alert's event (of each member's event, for a digest)."""
    event_ids = dict.fromkeys([alert.event_id] * bool(alert.event_id)
                              + [m["event_id"] for m in alert.digest_of or [] if m.get("event_id")])
    return {event_id: event_reports(state, event_id) for event_id in event_ids}


def _reported_by(stories: Stories, events: Events, story_id: str | None, event_id: str | None,
                 own_source: str | None) -> list[str]:
    """The other outlets, first seen first: "lenta (ru)" where the language is known, else the source id."""
    langs: dict[str, str | None] = {}
    for report in events.get(event_id or "", []):
        langs.setdefault(str(report["source_id"]), str(report["lang"]) if report.get("lang") else None)
    reports, sources = stories.get(story_id or "", ([], set()))
    for source in [r["source_id"] for r in parse_reports(reports)] + sorted(sources):
        langs.setdefault(source, None)
    return [f"{s} ({lang})" if lang else s for s, lang in langs.items() if s != own_source]


def _hold_throttle_or_send(rt: DeliveryContext, alert: Alert, channel: ComponentConfig,
                           d: DeliveryConfig) -> DeliveryOutcome:
    """A digest channel (or one in quiet hours) holds the alert; a rate limit may ask to wait."""
    state = rt.state
    if not alert.digest_of and digest.holds(channel, time.time()):
        digest.hold(state, alert.id, channel.id, store=rt.alerts)
        log.info(fields("delivery_held", alert_id=alert.id, rule_id=alert.rule_id, channel_id=channel.id))
        return DeliveryOutcome(DeliveryStatus.HELD)
    wait = ratelimit.acquire(state, channel.id, ratelimit.limits(channel))
    if wait > 0:
        rt.alerts.update_delivery(alert.id, channel.id, "retrying", due_in=wait + d.redeliver_after,
                                  last_error="rate limited", next_attempt_in=f"{wait:.1f}")
        log.info(fields("delivery_throttled", alert_id=alert.id, channel_id=channel.id, wait=f"{wait:.2f}s"))
        return DeliveryOutcome(DeliveryStatus.RETRY, retry_in=wait, reason="rate limited")
    return _send(rt, alert, channel.id, d)


def _send(rt: DeliveryContext, alert: Alert, channel_id: str, d: DeliveryConfig) -> DeliveryOutcome:
    attempt = rt.alerts.update_delivery(alert.id, channel_id, "sending", due_in=d.redeliver_after, count_attempt=True)
    try:
        rt.notifiers[channel_id].send(alert)
    except DeliveryError as exc:
        if exc.permanent or attempt > d.max_retries:
            why = "permanent" if exc.permanent else f"gave up after {attempt} attempts"
            rt.alerts.update_delivery(alert.id, channel_id, "failed", attempts=attempt, last_error=exc.reason,
                                      failure=why)
            log.error(fields("delivery_failed", alert_id=alert.id, rule_id=alert.rule_id, channel_id=channel_id,
                             attempt=attempt, reason=exc.reason, failure=why))
            return DeliveryOutcome(DeliveryStatus.FAILED, reason=exc.reason)
        delay = exc.retry_after if exc.retry_after is not None else backoff(attempt, d.retry_backoff,
                                                                            d.retry_backoff_max)
        rt.alerts.update_delivery(alert.id, channel_id, "retrying", due_in=delay + d.redeliver_after,
                                  last_error=exc.reason, next_attempt_in=f"{delay:.1f}")
        log.warning(fields("delivery_retry", alert_id=alert.id, rule_id=alert.rule_id, channel_id=channel_id,
                           attempt=attempt, reason=exc.reason, retry_in=f"{delay:.1f}s"))
        return DeliveryOutcome(DeliveryStatus.RETRY, retry_in=delay, reason=exc.reason)
    rt.alerts.update_delivery(alert.id, channel_id, "sent", attempts=attempt, last_error="")
    rt.metrics.observe_delivery(channel_id, alert.created_at)
    log.info(fields("delivery_sent", alert_id=alert.id, rule_id=alert.rule_id, item_id=alert.item_id,
                    channel_id=channel_id, attempt=attempt))
    return DeliveryOutcome(DeliveryStatus.SENT)


def sweep_open_deliveries(rt: DeliveryContext, enqueue_delivery: Callable[[str, str], object], limit: int = 500) -> int:
    """Enqueue again every open delivery that is overdue and not being sent right now."""
    count = 0
    for alert_id, channel_id, due in rt.alerts.overdue_with_due(limit=limit):
        rt.alerts.postpone_delivery(alert_id, channel_id, rt.settings.delivery.redeliver_after, missed=due)
        if rt.state.lock_held("send", alert_id, channel_id):
            continue
        enqueue_delivery(alert_id, channel_id)
        count += 1
    if count:
        log.info(fields("deliveries_requeued", count=count))
    return count
