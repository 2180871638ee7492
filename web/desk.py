"""`Desk`: what the web app reads and changes, built once per process from the config — the service's
Redis (the alert log, deliveries, silences, source health) and its archive (search, items, counts). Every
read goes through the read model the CLI uses too (alerts.readmodel, newswatch.archive.Archive)."""
from __future__ import annotations

import time
from collections import Counter
from dataclasses import asdict
from typing import Any

from alerts.readmodel.alert_log import alert_row, alert_rows, delivery_signature
from alerts.readmodel.service import service_status
from alerts.rules.rule_file import checked_files
from alerts.silences import Silence, Silences
from alerts.store import AlertStore
from newswatch.archive.database import Archive
from newswatch.archive.query import search_query
from newswatch.config import Config
from newswatch.config.registry import InputReader
from newswatch.store.state import State, connect

DAY = 86400.0
SEARCH_FACETS = ("country", "mentioned", "city", "region", "topic", "actor", "source", "lang")


class Desk:
    def __init__(self, config: Config, redis_url: str, archive: Archive | None = None,
                 read_input: InputReader | None = None):
        self.config = config
        self.read_input = read_input   # feeds by URL, for the rule tester (the Registry's: workers' reader)
        self.state = State(connect(redis_url), config.settings.key_prefix)
        self.archive = archive or Archive.from_config(config.settings.archive, config.state_dir)

    def close(self) -> None:
        self.archive.close()
        self.state.r.close()

    # --- alerts -------------------------------------------------------------------------------------

    def alerts(self, limit: int = 50, since: float = 0, status: str | None = None) -> list[dict[str, Any]]:
        return alert_rows(self.state, since, status, limit=limit, newest_first=True)

    def alert(self, alert_id: str) -> dict[str, Any] | None:
        return alert_row(self.state, alert_id)

    def stored_after(self, after: float, limit: int = 100) -> list[tuple[str, float]]:
        return AlertStore(self.state).created_after(after, limit)

    def newest_stored(self, limit: int) -> list[tuple[str, float]]:
        """(alert id, when stored) of the newest `limit` alerts, newest first."""
        return [(a, float(t)) for a, t in self.state.r.zrevrange(self.state.keys.alerts(), 0, limit - 1, withscores=True)]

    def latest_stored(self) -> float:
        newest = self.newest_stored(1)
        return newest[0][1] if newest else 0.0

    def signatures(self, alert_ids: list[str]) -> dict[str, str]:
        return delivery_signature(self.state, alert_ids) if alert_ids else {}

    # --- the archive -------------------------------------------------------------------------------

    def search(self, text: str, facets: dict[str, list[str]], since: str | None, until: str | None,
               limit: int) -> dict[str, Any]:
        """The hits (newest first, as `newswatch search --format json`) and, over them, how many have each
        country, region, topic, actor, source and language (the facets to narrow by). ValueError: bad query."""
        hits = [asdict(h) for h in self.archive.search(search_query(text, facets, since, until, limit))]
        counts: dict[str, Counter[str]] = {k: Counter() for k in ("country", "region", "topic", "actor", "source", "lang")}
        for h in hits:
            counts["country"].update(h["countries"])
            counts["region"].update(h["regions"])
            counts["topic"].update(h["topics"])
            counts["actor"].update(a.get("id") for a in h["actors"] if a.get("id"))
            counts["source"][h["source"]] += 1
            counts["lang"][h["lang"] or "?"] += 1
        return {"hits": hits, "facets": {k: c.most_common(12) for k, c in counts.items()}}

    def item(self, item_id: str) -> dict[str, Any] | None:
        """The archived item with its facts, the alerts it made and every report of its story (or event)."""
        record = self.archive.item(item_id)
        if record is None:
            return None
        story = self.archive.story(record["event_id"] or record["story_id"] or item_id)
        return {**record, "alerts": self.archive.item_alerts(item_id), "story": [asdict(r) for r in story]}

    # --- sources, rules, status --------------------------------------------------------------------

    def sources(self) -> dict[str, dict[str, Any]]:
        """Each source's health, with the items it brought in the last 24 h (from the archive)."""
        health = service_status(self.state, self.config.settings.sources, self.config.settings.archive.queue_max)
        per_day = self.archive.items_by_source(time.time() - DAY)
        return {sid: {**h, "items_24h": per_day.get(sid, 0)} for sid, h in health["sources"].items()}

    def rules(self) -> list[dict[str, Any]]:
        """Each rule file with its rules (and their alerts in the last 24 h / 7 d) and its problems."""
        now = time.time()
        day, week = self.archive.alert_counts(now - DAY), self.archive.alert_counts(now - 7 * DAY)
        out = []
        for path, rules, issues in checked_files(self.config):   # every problem, as `newswatch check`
            out.append({"file": str(path), "errors": [str(i) for i in issues],
                        "rules": [{"id": r.id, "title": r.title, "severity": r.severity, "enabled": r.enabled,
                                   "notify": r.notify, "line": r.line, "matches_24h": day.get(r.id, 0),
                                   "matches_7d": week.get(r.id, 0)} for r in rules]})
        return out

    def status(self) -> dict[str, Any]:
        s = self.config.settings
        report = service_status(self.state, s.sources, s.archive.queue_max)
        return {**report, "archive": {"database": self.archive.where, **self.archive.stats(top=5)}}

    # --- silences ----------------------------------------------------------------------------------

    def silences(self, include_ended: bool = False) -> list[Silence]:
        silences = Silences(self.state)
        return silences.all() if include_ended else silences.active()

    def add_silence(self, rule: str, duration: float, reason: str, channel: str | None, created_by: str) -> Silence:
        return Silences(self.state).add(rule, duration, reason, channel=channel, created_by=created_by)

    def expire_silence(self, silence_id: str) -> Silence:
        return Silences(self.state).expire(silence_id)

    def channels(self) -> list[str]:
        return [ch.id for ch in self.config.settings.channels]
