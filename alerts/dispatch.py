"""Matches become alerts: one per (rule, story), stored once, a delivery opened per channel."""
from __future__ import annotations

import logging

from alerts.alert import Alert, alert_id
from alerts.rules.matcher import Match
from newswatch.logs import fields
from newswatch.state import State

log = logging.getLogger(__name__)
SEVERITY_ORDER = {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}


def build_alert(match: Match) -> Alert:
    item, rule = match.item, match.rule
    story = item.extra.get("story_id") or item.id
    summary = item.text if len(item.text) <= 400 else item.text[:397].rsplit(" ", 1)[0] + "…"
    return Alert(id=alert_id(rule.id, story), rule_id=rule.id, rule_title=rule.title, severity=rule.severity,
                 item_id=item.id, source_id=item.source_id, title=item.title, url=item.url,
                 published=item.published.isoformat() if item.published else None,
                 summary=summary, evidence=match.evidence, channels=list(rule.notify))


class Dispatcher:
    """Route matches to channels (severity floor), store new alerts, return deliveries to enqueue."""

    def __init__(self, state: State, channel_min_severity: dict[str, str], redeliver_after: float):
        self.state = state
        self.min_severity = channel_min_severity
        self.redeliver_after = redeliver_after

    def route(self, alert: Alert) -> list[str]:
        level = SEVERITY_ORDER[alert.severity]
        return [c for c in alert.channels if SEVERITY_ORDER[self.min_severity.get(c, "info")] <= level]

    def process(self, matches: list[Match]) -> list[tuple[str, str]]:
        deliveries = []
        for match in matches:
            alert = build_alert(match)
            channels = self.route(alert)
            alert.channels = channels
            if not self.state.create_alert(alert.id, alert.to_dict(), channels, self.redeliver_after):
                log.info(fields("alert_exists", rule_id=alert.rule_id, item_id=alert.item_id, alert_id=alert.id))
                continue
            log.info(fields("alert_created", rule_id=alert.rule_id, item_id=alert.item_id,
                            alert_id=alert.id, channels=",".join(channels)))
            deliveries.extend((alert.id, c) for c in channels)
        return deliveries
