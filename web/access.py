"""FastAPI dependencies that guard each route: `viewer` (any role may read), `editor` (writes: the editor
role and the session's CSRF token, unless the caller came with an API token). A page asked for without a
login is redirected to /login; the API answers 401 (no login) or 403 (role or CSRF)."""
from __future__ import annotations

from typing import Any

from fastapi import HTTPException, Request

from web.auth import CSRF_FIELD, CSRF_HEADER, Auth, Principal
from web.desk import Desk


class LoginRequired(Exception):
    """A page asked for without a login: answered with a redirect to /login (web.app)."""

    def __init__(self, path: str):
        self.path = path


def desk(request: Request) -> Desk:
    found: Desk = request.app.state.desk
    return found


def auth(request: Request) -> Auth:
    found: Auth = request.app.state.auth
    return found


def session(request: Request) -> dict[str, Any]:
    found: dict[str, Any] = request.state.session
    return found


def _principal(request: Request) -> Principal | None:
    return auth(request).principal(session(request), request.headers.get("authorization"))


def viewer(request: Request) -> Principal:
    who = _principal(request)
    if who is None:
        if request.url.path.startswith("/api/"):
            raise HTTPException(401, "log in (POST /login) or send Authorization: Bearer <token>",
                                headers={"WWW-Authenticate": "Bearer"})
        raise LoginRequired(request.url.path)
    return who


async def csrf_checked(request: Request) -> None:
    """The session's CSRF token came with the write (header X-CSRF-Token, or form field csrf_token)."""
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        value = (await request.form()).get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not Auth.csrf_ok(session(request), sent):
        raise HTTPException(403, "missing or wrong CSRF token (form field csrf_token or header X-CSRF-Token)")


async def editor(request: Request) -> Principal:
    who = viewer(request)
    if not who.can_write:
        raise HTTPException(403, f"{who.name} is a viewer: writing needs the editor role")
    if who.via != "token":
        await csrf_checked(request)
    return who


def optional_principal(request: Request) -> Principal | None:
    return _principal(request)
