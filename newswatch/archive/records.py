"""What travels through the archive queue: one entry per item, alert or settled delivery.

An entry is `<kind>:<payload>`, kind `i` (item), `a` (alert) or `d` (delivery status), payload the
record as JSON, zlib-compressed and base64-encoded (an item with its Facts is mostly repeated keys
and text: about 28% of its JSON). The kind stays readable so the queue's Lua script can count
what it drops by kind. Records are built here, once, so the writer and the queue agree on them.

An item's Facts (its evidence: most of the record) travel as their JSON text, a string inside the
record, made once here: the drain neither parses nor re-makes them, the writer stores that text as it
is. An entry queued before (Facts as an object) is still read and written the same.
"""
from __future__ import annotations

import base64
import json
import re
import time
import zlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from newswatch.classify.normalize import normalize_term
from newswatch.model.alert import Alert
from newswatch.model.item import Item

KINDS = {"i": "item", "a": "alert", "d": "delivery"}
TEXT_MAX_BYTES = 20 * 1024     # an item's text is cut (on a character boundary) beyond this (schema.py)
# A NUL as JSON writes it (`\u0000`), not a backslash of the text followed by "u0000" (`\\u0000`).
_NUL_ESCAPE = re.compile(r"(?<!\\)((?:\\\\)*)\\u0000")


class BadEntry(ValueError):
    """An entry no writer can read (corrupt, or from an unknown kind)."""


@dataclass(frozen=True)
class Entry:
    kind: str                 # item | alert | delivery
    record: dict[str, Any]


def _clean(text: str | None) -> str | None:
    """PostgreSQL refuses NUL in text: drop it (it never carries meaning in news)."""
    return text.replace("\x00", "") if text else text


def cap_text(text: str, limit: int = TEXT_MAX_BYTES) -> str:
    """`text` cut to at most `limit` bytes of UTF-8, on a character boundary."""
    raw = text.encode("utf-8")
    if len(raw) <= limit:
        return text
    return raw[:limit].decode("utf-8", errors="ignore")


def to_json(value: Any) -> str:
    """Compact JSON without NUL (PostgreSQL refuses it in text)."""
    raw = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return _NUL_ESCAPE.sub(r"\1", raw) if "\\u0000" in raw else raw


def _encode(kind: str, record: dict[str, Any]) -> str:
    # level 1: half the CPU of level 6 for about 12% more bytes (BENCHMARKS.md §11)
    return f"{kind}:" + base64.b64encode(zlib.compress(to_json(record).encode("utf-8"), 1)).decode("ascii")


def decode(entry: str) -> Entry:
    kind, sep, payload = entry.partition(":")
    if not sep or kind not in KINDS:
        raise BadEntry(f"not an archive entry (kind {kind[:8]!r})")
    try:
        record = json.loads(zlib.decompress(base64.b64decode(payload, validate=True)).decode("utf-8"))
    except (ValueError, zlib.error) as exc:
        raise BadEntry(f"unreadable {KINDS[kind]} entry ({type(exc).__name__})") from None
    if not isinstance(record, dict):
        raise BadEntry(f"unreadable {KINDS[kind]} entry (not an object)")
    return Entry(KINDS[kind], record)


def _timestamp(value: datetime | None) -> float | None:
    return value.timestamp() if value is not None else None


def item_entry(item: Item) -> str:
    """An item as the archive keeps it: text capped, its labels, its Facts for replay."""
    facts = item.facts
    published, fetched = _timestamp(item.published), _timestamp(item.fetched_at) or time.time()
    record = {
        "fingerprint": item.id, "source": item.source_id, "url": _clean(item.url),
        "title": _clean(item.title) or "", "text": cap_text(_clean(item.text) or ""),
        "published": published, "fetched": fetched, "at": published if published is not None else fetched,
        "lang": (item.lang or None) and item.lang[:16], "story_id": item.story_id or item.id,
        "event_id": item.event_id,
        "countries": list(facts.countries) if facts else [], "mentioned": list(facts.mentioned) if facts else [],
        "cities": list(facts.cities) if facts else [], "regions": list(facts.regions) if facts else [],
        "topics": list(facts.topics) if facts else [], "actors": list(facts.actors) if facts else [],
        "facts": to_json(facts.to_dict(deep=False)) if facts else None,   # its JSON text (see above)
        "guid": _clean(item.guid) or None,
    }
    return _encode("i", record)


def alert_entry(alert: Alert | dict[str, Any]) -> str:
    """An alert (or its stored payload) with its evidence and the one-line explanation."""
    alert = Alert.from_dict(alert) if isinstance(alert, dict) else alert
    try:
        created = datetime.fromisoformat(alert.created_at).timestamp()
    except ValueError:
        created = time.time()
    record = {
        "alert_id": alert.id, "rule_id": alert.rule_id, "rule_title": alert.rule_title,
        "severity": alert.severity, "item_fingerprint": alert.item_id, "story_id": alert.story_id,
        "event_id": alert.event_id,
        "source": alert.source_id, "title": _clean(alert.title) or "", "url": _clean(alert.url),
        "created": created, "channels": list(alert.channels),
        "evidence": alert.to_dict()["evidence"],
        "explanation": alert.explanation(),
    }
    return _encode("a", record)


def delivery_entry(alert_id: str, channel: str, status: str, *, attempts: int | None = None,
                   last_error: str | None = None, at: float | None = None) -> str:
    """A delivery's status as it settled (sent, failed, silenced, held, digested)."""
    return _encode("d", {"alert_id": alert_id, "channel": channel, "status": status, "attempts": attempts,
                         "last_error": _clean(last_error) or None, "updated": at if at is not None else time.time()})


def facets(record: dict[str, Any]) -> list[tuple[str, str]]:
    """(kind, value) of an item record, each once: what `item_facets` indexes. A topic counts under
    its path and under each segment of it ("diplomacy/visit", "diplomacy", "visit")."""
    pairs: dict[tuple[str, str], None] = {}
    for code in record.get("countries") or []:
        pairs[("country", str(code))] = None
    for code in record.get("mentioned") or []:
        pairs[("mentioned", str(code))] = None
    for city in record.get("cities") or []:
        if isinstance(city, dict) and city.get("name"):
            pairs[("city", normalize_term(str(city["name"])))] = None
    for region in record.get("regions") or []:
        pairs[("region", str(region))] = None
    for topic in record.get("topics") or []:
        path = str(topic).strip("/")
        for value in (path, *path.split("/")):
            pairs[("topic", value)] = None
    for actor in record.get("actors") or []:
        if isinstance(actor, dict) and actor.get("id"):
            pairs[("actor", str(actor["id"]))] = None
    return [(kind, value[:128]) for kind, value in pairs if value]


# What a write of entries did: counted by the writer (writer.py), summed by the drain (archiver.py),
# which imports it from here, without SQLAlchemy.
@dataclass
class WriteReport:
    items: int = 0          # items inserted (the others were there already)
    items_known: int = 0
    alerts: int = 0
    deliveries: int = 0     # delivery statuses offered (an older one than the row's is not applied)

    def add(self, other: "WriteReport") -> None:
        self.items += other.items
        self.items_known += other.items_known
        self.alerts += other.alerts
        self.deliveries += other.deliveries
