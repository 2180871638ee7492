"""`reports:` — the item's event (else its story) has just been reported by N distinct outlets:

    reports: {min_sources: 3, within: 2h}     # "confirmed by three outlets"; `within` is optional

It holds on ONE item of the happening: the one whose report brings the number of distinct sources
(source ids) seen within `within` (counted back from that report) to `min_sources`. A later report
never holds again, whatever the rule's `realert`: "fires once, on the third outlet, not on later ones".
Combine it with any other condition (`all: [{event: ...}, {reports: ...}]`).

The reports come from `MatchContext.reports` (a `ReportLookup`, given to `RuleMatcher`): in the
daemon `HappeningReports` reads what the pipeline recorded in Redis before matching — the event's
reports when it is given a reader for them and the item has an event, else the story's
(newswatch/pipeline/stories.py `story_reports`, first seen first, the item's own report included).
Without a lookup (a dry run) the condition never holds, and `--explain` says why.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from alerts.rules.node import Errors, Where
from newswatch.config.units import parse_duration
from newswatch.config.yamlconf import key_name, unknown_key_message
from newswatch.model.alert import Evidence
from newswatch.model.item import Item
from newswatch.pipeline.stories import story_reports
from newswatch.store.state import State

if TYPE_CHECKING:
    from alerts.rules.context import MatchContext

KEYS = ("min_sources", "within")
Report = dict[str, Any]
EventReports = Callable[[State, str], list[Report]]   # (state, event id) -> the event's reports, first seen first


class HappeningReports:
    """The `ReportLookup` of the daemon: the recorded reports of an item's event (with `event_reports`,
    newswatch.pipeline.events), else of its story, from Redis."""

    def __init__(self, state: State, event_reports: EventReports | None = None):
        self.state, self.event_reports = state, event_reports

    def __call__(self, item: Item) -> list[Report]:
        if item.event_id and self.event_reports is not None:
            return self.event_reports(self.state, item.event_id)
        return story_reports(self.state, item.story)


def _took(seconds: float) -> str:
    minutes = int(seconds // 60)
    return f"{minutes // 60}h{minutes % 60:02d}m" if minutes >= 60 else f"{minutes}m"


@dataclass
class Reports:
    path: str
    min_sources: int
    within: float | None = None     # seconds; None: the happening's whole recorded life
    positional = False

    @classmethod
    def parse(cls, value: Any, path: Where, errors: Errors) -> Reports | None:
        unknown = [k for k in value if k not in KEYS] if isinstance(value, dict) else []
        if unknown:
            errors.append((path + (unknown[0],), unknown_key_message(unknown[0], KEYS)))
            return None
        if not isinstance(value, dict) or "min_sources" not in value:
            errors.append((path, "reports is a mapping {min_sources: N, within: duration (optional)}"))
            return None
        n = value["min_sources"]
        if type(n) is not int or n < 2:
            errors.append((path + ("min_sources",), "min_sources is a whole number of sources, at least 2"))
            return None
        within = None
        if value.get("within") is not None:
            try:
                within = parse_duration(value["within"])
            except ValueError:
                within = 0.0
            if not within:
                errors.append((path + ("within",), "bad duration (allowed: a number with a unit, e.g. 30m, 2h, 1d)"))
                return None
        return cls(key_name(path), n, within)

    def _reports(self, ctx: MatchContext) -> list[Report] | None:
        lookup = ctx.reports
        if lookup is None:
            return None
        return ctx.derived("reports", lambda: lookup(ctx.item))

    def nth(self, reports: list[Report]) -> int | None:
        """The index of the report that first brings the distinct sources within `within` (counted back
        from it) to `min_sources`: one report per happening, or None. A sliding window, once over."""
        counts: Counter[str] = Counter()
        low, within = 0, self.within
        for k, report in enumerate(reports):
            counts[str(report.get("source_id"))] += 1
            if within is not None:
                now = float(report.get("seen_at") or 0)
                while float(reports[low].get("seen_at") or 0) < now - within:
                    gone = str(reports[low].get("source_id"))
                    counts[gone] -= 1
                    if not counts[gone]:
                        del counts[gone]
                    low += 1
            if len(counts) >= self.min_sources:
                return k
        return None

    def _window(self, reports: list[Report], k: int) -> list[Report]:
        """The first report of each source in the window that ends at report k."""
        now = float(reports[k].get("seen_at") or 0)
        firsts: dict[str, Report] = {}
        for report in reports[:k + 1]:
            if self.within is None or float(report.get("seen_at") or 0) >= now - self.within:
                firsts.setdefault(str(report.get("source_id")), report)
        return list(firsts.values())

    def test(self, ctx: MatchContext) -> list[Evidence] | None:
        reports = self._reports(ctx)
        k = self.nth(reports) if reports else None
        if reports is None or k is None or reports[k].get("item_id") != ctx.item.id:
            return None
        counted = self._window(reports, k)
        took = float(counted[-1].get("seen_at") or 0) - float(counted[0].get("seen_at") or 0)
        detail = (f"{len(counted)} outlets within {_took(took)}: "
                  + ", ".join(str(r.get("source_id")) for r in counted))
        return [Evidence(self.path, "reports", str(r.get("source_id")), "", 0, 0, r.get("url") or r.get("item_id"),
                         None, detail) for r in counted]

    def holds(self, ctx: MatchContext) -> bool:
        reports = self._reports(ctx)
        k = self.nth(reports) if reports else None
        return reports is not None and k is not None and reports[k].get("item_id") == ctx.item.id

    def explain(self, ctx: MatchContext) -> list[str]:
        reports = self._reports(ctx)
        if reports is None:
            return [f"{self.path}: no reports to count here (matching without the pipeline's state, "
                    "e.g. test-rule)"]
        k = self.nth(reports)
        sources = list(dict.fromkeys(str(r.get("source_id")) for r in reports))
        if k is None:
            span = f" within {_took(self.within)}" if self.within is not None else ""
            return [f"{self.path}: {len(sources)} outlet{'s' if len(sources) != 1 else ''} so far "
                    f"({', '.join(sources) or 'none recorded'}), not {self.min_sources}{span}"]
        first = reports[k]
        return [f"{self.path}: reached {self.min_sources} outlets with another report "
                f"({first.get('source_id')}, item {first.get('item_id')}): it holds once, on that one"]
