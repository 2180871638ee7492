"""The desk's pages, rendered on the server (web/templates): alerts (live), search with facets, an item,
status (sources, rules, workers), silences, and the login. Forms post with the session's CSRF token."""
from __future__ import annotations

import time
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from newswatch.archive.database import ArchiveUnavailable
from web.access import auth, csrf_checked, desk, editor, optional_principal, session, viewer
from web.api import SilenceIn, add_silence, expire_silence
from web.auth import Auth, Principal
from web.desk import Desk, SEARCH_FACETS
from web.fresh import current_desk

router = APIRouter(include_in_schema=False)
Reader = Annotated[Principal, Depends(viewer)]
Writer = Annotated[Principal, Depends(editor)]
DeskDep = Annotated[Desk, Depends(desk)]


def page(request: Request, name: str, who: Principal | None, status_code: int = 200, **context: Any) -> HTMLResponse:
    response: HTMLResponse = request.app.state.templates.TemplateResponse(
        request, name, {"who": who, "csrf": session(request).get("csrf"), "auth_required": auth(request).required,
                        **context}, status_code=status_code)
    return response


@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse("/alerts", status_code=303)


@router.get("/alerts")
def alerts_page(request: Request, d: DeskDep, who: Reader) -> HTMLResponse:
    return page(request, "alerts.html", who, alerts=d.alerts(limit=50), after=d.latest_stored())


@router.get("/search")
def search_page(request: Request, d: DeskDep, who: Reader, q: str = "", since: str = "", until: str = "") -> HTMLResponse:
    facets = {f: [v for v in request.query_params.getlist(f) if v.strip()] for f in SEARCH_FACETS}
    result, problem = None, None
    try:
        result = d.search(q, facets, since or None, until or None, 50)
    except ArchiveUnavailable as exc:
        problem = str(exc)
    except ValueError as exc:
        problem = str(exc)

    def narrowed(facet: str, value: str) -> str:
        params = [("q", q), ("since", since), ("until", until)] + [(f, v) for f in SEARCH_FACETS for v in facets[f]]
        return "/search?" + urlencode([p for p in params if p[1]] + [(facet, value)])
    return page(request, "search.html", who, q=q, since=since, until=until, facets=facets, result=result,
                problem=problem, narrowed=narrowed, facet_names=SEARCH_FACETS)


@router.get("/items/{item_id}")
def item_page(request: Request, item_id: str, d: DeskDep, who: Reader) -> HTMLResponse:
    try:
        item = d.item(item_id[:64])
    except ArchiveUnavailable as exc:
        return page(request, "error.html", who, 503, message=str(exc))
    if item is None:
        return page(request, "error.html", who, 404, message=f"no item {item_id[:64]!r} in the archive")
    return page(request, "item.html", who, item=item)


@router.get("/status")
def status_page(request: Request, d: Annotated[Desk, Depends(current_desk)], who: Reader) -> HTMLResponse:
    try:
        return page(request, "status.html", who, status=d.status())   # sources, rules: their own pages
    except ArchiveUnavailable as exc:
        return page(request, "error.html", who, 503, message=str(exc))


@router.get("/silences")
def silences_page(request: Request, d: DeskDep, who: Reader, problem: str = "") -> HTMLResponse:
    return page(request, "silences.html", who, silences=d.silences(include_ended=True), channels=d.channels(),
                problem=problem[:300], now=time.time())


@router.post("/silences")
def silences_add(d: DeskDep, who: Writer, rule: Annotated[str, Form(max_length=128)],
                 duration: Annotated[str, Form(max_length=20)], reason: Annotated[str, Form(max_length=500)],
                 channel: Annotated[str, Form(max_length=64)] = "") -> RedirectResponse:
    try:
        add_silence(d, who, SilenceIn(rule=rule, duration=duration, reason=reason, channel=channel or None))
    except ValueError as exc:
        return RedirectResponse("/silences?" + urlencode({"problem": str(exc)}), status_code=303)
    return RedirectResponse("/silences", status_code=303)


@router.post("/silences/{silence_id}/expire")
def silences_expire(silence_id: str, d: DeskDep, who: Writer) -> RedirectResponse:
    try:
        expire_silence(d, who, silence_id[:64])
    except KeyError as exc:
        raise HTTPException(404, str(exc.args[0])) from None
    return RedirectResponse("/silences", status_code=303)


# --- login ------------------------------------------------------------------------------------------

def _next(target: str) -> str:
    return target if target.startswith("/") and not target.startswith("//") else "/alerts"


@router.get("/login")
def login_page(request: Request, next: str = "/alerts") -> HTMLResponse:   # noqa: A002
    return page(request, "login.html", optional_principal(request), next=_next(next), problem="")


@router.post("/login")
def login(request: Request, username: Annotated[str, Form(max_length=64)],
          password: Annotated[str, Form(max_length=1024)], _: Annotated[None, Depends(csrf_checked)],
          next: Annotated[str, Form(max_length=500)] = "/alerts") -> Response:   # noqa: A002
    who = auth(request).login(username, password)
    if who is None:
        return page(request, "login.html", None, 401, next=_next(next), problem="wrong name or password")
    request.state.session = Auth.new_session(who.name, who.role)    # a new session (and CSRF token) at login
    request.state.session_dirty = True
    return RedirectResponse(_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request, _: Annotated[None, Depends(csrf_checked)]) -> RedirectResponse:
    request.state.session = Auth.new_session()
    request.state.session_dirty = True
    return RedirectResponse("/login", status_code=303)
