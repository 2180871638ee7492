"""What this process did, as Prometheus metrics (prometheus_client), in a registry of its own.

Each process (worker, scheduler, `run`) creates one `Metrics` (its runtime holds it) and counts
only what it did itself, so summing the scrape targets of a deployment counts every poll and every
delivery once. Gauges that describe shared state (open deliveries, queue depth, failing sources,
scheduler lag) are read at scrape time by the process holding the scheduler lease and exported by it
alone (workers.status_server.SchedulerGauges). A restarted process starts again from zero, which
Prometheus handles like any counter reset.

No `_created` series: they would double the number of series, and the Prometheus text format
ignores them. Nothing secret is ever a label: sources, rules and channels appear by id only.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Protocol

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.metrics_core import Metric

COUNTERS = {  # name (exported as newswatch_<name>_total): help, labels
    "items_fetched": ("Items parsed from a source, before dedup.", ("source_id",)),
    "items_dropped": ("Items dropped, by pipeline stage and reason.", ("stage", "reason")),
    "items_new": ("Items that passed exact dedup.", ("source_id",)),
    "stories_merged": ("Items recognised as another copy of a story already seen.", ("source_id",)),
    "polls": ("Polls by source and outcome (ok, not_modified, failed).", ("source_id", "outcome")),
    "poll_errors": ("Failed polls by source.", ("source_id",)),
    "rule_matches": ("Matches by rule (before realert and silences).", ("rule_id",)),
    "alerts": ("Alerts created, by the channel they are routed to.", ("channel",)),
    "deliveries": ("Delivery attempts by channel and outcome (sent, retry, failed, silenced, held).",
                   ("channel", "outcome")),
    "task_overruns": ("Tasks still running past their time limit (each logged as task_overran).", ("task",)),
    "archive_written": ("Archive queue entries written to the archive database, by kind (item, alert, delivery).",
                        ("kind",)),
    "archive_dropped": ("Archive queue entries dropped at the queue's cap (queue_max; the database was away too "
                        "long), oldest first, by kind (item, alert, delivery).", ("kind",)),
    "archive_pruned": ("Rows removed from the archive by retention (archive.keep, archive.max_items), by kind "
                       "(item, alert, delivery).", ("kind",)),
}

# A poll is a fetch plus the pipeline: tens of milliseconds to the HTTP timeout.
POLL_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
# Item fetched -> alert stored: the pipeline, plus the queue for a live source's batch.
ITEM_ALERT_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)
# Alert created -> sent: the queue and the send, or retries and rate limits (minutes), or a digest (hours).
DELIVERY_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0, 21600.0)


def _since(moment: datetime | str | None) -> float | None:
    if isinstance(moment, str):
        try:
            moment = datetime.fromisoformat(moment)
        except ValueError:
            return None
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return max(0.0, (datetime.now(timezone.utc) - moment).total_seconds())


class Metrics:
    """This process's counters and histograms. Thread-safe (Celery's thread pool shares one)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._counters = {name: Counter(f"newswatch_{name}", help_text, labels, registry=self.registry)
                          for name, (help_text, labels) in COUNTERS.items()}
        self.poll_duration = Histogram(
            "newswatch_poll_duration_seconds", "One poll: fetch and pipeline (a live source's batch: the "
            "pipeline). One observation per newswatch_polls_total.", ("source_id",),
            buckets=POLL_BUCKETS, registry=self.registry)
        self.item_alert_latency = Histogram(
            "newswatch_item_alert_latency_seconds", "From the item's fetched_at to its alert stored.",
            buckets=ITEM_ALERT_BUCKETS, registry=self.registry)
        self.delivery_latency = Histogram(
            "newswatch_delivery_latency_seconds", "From the alert's created_at to its message sent.", ("channel",),
            buckets=DELIVERY_BUCKETS, registry=self.registry)

    def add(self, name: str, amount: float = 1, **labels: str) -> None:
        if name not in self._counters:
            raise KeyError(f"unknown metric {name!r}")
        if amount:
            self._counters[name].labels(**labels).inc(amount)

    def observe_poll(self, source_id: str, seconds: float) -> None:
        self.poll_duration.labels(source_id=source_id).observe(max(0.0, seconds))

    def observe_alert(self, fetched_at: datetime | str | None) -> None:
        seconds = _since(fetched_at)
        if seconds is not None:
            self.item_alert_latency.observe(seconds)

    def observe_delivery(self, channel: str, created_at: datetime | str | None) -> None:
        seconds = _since(created_at)
        if seconds is not None:
            self.delivery_latency.labels(channel=channel).observe(seconds)

    def collect(self) -> Iterable[Metric]:
        return self.registry.collect()


def merge(families: Iterable[Metric]) -> list[Metric]:
    """Families of the same name made one, samples with the same name and labels added: what
    Prometheus's `sum` over the processes would give. `_created` samples are dropped."""
    merged: dict[str, Metric] = {}
    values: dict[str, dict[tuple[str, tuple[tuple[str, str], ...]], float]] = {}
    for family in families:
        if family.name.endswith("_created"):   # how the text parser hands back a counter's `_created`
            continue
        if family.name not in merged:
            merged[family.name] = Metric(family.name, family.documentation, family.type)
            values[family.name] = {}
        sums = values[family.name]
        for sample in family.samples:
            if sample.name.endswith("_created"):
                continue
            key = (sample.name, tuple(sorted(sample.labels.items())))
            sums[key] = sums.get(key, 0.0) + sample.value
    for name, family in merged.items():
        for (sample_name, labels), value in values[name].items():
            family.add_sample(sample_name, dict(labels), value)
    return list(merged.values())


class Collector(Protocol):
    """Anything with prometheus_client's `collect()`: a `Metrics`, a registry, a custom collector."""

    def collect(self) -> Iterable[Metric]: ...


class _Families:
    def __init__(self, families: list[Metric]):
        self.families = families

    def collect(self) -> list[Metric]:
        return self.families


def render(*collectors: Collector) -> bytes:
    """The Prometheus text format (0.0.4) of the collectors' families (anything with `collect()`), merged."""
    return generate_latest(_Families(merge(f for c in collectors for f in c.collect())))
