"""What `newswatch items` shows of an event: an item's event id from the archive (items.event_id, 0004); the
event's reports and an alert's "also reported by" are the read model's (alerts/readmodel/alert_log.py)."""
from __future__ import annotations

import sys

from alerts.readmodel.alert_log import event_view, reported_by  # noqa: F401 (the read model: `alerts`, `items`)


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
