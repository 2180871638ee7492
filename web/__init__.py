"""The desk in the browser: one ASGI app (FastAPI, uvicorn) with the JSON API under /api/ (OpenAPI at
/openapi.json), server-rendered pages (Jinja2) with live alerts (server-sent events), and the access rules
(loopback without a login; elsewhere `web.auth`: sessions, CSRF tokens, API tokens, viewer/editor roles).

    app.py      create_app(desk, auth): the routes, the static assets, the session middleware
    desk.py     Desk: the service's Redis and archive, read through the read model the CLI uses
    api.py      /api/...            pages.py   the HTML pages        live.py   /api/alerts/stream (SSE)
    auth.py     users, tokens, sessions, CSRF                        access.py the routes' guards
    session.py  the signed session cookie, security headers          views.py  evidence by role
    render.py   the templates (templates/) and their helpers         server.py `python -m web serve`
    static/     desk.js (live updates), desk.css: served from the package, no CDN

Same layer as workers/: it imports alerts and newswatch, never workers (nor workers web)."""
