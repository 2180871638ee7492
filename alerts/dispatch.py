"""Matches become alerts: route, realert, store once, open a delivery per channel.

Realert: a rule alerts at most once per *happening* within its `realert` window
(default 6h): the item's event when it has one (`Item.event_id`: every report of
one event, across outlets, stories and languages), else its story, whichever feed
it comes from. The first report that matches opens the window
(`<p>:realert:<rule>:<happening>`, expiring after `realert`, its value the alert
id); a later report inside the window is suppressed (`alert_suppressed
reason=realert`) and only its source is recorded on its story
(`<p>:story:<story>:sources`, "also reported by"). After the window the next
report makes a new alert. `happening(item)` names it: "event:<id>", or the bare
story id as before events existed (so the windows and alert ids of stories stay
what they were).

Identity and idempotency: an alert id is derived from (rule, happening, item) —
exactly the old (rule, story) id when the story is the item itself — so a
window's alert and the one after it have different ids, and re-processing the
*same* item (a worker died mid-poll and the poll is repeated, even after the
window) finds its own alert and creates nothing. The window, the alert record
and its delivery records are written in one Lua step (`AlertStore.open_alert`), so
there is no moment when one exists without the other, and two workers racing
with two copies of a story get exactly one alert.
"""
from __future__ import annotations

import logging

from newswatch.model.alert import Alert, alert_id
from newswatch.model.item import Item
from alerts.rules.matcher import Match
from alerts.store import AlertStore
from newswatch.logs import fields
from newswatch.metrics import Metrics
from newswatch.model.severity import severity_rank

log = logging.getLogger(__name__)


def happening(item: Item) -> str:
    """What a rule alerts once on within its realert window: `Item.happening` ("event:<id>" for an
    item of an event), with a story written as its bare id, as the realert keys and alert ids of
    stories were before events."""
    return item.happening if item.event_id else item.story


def match_alert_id(rule_id: str, happening_id: str, item_id: str) -> str:
    """One id per (rule, happening, item); equal to `alert_id(rule, story)` when the story is the item."""
    return alert_id(rule_id, happening_id if happening_id == item_id else f"{happening_id}\x00{item_id}")


def build_alert(match: Match) -> Alert:
    item, rule = match.item, match.rule
    summary = item.text if len(item.text) <= 400 else item.text[:397].rsplit(" ", 1)[0] + "…"
    facts = item.facts
    return Alert(id=match_alert_id(rule.id, happening(item), item.id), rule_id=rule.id, rule_title=rule.title,
                 severity=rule.severity, item_id=item.id, source_id=item.source_id, title=item.title,
                 url=item.url, published=item.published.isoformat() if item.published else None,
                 summary=summary, evidence=match.evidence, channels=list(rule.notify), story_id=item.story,
                 event_id=item.event_id,
                 countries=list(facts.countries) if facts else [], regions=list(facts.regions) if facts else [],
                 topics=list(facts.topics) if facts else []).bounded()


class Dispatcher:
    """Route matches to channels (severity floor), apply realert, store new alerts, return deliveries."""

    def __init__(self, store: AlertStore, channel_min_severity: dict[str, str], redeliver_after: float,
                 metrics: Metrics | None = None):
        self.store = store
        self.metrics = metrics  # this process's: item-to-alert latency, from the item's fetched_at
        self.min_severity = channel_min_severity
        self.redeliver_after = redeliver_after

    def route(self, alert: Alert) -> list[str]:
        level = severity_rank(alert.severity)
        return [c for c in alert.channels if severity_rank(self.min_severity.get(c, "info")) <= level]

    def process(self, matches: list[Match], created: list[Alert] | None = None) -> list[tuple[str, str]]:
        """Store the new alerts; returns their deliveries (alert id, channel). `created`: gets each
        alert stored now (for the archive), including one routed to no channel."""
        deliveries: list[tuple[str, str]] = []
        for match in matches:
            alert = build_alert(match)
            alert.channels = channels = self.route(alert)
            story, once = match.item.story, happening(match.item)
            status, holder = self.store.open_alert(alert.id, alert.to_dict(), channels, self.redeliver_after,
                                                   rule_id=alert.rule_id, story_id=story, happening=once,
                                                   realert=match.rule.realert, source_id=alert.source_id)
            if status == "exists":
                log.info(fields("alert_exists", rule_id=alert.rule_id, item_id=alert.item_id, alert_id=alert.id))
                continue
            if status == "suppressed":
                log.info(fields("alert_suppressed", reason="realert", rule_id=alert.rule_id, story_id=story,
                                event_id=match.item.event_id, item_id=alert.item_id, source_id=alert.source_id,
                                alert_id=holder))
                continue
            log.info(fields("alert_created", rule_id=alert.rule_id, item_id=alert.item_id, story_id=story,
                            event_id=match.item.event_id, alert_id=alert.id, channels=",".join(channels)))
            if self.metrics is not None:
                self.metrics.observe_alert(match.item.fetched_at)
            if created is not None:
                created.append(alert)
            deliveries.extend((alert.id, c) for c in channels)
        return deliveries
