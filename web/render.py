"""The Jinja2 templates (web/templates, autoescaped) and what they may call: the evidence pieces and roles
(web.views), times in UTC. One environment for the pages and for the live alerts' fragments."""
from __future__ import annotations

from datetime import datetime, timezone
from importlib.resources import files
from typing import Any

from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape

from web.views import evidence_chips, pieces


def when(value: Any) -> str:
    """An epoch time or an ISO 8601 string as `2026-02-07 09:00Z`; "-" for none."""
    if value in (None, ""):
        return "-"
    try:
        moment = (datetime.fromtimestamp(float(value), timezone.utc) if isinstance(value, (int, float))
                  else datetime.fromisoformat(str(value)).astimezone(timezone.utc))
    except (ValueError, OverflowError, OSError):
        return str(value)
    return moment.strftime("%Y-%m-%d %H:%M:%SZ")


def templates() -> Jinja2Templates:
    env = Environment(loader=FileSystemLoader(str(files("web") / "templates")),
                      autoescape=select_autoescape(["html", "xml"], default=True, default_for_string=True))
    env.globals.update(pieces=pieces, evidence_chips=evidence_chips, when=when)
    return Jinja2Templates(env=env)
