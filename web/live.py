"""Live alerts by server-sent events (`GET /api/alerts/stream`): every alert stored after the page's newest,
within half a second, and an alert again whenever one of its deliveries changes (pending -> sent), each as
its HTML fragment (the template the page uses, escaped there) with its id. The browser (static/desk.js)
puts a new one on top and replaces a changed one in place."""
from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

from anyio import to_thread
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from web.access import desk, viewer
from web.auth import Principal
from web.desk import Desk

router = APIRouter()
TICK = 0.5          # seconds between two looks at the alert log
WATCHED = 50        # alerts whose deliveries are watched for changes (the newest)
KEEPALIVE = 15.0    # a comment line this often, so proxies keep the stream open


def _event(name: str, data: dict[str, Any]) -> str:
    return f"event: {name}\ndata: {json.dumps(data)}\n\n"


async def _stream(request: Request, d: Desk, after: float) -> AsyncIterator[str]:
    fragment = request.app.state.templates.get_template("_alert.html")

    def render(alert_id: str) -> str | None:
        row = d.alert(alert_id)
        return fragment.render(a=row) if row is not None else None

    # the newest alerts shown are sent once more at the start: whatever changed between the page and the stream
    watched = {alert_id: "" for alert_id, _ in reversed(await to_thread.run_sync(d.newest_stored, 20))}
    quiet_since = time.monotonic()
    yield "retry: 1000\n\n"
    while not await request.is_disconnected():
        changed: list[tuple[str, str]] = []
        for alert_id, stored in await to_thread.run_sync(d.stored_after, after):
            after = max(after, stored)
            changed.append(("alert", alert_id))
        now_sigs = await to_thread.run_sync(d.signatures, list(watched))
        changed += [("update", a) for a, sig in now_sigs.items() if sig != watched.get(a)]
        for kind, alert_id in changed:
            html = await to_thread.run_sync(render, alert_id)
            if html is not None:
                yield _event(kind, {"id": alert_id, "html": html})
                quiet_since = time.monotonic()
        watched.update(now_sigs)
        if changed:
            watched.update(await to_thread.run_sync(d.signatures, [a for _, a in changed]))
            watched = dict(list(watched.items())[-WATCHED:])
        if time.monotonic() - quiet_since > KEEPALIVE:
            yield ": keep-alive\n\n"
            quiet_since = time.monotonic()
        await asyncio.sleep(TICK)


@router.get("/api/alerts/stream", include_in_schema=False)
def stream(request: Request, d: Annotated[Desk, Depends(desk)], _: Annotated[Principal, Depends(viewer)],
           after: Annotated[float, Query(ge=0)] = 0.0) -> StreamingResponse:
    """`after`: the store time of the newest alert the page shows (data-after); 0: from now on."""
    start = after or d.latest_stored()
    return StreamingResponse(_stream(request, d, start), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
