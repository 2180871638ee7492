"""What `newswatch alerts` and `newswatch items` show of an event: its reports (outlet, language, link) from
the service's Redis (newswatch.pipeline.events.event_reports), an item's event id from the archive
(items.event_id, 0004), and an alert's "also reported by" (its event's and its story's other reports)."""
from __future__ import annotations

import sys

REPORT_FIELDS = ("source_id", "lang", "url", "title", "published", "seen_at")


def event_view(state, event_id: str | None) -> dict | None:
    """The alert's event: its id, type and every recorded report (outlet, language, link), first seen first."""
    from newswatch.pipeline.events import event_reports
    if not event_id:
        return None
    return {"id": event_id, "type": event_id.split("-", 1)[0],
            "reports": [{k: r.get(k) for k in REPORT_FIELDS} for r in event_reports(state, event_id)]}


def reported_by(state, payload: dict) -> list[dict]:
    """The other reports of the alert's event, then its story's other copies: outlet, language (where the
    event recorded it) and link of each ("also reported by"), each report once."""
    from newswatch.pipeline.events import event_reports
    from newswatch.pipeline.stories import story_reports
    reports = event_reports(state, payload["event_id"]) if payload.get("event_id") else []
    reports += story_reports(state, payload["story_id"]) if payload.get("story_id") else []
    seen, out = {payload.get("item_id")}, []
    for r in reports:
        if r.get("item_id") not in seen:
            seen.add(r.get("item_id"))
            out.append({"source_id": r["source_id"], "lang": r.get("lang"), "url": r.get("url")})
    return out


def archived_events(config, fingerprints: list[str]) -> dict[str, str]:
    """Item fingerprint -> the event id the service archived it with; {} when the archive cannot be read
    (items stays a dry run that prints what it can)."""
    from newswatch.archive.database import Archive, ArchiveUnavailable
    from newswatch.config.base import DRY_RUN_SECRET
    from pathlib import Path
    url = config.settings.archive.database_url(config.state_dir)
    if not fingerprints or DRY_RUN_SECRET in url.render_as_string(hide_password=False):
        return {}
    if url.get_backend_name() == "sqlite" and not (url.database and Path(url.database).is_file()):
        return {}      # no archive written yet: none is created by a dry run
    archive = Archive(url)
    try:
        return archive.events_of(fingerprints)
    except ArchiveUnavailable as exc:
        print(f"newswatch items: no event ids ({exc})", file=sys.stderr)
        return {}
    finally:
        archive.close()
