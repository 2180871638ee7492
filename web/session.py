"""The session cookie and the security headers, as a pure ASGI middleware (streams such as the live
alerts pass through untouched).

Each request gets `request.state.session` (a dict: the CSRF token, and the user once logged in), read
from the signed cookie or made new; a new or changed session (`request.state.session_dirty`) is sent
back as `Set-Cookie: nw_session=...; HttpOnly; SameSite=Lax; Path=/` (+ `Secure` over https)."""
from __future__ import annotations

from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from web.auth import COOKIE, Auth

SECURITY_HEADERS = {
    # every script, style and image from this app: an injected <script> or inline handler would not run
    "content-security-policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                               "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
}


def cookie_header(value: str, max_age: float, secure: bool) -> str:
    return (f"{COOKIE}={value}; Path=/; Max-Age={int(max_age)}; HttpOnly; SameSite=Lax"
            + ("; Secure" if secure else ""))


class SessionMiddleware:
    def __init__(self, app: ASGIApp, auth: Auth):
        self.app, self.auth = app, auth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        session: dict[str, Any] = self.auth.load_session(HTTPConnection(scope).cookies.get(COOKIE))
        state = scope.setdefault("state", {})
        fresh = not session.get("csrf")
        state["session"] = self.auth.new_session() if fresh else session
        state["session_dirty"] = fresh

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                if state.get("session_dirty"):
                    headers.append("set-cookie", cookie_header(self.auth.dump_session(state["session"]),
                                                               self.auth.max_age, scope.get("scheme") == "https"))
            await send(message)

        await self.app(scope, receive, send_with_cookie)
