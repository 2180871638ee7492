"""`current_desk`: the desk (web.access.desk) with its config read again when the sources' files changed — a
source added from /sources, by `newswatch sources import` or by hand (newswatch.config.local_sources) — so
that what /sources and /status show is what the scheduler polls."""
from __future__ import annotations

from fastapi import Request

from newswatch.config import read_config
from newswatch.config.local_sources import sources_digest
from web.access import desk
from web.desk import Desk


def current_desk(request: Request) -> Desk:
    d = desk(request)
    digest = sources_digest(d.config.path)
    if getattr(request.app.state, "sources_digest", None) != digest and d.config.registry is not None:
        config, _ = read_config(d.config.path, registry=d.config.registry, dry_run=True)
        if config is not None:
            d.config = config
        request.app.state.sources_digest = digest
    return d
