"""An event's reports ("also reported by"): every report of one event, one per (source, url), first seen first.

Kept in Redis per type family and slot of REPORT_SLOT seconds (`<p>:{ev:<family>}:rep:<slot>`: event id ->
"\n<field>\t<report JSON>" per report, at most REPORTS_CAP bytes), written by the clusterer's script
(lua/event_assign.lua) and, for a report joined by story linking, by lua/event_report_add.lua; a slot
expires at the end of the next one, and an event reported again carries its reports into the current slot.
"""
from __future__ import annotations

import json
import math
import time
from typing import Any

from newswatch.classify.model import EVENT_TYPES
from newswatch.model.item import Item
from newswatch.pipeline.event_keys import family
from newswatch.pipeline.stories import report_field
from newswatch.store.scripts import script
from newswatch.store.state import State

__all__ = ["REPORT_SLOT", "REPORTS_CAP", "add_event_reports", "event_reports", "parse_event_reports", "report_dict", "report_json"]

REPORT_SLOT = 3 * 86400      # seconds: report and story-map slots
REPORTS_CAP = 256 * 1024     # bytes of one event's reports in one slot


def report_dict(item: Item, now: float, order: int) -> dict[str, Any]:
    """One report: source, language, url, item id, title, published, when seen, order in its batch."""
    return {"source_id": item.source_id, "lang": item.lang, "url": item.url, "item_id": item.id,
            "title": item.title, "published": item.published.isoformat() if item.published else None,
            "seen_at": now, "order": order}


def report_json(item: Item, now: float, order: int) -> str:
    """One report as stored (`report_dict`, in JSON)."""
    return json.dumps(report_dict(item, now, order), ensure_ascii=False)


def event_reports(state: State, event_id: str, now: float | None = None) -> list[dict[str, Any]]:
    """Every recorded report of the event, first seen first: source_id, lang, url, item_id, title,
    published, seen_at (epoch s). One per (source, url)."""
    event_type = event_id.split("-", 1)[0]
    if event_type not in EVENT_TYPES:
        return []
    event_type = family(event_type)
    slot = math.floor((time.time() if now is None else now) / REPORT_SLOT)
    pipe = state.r.pipeline(transaction=False)
    pipe.hget(state.keys.event_reports(event_type, slot), event_id)
    pipe.hget(state.keys.event_reports(event_type, slot - 1), event_id)
    current, previous = pipe.execute()
    return parse_event_reports(current if current is not None else previous)


def add_event_reports(state: State, joined: list[tuple[str, Item]], now: float) -> None:
    """Record each item as a report of the event it joined outside clustering (story linking): one
    script call per type family, on that family's report keys (one hash slot, as the clusterer's)."""
    slot, calls = math.floor(now / REPORT_SLOT), dict[str, list[str]]()
    for order, (event_id, item) in enumerate(joined):
        event_type = event_id.split("-", 1)[0]
        if event_type in EVENT_TYPES:
            calls.setdefault(family(event_type), []).extend([event_id, report_field(item), report_json(item, now, order)])
    run = script(state.r, "newswatch.pipeline", "event_report_add")
    pipe = state.r.pipeline(transaction=False)
    for fam, args in calls.items():
        run(keys=[state.keys.event_reports(fam, slot), state.keys.event_reports(fam, slot - 1)],
            args=[(slot + 2) * REPORT_SLOT, REPORTS_CAP, *args], client=pipe)
    if calls:
        pipe.execute()


def parse_event_reports(raw: str | None) -> list[dict[str, Any]]:
    """`event_reports` from the stored value ("\\n<field>\\t<report JSON>" per report)."""
    reports = [json.loads(line.split("\t", 1)[1]) for line in (raw or "").split("\n") if "\t" in line]
    reports.sort(key=lambda r: (r.get("seen_at", 0), r.get("order", 0)))
    for report in reports:
        report.pop("order", None)
    return reports
