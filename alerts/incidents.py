"""Source incidents: the desk hears once when a source fails or goes quiet, and once when it recovers.

Two kinds, each at most one open per source, in the hash `<p>:incidents` ("<kind>:<source>" -> JSON):

- `source_failing`: `system_alerts.failures` polls in a row failed (workers/polling.py reports
  each failure and each success); closed by the next successful poll.
- `source_quiet`: no new item for longer than the source has ever been silent (alerts/quiet.py),
  found by the scheduler's sweep; closed when new items arrive.

Opening and closing each make one alert through the normal path (AlertStore.open_alert: the
alert log, a delivery per channel of `system_alerts.notify`, retries, silences, digests), with the
rule id `system:<kind>:<source>` (so `newswatch silence add 'system:*'` works). The alert ids are
derived from the incident's opening time, so a repeated step (a worker died half-way) finds its
own alert and never sends twice; the incident record is written first (HSETNX), so two workers or
two sweeps never open it twice.
"""
from __future__ import annotations

import json
import logging
import time
from datetime import datetime, timezone
from typing import Any

from alerts.quiet import ArrivalLog, Silence, silence
from alerts.store import AlertStore
from newswatch.config.health import SystemAlertsConfig
from newswatch.config.units import human_duration
from newswatch.logs import fields
from newswatch.model.alert import Alert, Evidence, alert_id
from newswatch.model.severity import severity_rank
from newswatch.store.state import State

log = logging.getLogger(__name__)

FAILING, QUIET = "source_failing", "source_quiet"
Deliveries = list[tuple[str, str]]


def system_rule_id(kind: str, source_id: str) -> str:
    return f"system:{kind}:{source_id}"


def open_incidents(state: State) -> dict[str, dict[str, Any]]:
    """Every open incident, by "<kind>:<source>": kind, source_id, opened_at, title."""
    out = {}
    for name, raw in sorted(state.r.hgetall(state.keys.incidents()).items()):
        try:
            record = json.loads(raw)
        except ValueError:
            continue
        out[name] = {k: record.get(k) for k in ("kind", "source_id", "opened_at", "title")}
    return out


