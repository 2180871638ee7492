"""One poll of one source: fetch → parse → exact dedup → story dedup → age → classify → events → story
links → match → dispatch.

Order matters for "nothing lost": alerts are stored and their deliveries
enqueued before the items are marked seen and the cursor is saved, so a worker
that dies anywhere in between only causes a re-poll, and alert creation is
idempotent (an item that already made an alert finds it; see alerts.dispatch).
The new items and alerts go to the archive's Redis queue after the deliveries are
enqueued and before the items are marked seen (a re-poll queues them again, and the
archive writes each once); the queue is drained into the database last, so the
archive never holds up an alert (newswatch.archive.archiver).
"""
from __future__ import annotations

import logging
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Iterator

import redis

from newswatch.classify.stage import ClassifyStage
from newswatch.pipeline.dedup import ExactDeduplicator, StoryDeduplicator
from newswatch.logs import fields
from newswatch.pipeline import AgeFilter, Stage, run_stages
from newswatch.pipeline.event_keys import Scoring
from newswatch.pipeline.events import EventClusterer
from newswatch.pipeline.story_link import StoryLinker
from workers.archive_jobs import drain_archive
from workers.sources.base import SourceError

log = logging.getLogger(__name__)

ARCHIVE_DRAIN_BUDGET = 5.0   # seconds a poll spends writing the archive queue, at most (after its alerts)


class PollStatus(StrEnum):
    OK = "ok"
    NOT_MODIFIED = "not_modified"
    FAILED = "failed"
    SKIPPED = "skipped"    # unknown source, or backing off
    BUSY = "busy"          # another worker holds the source's lock


@dataclass
class PollReport:
    source_id: str
    status: PollStatus
    reason: str = ""
    items: int = 0
    new: int = 0
    deliveries: list[tuple[str, str]] = field(default_factory=list)
    dropped: dict = field(default_factory=dict)


PIPELINE_MARGIN = 60.0   # seconds a poll may take besides its requests: the pipeline, matching, Redis
PIPELINE_WAIT = 20.0     # seconds a poll waits for a pipeline slot, at most (part of PIPELINE_MARGIN)


def poll_limit(rt, source_id: str) -> float:
    """The longest a poll of `source_id` may take: the deadlines of the requests it can make (the
    source's `fetch_budget`: one fetch for a feed, `max_pages` for t.me pages), at least 3 × http.timeout,
    plus the pipeline's margin. Its lock expires then; its task is reported as overrun (workers.task_guard)."""
    source = rt.sources.get(source_id)
    budget = source.fetch_budget() if source is not None else 0.0
    return max(rt.settings.http.timeout * 3, budget) + PIPELINE_MARGIN


def poll_once(rt, source_id: str, enqueue_delivery, *, force: bool = False) -> PollReport:
    """Poll `source_id` unless it is backing off or another worker holds its lock."""
    rt.check_sources(force=source_id not in rt.sources)   # added from the desk a moment ago: read it now
    source = rt.sources.get(source_id)
    if source is None:
        log.error(fields("poll_unknown_source", source_id=source_id))
        return PollReport(source_id, PollStatus.SKIPPED, "unknown source")
    rt.check_rules()  # hot reload: starts following the rule files in this process, even if polls get 304s
    health = rt.state.health(source_id)
    if not force and float(health.get("next_poll_at") or 0) > time.time():
        log.info(fields("poll_skipped", source_id=source_id, reason="backing_off",
                        next_poll_at=health.get("next_poll_at")))
        return PollReport(source_id, PollStatus.SKIPPED, "backing off")
    with rt.state.lock("poll", source_id, ttl=poll_limit(rt, source_id)) as ours:
        if not ours:
            log.info(fields("poll_skipped", source_id=source_id, reason="locked"))
            return PollReport(source_id, PollStatus.BUSY, "another worker is polling it")
        return _poll_locked(rt, source, enqueue_delivery)


def ingest_once(rt, source_id: str, items: list, cursor: dict, enqueue_delivery) -> PollReport:
    """Items a live listener received: the pipeline of a poll, under the same per-source lock."""
    if source_id not in rt.sources:
        log.error(fields("ingest_unknown_source", source_id=source_id))
        return PollReport(source_id, PollStatus.SKIPPED, "unknown source")
    rt.check_rules()
    with rt.state.lock("poll", source_id, ttl=poll_limit(rt, source_id)) as ours:
        if not ours:
            return PollReport(source_id, PollStatus.BUSY, "another worker is polling it")
        with pipeline_slot(rt, source_id):
            return process_items(rt, source_id, items, cursor, enqueue_delivery, parser="live")


