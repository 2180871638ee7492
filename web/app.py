"""The desk's ASGI app: one FastAPI app with the JSON API (/api/, OpenAPI at /openapi.json), the pages,
the live alerts stream and the static assets (web/static, served from the package: no CDN), behind the
session middleware (web.session). `create_app(desk, auth)`; web.server runs it under uvicorn."""
from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.resources import files
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from newswatch import version
from web import api, live, pages, rules, sources
from web.access import LoginRequired
from web.auth import Auth
from web.desk import Desk
from web.render import templates
from web.session import SessionMiddleware


def create_app(desk: Desk, auth: Auth) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        desk.close()

    app = FastAPI(title="newswatch desk", version=version(), lifespan=lifespan, docs_url=None,
                  redoc_url=None, openapi_url="/openapi.json",
                  description="The alert log, the archive's search and items, sources, rules, silences and status: "
                              "the read model `newswatch alerts|search|story|status|silence` use.")
    app.state.desk, app.state.auth, app.state.templates = desk, auth, templates()
    app.state.rule_bench = rules.RuleBench(desk)

    @app.exception_handler(LoginRequired)
    async def to_login(_: Request, exc: LoginRequired) -> RedirectResponse:
        return RedirectResponse(f"/login?next={quote(exc.path)}", status_code=303)

    app.include_router(live.router)   # before /api/alerts/{alert_id}
    app.include_router(sources.api)   # /api/sources..., before api.router
    app.include_router(api.router)
    app.include_router(rules.router)
    app.include_router(sources.pages)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=str(files("web") / "static")), name="static")
    app.add_middleware(SessionMiddleware, auth=auth)
    return app
