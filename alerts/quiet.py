"""How long a source may stay silent, learned from when its new items arrive.

Each poll (or live batch) that brings at least one new item records the time in
`<p>:arrivals:<source>`, a list of the last ARRIVALS_KEPT times (newest first): bounded memory,
about 2 KB per source, whatever the feed's volume. The gaps between consecutive arrivals are the
source's rhythm; once MIN_GAPS of them are known, the source is *quiet* when nothing new has
arrived for longer than max(quiet_min, quiet_factor × the 95th percentile of its gaps) — longer
than it has ever been silent, by a margin. A source with too short a history is never called quiet.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from newswatch.config.health import SystemAlertsConfig
from newswatch.store.state import State

ARRIVALS_KEPT = 101            # arrival times kept per source: 100 gaps
MIN_GAPS = 10                  # gaps needed before a source can be called quiet
ARRIVALS_TTL = 180 * 86400     # a source removed from the config leaves nothing behind for long


@dataclass(frozen=True)
class Silence:
    source_id: str
    silent_for: float          # seconds since the last new item arrived
    usual_gap: float           # the 95th percentile of its gaps
    threshold: float           # how long it may be silent: max(quiet_min, quiet_factor × usual_gap)
    since: float               # when the last new item arrived


def p95(values: list[float]) -> float:
    """The 95th percentile, nearest rank (one of the values; 0 for none)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def gaps(arrivals: list[float]) -> list[float]:
    """The gaps between consecutive arrivals (given newest first, as stored)."""
    return [max(0.0, newer - older) for newer, older in zip(arrivals, arrivals[1:])]


def silence(source_id: str, arrivals: list[float], cfg: SystemAlertsConfig, now: float) -> Silence | None:
    """The source's silence when it is longer than it may be, else None (also with too little history)."""
    learned = gaps(arrivals)
    if len(learned) < MIN_GAPS:
        return None
    usual = p95(learned)
    threshold = max(cfg.quiet_min, cfg.quiet_factor * usual)
    silent_for = now - arrivals[0]
    if silent_for <= threshold:
        return None
    return Silence(source_id, silent_for, usual, threshold, arrivals[0])


class ArrivalLog:
    def __init__(self, state: State):
        self.state = state

    def record(self, source_id: str, now: float) -> None:
        key = self.state.keys.arrivals(source_id)
        pipe = self.state.r.pipeline()
        pipe.lpush(key, repr(now))
        pipe.ltrim(key, 0, ARRIVALS_KEPT - 1)
        pipe.expire(key, ARRIVALS_TTL)
        pipe.execute()

    def arrivals(self, source_ids: list[str]) -> dict[str, list[float]]:
        """Each source's arrival times, newest first (one round trip)."""
        pipe = self.state.r.pipeline(transaction=False)
        for source_id in source_ids:
            pipe.lrange(self.state.keys.arrivals(source_id), 0, -1)
        return {source_id: [float(t) for t in times] for source_id, times in zip(source_ids, pipe.execute())}