def _poll_locked(rt, source, enqueue_delivery) -> PollReport:
    state, started = rt.state, time.perf_counter()
    try:
        result = source.poll(state.cursor(source.id))
    except SourceError as exc:
        return _failed(rt, source, exc, started, enqueue_delivery)
    if result.not_modified:
        state.save_cursor(source.id, **result.cursor)
        state.record_success(source.id, last_status="not_modified")
        rt.metrics.add("polls", source_id=source.id, outcome="not_modified")
        rt.metrics.observe_poll(source.id, time.perf_counter() - started)
        log.info(fields("poll_not_modified", source_id=source.id))
        recovered = _incidents(rt, source.id, enqueue_delivery, rt.incidents.polled, 0)
        return PollReport(source.id, PollStatus.NOT_MODIFIED, deliveries=recovered)
    with pipeline_slot(rt, source.id):
        try:
            items = result.take()   # a feed's body is parsed here, in the slot
        except SourceError as exc:
            return _failed(rt, source, exc, started, enqueue_delivery)
        return process_items(rt, source.id, items, result.cursor, enqueue_delivery,
                             parser=result.detail.get("parser", ""), started=started)


@contextmanager
def pipeline_slot(rt, source_id: str) -> Iterator[None]:
    """One of the worker's `worker.pipelines` slots, held while a poll parses and processes its items: its
    `worker.concurrency` threads all fetch at once, at most `pipelines` of them hold a parsed feed and its
    items' classification at a time (the GIL runs one at a time anyway). What eight parses at once held had set
    the worker's peak memory (BENCHMARKS.md §13.3). A slot not free within PIPELINE_WAIT (a pipeline that
    takes that long is stuck or the machine is) is not waited for: the poll goes on without one, and says so."""
    slots = rt.pipelines
    held = slots.acquire(timeout=PIPELINE_WAIT)
    if not held:
        log.warning(fields("pipeline_slots_busy", source_id=source_id, slots=rt.settings.worker.pipelines,
                           waited=f"{PIPELINE_WAIT:.0f}s"))
    try:
        yield
    finally:
        if held:
            slots.release()


def _failed(rt, source, exc: SourceError, started: float, enqueue_delivery) -> PollReport:
    """A poll whose fetch or parse failed: the source backs off, and an incident may open."""
    info = rt.state.record_failure(source.id, exc.reason, interval=source.config.interval,
                                   backoff_max=rt.settings.worker.backoff_max, retry_after=exc.retry_after)
    rt.metrics.add("polls", source_id=source.id, outcome="failed")
    rt.metrics.add("poll_errors", source_id=source.id)
    rt.metrics.observe_poll(source.id, time.perf_counter() - started)
    log.warning(fields("poll_failed", source_id=source.id, reason=exc.reason,
                       consecutive_failures=info["consecutive_failures"], backoff=f"{info['backoff']:.0f}s"))
    incident = _incidents(rt, source.id, enqueue_delivery, rt.incidents.failed,
                          int(info["consecutive_failures"]), exc.reason)
    return PollReport(source.id, PollStatus.FAILED, exc.reason, deliveries=incident)


