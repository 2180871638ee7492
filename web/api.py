"""The JSON API under /api/: the alert log, search, items, sources, rules, silences, status. The same read
model as the CLI (web.desk); OpenAPI at /openapi.json."""
from __future__ import annotations

import logging
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query
from pydantic import BaseModel, Field

from alerts.silences import Silence
from newswatch.archive.database import ArchiveUnavailable
from newswatch.archive.query import parse_when
from newswatch.config.units import parse_duration
from newswatch.logs import fields
from web.access import desk, editor, session, viewer
from web.auth import Principal
from web.desk import Desk

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api", tags=["desk"])
Reader = Annotated[Principal, Depends(viewer)]
Writer = Annotated[Principal, Depends(editor)]
DeskDep = Annotated[Desk, Depends(desk)]
STATUSES = ("pending", "sending", "retrying", "sent", "failed", "silenced", "held", "digested")


def _since(value: str | None, name: str = "since") -> float:
    try:
        return parse_when(value, name) or 0.0
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from None


def _archive_down(exc: ArchiveUnavailable) -> HTTPException:
    return HTTPException(503, str(exc))


@router.get("/alerts", summary="The alert log, newest first")
def list_alerts(d: DeskDep, _: Reader, limit: Annotated[int, Query(ge=1, le=500)] = 50,
                since: Annotated[str | None, Query(max_length=40, description="24h, 7d or a date")] = None,
                status: Annotated[str | None, Query(pattern="^(" + "|".join(STATUSES) + ")$")] = None
                ) -> dict[str, Any]:
    return {"alerts": d.alerts(limit, _since(since), status)}


@router.get("/alerts/{alert_id}", summary="One alert: evidence, explanation, reports, deliveries")
def get_alert(alert_id: Annotated[str, Path(max_length=64)], d: DeskDep, _: Reader) -> dict[str, Any]:
    row = d.alert(alert_id)
    if row is None:
        raise HTTPException(404, f"no alert {alert_id!r} in the log")
    return row


@router.get("/search", summary="The archive: words, \"phrases\", -words, facets (as `newswatch search`)")
def search(d: DeskDep, _: Reader, q: Annotated[str, Query(max_length=500)] = "",
           country: Annotated[list[str], Query(max_length=20)] = [],   # noqa: B006 (FastAPI copies defaults)
           mentioned: Annotated[list[str], Query(max_length=20)] = [],   # noqa: B006
           city: Annotated[list[str], Query(max_length=20)] = [],   # noqa: B006
           region: Annotated[list[str], Query(max_length=20)] = [],   # noqa: B006
           topic: Annotated[list[str], Query(max_length=20)] = [],   # noqa: B006
           actor: Annotated[list[str], Query(max_length=20)] = [],   # noqa: B006
           source: Annotated[list[str], Query(max_length=20)] = [],   # noqa: B006
           lang: Annotated[list[str], Query(max_length=20)] = [],   # noqa: B006
           since: Annotated[str | None, Query(max_length=40)] = None,
           until: Annotated[str | None, Query(max_length=40)] = None,
           limit: Annotated[int, Query(ge=1, le=1000)] = 20) -> dict[str, Any]:
    facets = {"country": country, "mentioned": mentioned, "city": city, "region": region, "topic": topic,
              "actor": actor, "source": source, "lang": lang}
    try:
        return d.search(q, facets, since, until, limit)
    except ArchiveUnavailable as exc:
        raise _archive_down(exc) from None
    except ValueError as exc:   # SearchError too: the query cannot run as written
        raise HTTPException(400, str(exc)) from None


@router.get("/items/{item_id}", summary="An archived item: facts, events, alerts, its story's reports")
def get_item(item_id: Annotated[str, Path(max_length=64)], d: DeskDep, _: Reader) -> dict[str, Any]:
    try:
        found = d.item(item_id)
    except ArchiveUnavailable as exc:
        raise _archive_down(exc) from None
    if found is None:
        raise HTTPException(404, f"no item {item_id!r} in the archive")
    return found


@router.get("/rules", summary="Rule files, their rules and problems, alerts in the last 24 h / 7 d")
def rules(d: DeskDep, _: Reader) -> dict[str, Any]:
    try:
        return {"files": d.rules()}
    except ArchiveUnavailable as exc:
        raise _archive_down(exc) from None


@router.get("/status", summary="Queues, open deliveries, scheduler lease, workers, sources, archive")
def status(d: DeskDep, _: Reader) -> dict[str, Any]:
    try:
        return d.status()
    except ArchiveUnavailable as exc:
        raise _archive_down(exc) from None


@router.get("/me", summary="Who is asking, their role, and the CSRF token writes must carry")
def me(who: Reader, current: Annotated[dict[str, Any], Depends(session)]) -> dict[str, Any]:
    return {"name": who.name, "role": who.role, "via": who.via, "csrf_token": current.get("csrf")}


# --- silences ---------------------------------------------------------------------------------------

class SilenceIn(BaseModel):
    rule: str = Field(min_length=1, max_length=128, description="a rule id or a glob (sahel-*)")
    duration: str = Field(min_length=1, max_length=20, description="30s, 10m, 4h, 2d")
    reason: str = Field(min_length=1, max_length=500)
    channel: str | None = Field(default=None, max_length=64, description="only this channel (default: every one)")


def add_silence(d: Desk, who: Principal, body: SilenceIn) -> Silence:
    """Checked as `newswatch silence add` checks it; ValueError says what is wrong."""
    duration = parse_duration(body.duration)
    if body.channel and body.channel not in d.channels():
        raise ValueError(f"unknown channel {body.channel!r} (channels: {', '.join(d.channels()) or 'none'})")
    silence = d.add_silence(body.rule, duration, body.reason, body.channel or None, created_by=who.name)
    log.info(fields("web_audit", user=who.name, action="silence_add", silence_id=silence.id, rule=silence.rule,
                    channel=silence.channel, until=silence.ends_at))
    return silence


def expire_silence(d: Desk, who: Principal, silence_id: str) -> Silence:
    silence = d.expire_silence(silence_id)
    log.info(fields("web_audit", user=who.name, action="silence_expire", silence_id=silence.id))
    return silence


@router.get("/silences", summary="Active silences (all=true: also those ended in the last day)")
def list_silences(d: DeskDep, _: Reader, all: bool = False) -> dict[str, Any]:   # noqa: A002 (the CLI's --all)
    return {"silences": [asdict(s) for s in d.silences(include_ended=all)]}


@router.post("/silences", status_code=201, summary="Add a silence (editor; X-CSRF-Token unless a Bearer token)")
def post_silence(body: SilenceIn, d: DeskDep, who: Writer) -> dict[str, Any]:
    try:
        return asdict(add_silence(d, who, body))
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from None


@router.post("/silences/{silence_id}/expire", summary="End a silence now (editor)")
def post_expire(silence_id: Annotated[str, Path(max_length=64)], d: DeskDep, who: Writer) -> dict[str, Any]:
    try:
        return asdict(expire_silence(d, who, silence_id))
    except KeyError as exc:
        raise HTTPException(404, str(exc.args[0])) from None
