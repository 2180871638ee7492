"""The alert log as the desk reads it: each alert (rule, severity, item title and link, evidence, explanation)
with every channel's delivery status and attempts, its event's reports (outlet, language, link) and "also
reported by" (the event's and the story's other reports). `newswatch alerts` and the web desk both read it here.
"""
from __future__ import annotations

import json
from typing import Any

from alerts.store import AlertStore
from newswatch.model.alert import Alert
from newswatch.pipeline.event_reports import event_reports
from newswatch.pipeline.stories import story_reports
from newswatch.store.state import State

REPORT_FIELDS = ("source_id", "lang", "url", "title", "published", "seen_at")


def event_view(state: State, event_id: str | None) -> dict[str, Any] | None:
    """The alert's event: its id, type and every recorded report (outlet, language, link), first seen first."""
    if not event_id:
        return None
    return {"id": event_id, "type": event_id.split("-", 1)[0],
            "reports": [{k: r.get(k) for k in REPORT_FIELDS} for r in event_reports(state, event_id)]}


def reported_by(state: State, payload: dict[str, Any]) -> list[dict[str, Any]]:
    """The other reports of the alert's event, then its story's other copies: outlet, language (where the
    event recorded it) and link of each ("also reported by"), each report once."""
    reports = event_reports(state, payload["event_id"]) if payload.get("event_id") else []
    reports += story_reports(state, payload["story_id"]) if payload.get("story_id") else []
    seen, out = {payload.get("item_id")}, []
    for r in reports:
        if r.get("item_id") not in seen:
            seen.add(r.get("item_id"))
            out.append({"source_id": r["source_id"], "lang": r.get("lang"), "url": r.get("url")})
    return out


def deliveries(store: AlertStore, alert_id: str, channels: list[str]) -> dict[str, dict[str, Any]]:
    """Each channel's delivery record (status, attempts, last_error, ...) with its log of status changes."""
    return {ch: {**store.delivery(alert_id, ch), "log": store.delivery_log(alert_id, ch)} for ch in channels}


def alert_row(state: State, alert_id: str, store: AlertStore | None = None) -> dict[str, Any] | None:
    """One alert as the desk shows it; None when the log has no such alert (or it expired)."""
    store = store or AlertStore(state)
    payload = store.alert(alert_id)
    if payload is None:
        return None
    alert = Alert.from_dict(payload)
    return {"alert_id": alert_id, "created_at": payload.get("created_at"), "rule": payload["rule_id"],
            "rule_title": payload.get("rule_title"), "severity": payload["severity"], "title": payload["title"],
            "url": payload.get("url"), "source": payload["source_id"], "item_id": payload.get("item_id"),
            "published": payload.get("published"), "summary": payload.get("summary", ""),
            "story_id": payload.get("story_id"), "evidence": payload.get("evidence", []),
            "explanation": alert.explanation(), "event": event_view(state, payload.get("event_id")),
            "reported_by": reported_by(state, payload),
            "deliveries": deliveries(store, alert_id, payload.get("channels", []))}


def alert_rows(state: State, since: float = 0, status: str | None = None, limit: int = 100_000,
               newest_first: bool = False) -> list[dict[str, Any]]:
    """The alerts created since `since` (at most `limit`: the newest ones when `newest_first`, else the
    oldest, in that order); `status`: only those with a delivery in that status."""
    store, rows = AlertStore(state), []
    ids = store.newest_alerts(since=since, limit=limit) if newest_first else store.recent_alerts(since, limit)
    for alert_id in ids:
        row = alert_row(state, alert_id, store)
        if row is None:
            continue
        if status and not any(d.get("status") == status for d in row["deliveries"].values()):
            continue
        rows.append(row)
    return rows


def delivery_signature(state: State, alert_ids: list[str]) -> dict[str, str]:
    """Alert id -> its deliveries' statuses and attempts in one string (one round trip for all): what a live
    view compares to know which alerts changed since it last looked."""
    pipe = state.r.pipeline(transaction=False)
    for a in alert_ids:
        pipe.get(state.keys.alert(a))
    channels = {a: (json.loads(raw).get("channels", []) if raw else []) for a, raw in zip(alert_ids, pipe.execute())}
    pipe = state.r.pipeline(transaction=False)
    for a in alert_ids:
        for ch in channels[a]:
            pipe.hmget(state.keys.delivery(a, ch), "status", "attempts")
    replies = iter(pipe.execute())
    return {a: ";".join(f"{ch}={next(replies)}" for ch in channels[a]) for a in alert_ids}