def process_items(rt, source_id: str, items: list, cursor: dict, enqueue_delivery, *, parser: str = "",
                  started: float | None = None) -> PollReport:
    """The pipeline after the fetch, for a poll or a live listener's batch. The cursor is saved last."""
    s, state = rt.settings, rt.state
    started = time.perf_counter() if started is None else started
    clip_items(items, s.items.limits, source_id)
    dedup, age = ExactDeduplicator(state, s.seen_ttl), AgeFilter(s.max_age)
    stories = StoryDeduplicator(state, s.stories.window, s.stories.threshold) if s.stories.enabled else None
    fresh = run_stages([dedup] + ([stories] if stories else []), items)  # every new copy joins its story
    stages: list[Stage] = [age]
    if rt.classifier is not None:
        stages.append(ClassifyStage(rt.classifier, rt.source_langs))
        if s.events.enabled:   # after story dedup (a copy joins its story's event) and the classifier
            stages.append(EventClusterer(state, s.events.window_days, Scoring(threshold=s.events.threshold)))
        if stories is not None and s.stories.link:   # independent reports of one news: one story or event
            stages.append(StoryLinker(state, s.stories.link_threshold, event_threshold=s.stories.link_event_threshold,
                                      cross_threshold=s.stories.link_cross_threshold, window=s.stories.window))
    current = run_stages(stages, fresh)
    matcher = rt.matcher         # one set of rules for the whole batch, even if a reload lands meanwhile
    matches = matcher.process(current)
    created: list = []
    deliveries = rt.dispatcher.process(matches, created)
    for alert_id, channel in deliveries:
        enqueue_delivery(alert_id, channel)
    _to_archive(rt, source_id, fresh, created)
    dedup.commit(fresh)
    state.save_cursor(source_id, **cursor)
    dropped = {f"{stage.name}.{reason}": n for stage in ([dedup] + ([stories] if stories else []) + stages)
               for reason, n in stage.dropped.items()}   # every drop, by the stage that made it
    merged = (stories.hits["near_duplicate"] + stories.hits["same_url"]) if stories else 0
    state.record_success(source_id, last_status="ok", items=len(items), new=len(fresh), parser=parser)
    _count(rt.metrics, source_id, items, fresh, dropped, matches, deliveries, merged)
    rt.metrics.observe_poll(source_id, time.perf_counter() - started)
    log.info(fields("poll_done", source_id=source_id, items=len(items), new=len(fresh),
                    too_old=age.dropped.get("too_old", 0), same_story=merged, alerts=len(deliveries),
                    parser=parser or None, ms=f"{(time.perf_counter() - started) * 1000:.0f}"))
    drain_archive(rt, budget=ARCHIVE_DRAIN_BUDGET)
    closed = _incidents(rt, source_id, enqueue_delivery, rt.incidents.polled, len(fresh))   # after the items' alerts
    return PollReport(source_id, PollStatus.OK, items=len(items), new=len(fresh), deliveries=deliveries + closed,
                      dropped=dropped)


def clip_items(items: list, limits, source_id: str) -> int:
    """Every item cut to `items.max_title` / `max_text` before any stage reads it; how many were cut."""
    clipped = 0
    for item in items:
        changed = item.clip(limits)
        if changed:
            clipped += 1
            log.info(fields("item_clipped", source_id=source_id, item_id=item.id, fields=changed))
    return clipped


def _to_archive(rt, source_id: str, fresh: list, created: list) -> None:
    """Queue the poll's new items and alerts for the archive. Redis down: the poll fails like any
    other step (and the re-poll queues them again); anything else is logged, never fatal to alerts."""
    try:
        rt.archiver.push_items(fresh, created)
    except redis.RedisError:
        raise
    except Exception as exc:  # noqa: BLE001 — the archive never holds up an alert
        log.error(fields("archive_push_failed", source_id=source_id, items=len(fresh), alerts=len(created),
                         reason=f"{type(exc).__name__}: {exc}"[:300]))


def _count(metrics, source_id: str, items, fresh, dropped: dict, matches, deliveries, merged: int) -> None:
    metrics.add("polls", source_id=source_id, outcome="ok")
    metrics.add("stories_merged", merged, source_id=source_id)
    metrics.add("items_fetched", len(items), source_id=source_id)
    metrics.add("items_new", len(fresh), source_id=source_id)
    for where, n in dropped.items():
        stage, _, reason = where.partition(".")
        metrics.add("items_dropped", n, stage=stage, reason=reason)
    for match in matches:
        metrics.add("rule_matches", rule_id=match.rule.id)
    for alert_id, channel in deliveries:
        metrics.add("alerts", channel=channel)


def _incidents(rt, source_id: str, enqueue_delivery, step, *args) -> list[tuple[str, str]]:
    """Report the poll's outcome to the source's incidents (alerts/incidents.py) and enqueue the
    alert it opens or closes, if any. Runs after the poll's own work is saved, so a failure here
    (logged) costs nothing of it; the incident is tried again at the next poll."""
    try:
        deliveries = step(source_id, *args)
    except Exception as exc:  # noqa: BLE001
        log.error(fields("incident_check_failed", source_id=source_id, reason=f"{type(exc).__name__}: {exc}"[:300]))
        return []
    for alert_id, channel in deliveries:
        enqueue_delivery(alert_id, channel)
    return deliveries