def _when(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


class SourceIncidents:
    def __init__(self, store: AlertStore, cfg: SystemAlertsConfig, channel_min_severity: dict[str, str],
                 redeliver_after: float):
        self.store, self.cfg, self.redeliver_after = store, cfg, redeliver_after
        self.state = store.state
        rank = severity_rank(cfg.severity)
        self.channels = [c for c in cfg.notify if severity_rank(channel_min_severity.get(c, "info")) <= rank]
        self.arrivals = ArrivalLog(self.state)

    # --- what the polls report --------------------------------------------------------------
    def failed(self, source_id: str, failures: int, reason: str, now: float | None = None) -> Deliveries:
        """A poll failed (the `failures`-th in a row): opens the incident at the threshold."""
        if failures < self.cfg.failures:
            return []
        now = time.time() if now is None else now
        title = f"{source_id}: {failures} polls in a row failed (last: {reason})"[:300]
        detail = f"{failures} polls in a row failed; last error: {reason}"[:500]
        return self._open(FAILING, source_id, now, title, detail)

    def polled(self, source_id: str, new_items: int, now: float | None = None) -> Deliveries:
        """A poll succeeded (`new_items` new ones): closes a failing incident; new items are learned
        from and close a quiet one. One round trip when nothing is open."""
        now = time.time() if now is None else now
        if new_items:
            self.arrivals.record(source_id, now)
        names = [f"{FAILING}:{source_id}"] + ([f"{QUIET}:{source_id}"] if new_items else [])
        records = self.state.r.hmget(self.state.keys.incidents(), names)
        out: Deliveries = []
        for name, raw in zip(names, records):
            if raw:
                kind = name.split(":", 1)[0]
                done = "polled fine again" if kind == FAILING else "new items again"
                out += self._close(kind, source_id, json.loads(raw), now, done)
        return out

    def sweep_quiet(self, source_ids: list[str], now: float | None = None) -> Deliveries:
        """The scheduler's sweep over the enabled sources: open a quiet incident for each one silent for
        too long (not for one already failing: the failure says why it is silent). The incidents of a
        source no longer configured or enabled are dropped, without a message."""
        now = time.time() if now is None else now
        open_now = set(self.state.r.hkeys(self.state.keys.incidents()))
        orphans = [name for name in open_now if name.split(":", 1)[-1] not in source_ids]
        if orphans:
            self.state.r.hdel(self.state.keys.incidents(), *orphans)
            log.info(fields("incidents_dropped", incidents=sorted(orphans), reason="source not configured or disabled"))
        out: Deliveries = []
        for source_id, arrivals in self.arrivals.arrivals(source_ids).items():
            if {f"{QUIET}:{source_id}", f"{FAILING}:{source_id}"} & open_now:
                continue
            found = silence(source_id, arrivals, self.cfg, now)
            if found is not None:
                out += self._open(QUIET, source_id, now, *self._quiet_text(found))
        return out

    @staticmethod
    def _quiet_text(s: Silence) -> tuple[str, str]:
        title = f"{s.source_id}: no new item for {human_duration(s.silent_for)}, longer than it has ever been silent"
        detail = (f"last new item at {_when(s.since)}; its usual gap is at most {human_duration(s.usual_gap)} "
                  f"(95th percentile), so it is called quiet after {human_duration(s.threshold)}")
        return title, detail

    # --- one alert per opening and per closing ------------------------------------------------
    def _open(self, kind: str, source_id: str, now: float, title: str, detail: str) -> Deliveries:
        key, name = self.state.keys.incidents(), f"{kind}:{source_id}"
        rule_id = system_rule_id(kind, source_id)
        record = {"kind": kind, "source_id": source_id, "opened_at": now, "title": title,
                  "alert_id": alert_id(rule_id, repr(now)), "channels": self.channels, "announced": False}
        if not self.state.r.hsetnx(key, name, json.dumps(record)):
            record = json.loads(self.state.r.hget(key, name) or "{}")
            if record.get("announced", True):
                return []                 # open and announced: never one per poll
        what = "Source failing" if kind == FAILING else "Source quiet"
        deliveries = self._announce(record, what, title, detail)
        self.state.r.hset(key, name, json.dumps({**record, "announced": True}))
        log.warning(fields("incident_opened", kind=kind, source_id=source_id, rule_id=rule_id,
                           alert_id=record["alert_id"], reason=detail))
        return deliveries

    def _close(self, kind: str, source_id: str, record: dict[str, Any], now: float, done: str) -> Deliveries:
        opened = float(record.get("opened_at", now))
        title = f"{source_id} recovered: {done} after {human_duration(now - opened)}"
        detail = f"{record.get('title', kind)} — since {_when(opened)}; {done} at {_when(now)}"
        closing = {**record, "alert_id": alert_id(system_rule_id(kind, source_id), f"{opened!r}:recovered")}
        deliveries = self._announce(closing, "Source recovered", title, detail)
        self.state.r.hdel(self.state.keys.incidents(), f"{kind}:{source_id}")
        log.info(fields("incident_closed", kind=kind, source_id=source_id, alert_id=closing["alert_id"],
                        open_for=f"{now - opened:.0f}s"))
        return deliveries

    def _announce(self, record: dict[str, Any], what: str, title: str, detail: str) -> Deliveries:
        kind, source_id, channels = record["kind"], record["source_id"], list(record.get("channels") or [])
        rule_id = system_rule_id(kind, source_id)
        why = Evidence(clause=f"system_alerts.{'failures' if kind == FAILING else 'quiet_factor'}", kind=kind,
                       matched=source_id, field="health", start=0, end=0, detail=detail)
        alert = Alert(id=record["alert_id"], rule_id=rule_id, rule_title=what, severity=self.cfg.severity,
                      item_id=f"incident:{kind}:{source_id}:{record['opened_at']!r}", source_id=source_id,
                      title=title, url=None, published=None, summary=detail, evidence=[why], channels=channels)
        status, _ = self.store.open_alert(alert.id, alert.to_dict(), channels, self.redeliver_after,
                                          rule_id=rule_id, story_id=alert.id, realert=0)
        return [(alert.id, c) for c in channels] if status == "created" else []
