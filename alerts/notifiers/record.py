"""The alert as one JSON record: what the stdout channel prints and the webhook channel posts."""
from __future__ import annotations

from dataclasses import asdict
from typing import Any

from newswatch.model.alert import Alert


def alert_record(channel_id: str, alert: Alert) -> dict[str, Any]:
    return {
        "channel": channel_id,
        "alert_id": alert.id,
        "rule": alert.rule_id,
        "rule_title": alert.rule_title,
        "severity": alert.severity,
        "item_id": alert.item_id,
        "source": alert.source_id,
        "title": alert.title,
        "url": alert.url,
        "published": alert.published,
        "story_id": alert.story_id,
        "countries": alert.countries,
        "regions": alert.regions,
        "topics": alert.topics,
        "reported_by": alert.reported_by,
        "digest_of": alert.digest_of,
        "evidence": [asdict(ev) for ev in alert.evidence],
        "explanation": alert.explanation(),
    }
