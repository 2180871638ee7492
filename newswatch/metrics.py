"""Counters shared by every process, in Redis, and their Prometheus text rendering.

Counters live in one hash per metric (`<p>:metrics:<name>`, field = the label
set), so `/metrics` on any process reports the whole deployment — every worker on
every machine — and a scrape never depends on which process answered. Redis
restarts reset them, which Prometheus handles like any counter reset. Gauges that
describe the present (open deliveries, failing sources, queue depth, scheduler lag)
are read at scrape time.

Nothing secret is ever a label: sources, rules and channels appear by id only.
"""
from __future__ import annotations

import time

from newswatch.store.state import State

COUNTERS = {
    "items_fetched": "Items parsed from a source, before dedup.",
    "items_dropped": "Items dropped, by pipeline stage and reason.",
    "items_new": "Items that passed exact dedup.",
    "stories_merged": "Items recognised as another copy of a story already seen.",
    "polls": "Polls by source and outcome (ok, not_modified, failed).",
    "poll_errors": "Failed polls by source.",
    "rule_matches": "Matches by rule (before realert and silences).",
    "alerts": "Alerts created, by the channel they are routed to.",
    "deliveries": "Delivery attempts by channel and outcome (sent, retry, failed, silenced).",
}


def _escape(value: object) -> str:
    return str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def label_string(labels: dict[str, object]) -> str:
    return ",".join(f'{k}="{_escape(v)}"' for k, v in sorted(labels.items()))


class Metrics:
    """Buffer counter increments, write them in one pipeline with `flush()` (or at once with `count`)."""

    def __init__(self, state: State):
        self.state = state
        self._pending: dict[tuple[str, str], int] = {}

    def add(self, name: str, amount: int = 1, **labels: str) -> None:
        if name not in COUNTERS:
            raise KeyError(f"unknown metric {name!r}")
        if amount:
            key = (name, label_string(labels))
            self._pending[key] = self._pending.get(key, 0) + amount

    def flush(self) -> None:
        if not self._pending:
            return
        pending, self._pending = self._pending, {}
        pipe = self.state.r.pipeline(transaction=False)
        for (name, labels), amount in pending.items():
            pipe.hincrby(self.state.keys.metrics(name), labels, amount)
        pipe.execute()

    def count(self, name: str, amount: int = 1, **labels: str) -> None:
        self.add(name, amount, **labels)
        self.flush()

    def set_gauge(self, name: str, value: float) -> None:
        self.state.r.hset(self.state.keys.metrics("gauges"), name, f"{value:.6f}")


Gauge = tuple[str, "float | list[tuple[dict, float]]"]  # help text, a value or (labels, value) pairs


def render(state: State, gauges: dict[str, Gauge] | None = None) -> str:
    """The Prometheus text format (0.0.4) of every counter plus the given gauges."""
    lines = []
    pipe = state.r.pipeline(transaction=False)
    for name in COUNTERS:
        pipe.hgetall(state.keys.metrics(name))
    pipe.hgetall(state.keys.metrics("gauges"))
    *values, stored_gauges = pipe.execute()
    for (name, help_text), series in zip(COUNTERS.items(), values):
        metric = f"newswatch_{name}_total"
        lines += [f"# HELP {metric} {help_text}", f"# TYPE {metric} counter"]
        for labels, value in sorted(series.items()):
            lines.append(f"{metric}{{{labels}}} {int(value)}" if labels else f"{metric} {int(value)}")
    all_gauges = {name: ("Recorded by the process that measures it.", float(v)) for name, v in stored_gauges.items()}
    all_gauges.update(gauges or {})
    for name, (help_text, value) in sorted(all_gauges.items()):
        metric = f"newswatch_{name}"
        lines += [f"# HELP {metric} {help_text}", f"# TYPE {metric} gauge"]
        if isinstance(value, list):
            lines += [f"{metric}{{{label_string(labels)}}} {v}" for labels, v in value]
        else:
            lines.append(f"{metric} {value}")
    lines.append(f"# scraped at {time.time():.3f}")
    return "\n".join(lines) + "\n"
