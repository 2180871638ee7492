"""The hand-labelled same-event pairs (tests/data/event_pairs.jsonl; the guide: tests/data/event_pairs.md).

`load_event_pairs()` reads every pair and resolves both reports to their real text: a feed item of
tests/data/feeds/world-2026-02 by feed file and guid (by link when it has no guid), parsed by the
real feed parser; a collected text by file (tests/data/collected/visits.jsonl or events.jsonl) and
line number (1-based). Anything that does not resolve raises `EventPairsError` naming the pair.

The future event-clustering test scores itself on these pairs: `same_event` is the label; `split`
says which half it may be tuned on (`dev`) and which half it must not look at while tuning
(`heldout`). The labels were made by reading, before any event system existed.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

DATA = Path(__file__).resolve().parents[1] / "data"
PAIRS_FILE = "event_pairs.jsonl"
FEEDS_DIR = "feeds/world-2026-02"
COLLECTED_FILES = ("visits.jsonl", "events.jsonl")
FEED_LANG = "en"   # the 18 world-news feeds are English-language desks

RELATIONS = {
    "same_event": True, "copy": True,
    "other_event_same_actors": False, "other_event_same_place": False, "follow_up_event": False,
    "same_topic": False, "unrelated": False,
}
HARD_NEGATIVES = ("other_event_same_actors", "other_event_same_place", "follow_up_event", "same_topic")
SPLITS = ("dev", "heldout")


class EventPairsError(ValueError):
    """A pair or a report that does not resolve, or a label that breaks the file's rules."""


@dataclass(frozen=True)
class Report:
    """One side of a pair, resolved: where it came from and its text."""

    key: str                    # "feed:<file>#<guid or link>" or "<collected file>:<line>": the same report, the same key
    outlet: str                 # feed file (source id) or the host of the collected text's URL
    url: str | None             # the item's link or the collected text's source
    lang: str                   # en, fr, ar, ru
    title: str | None
    text: str
    published: datetime | None  # feed items: the item's time; collected texts: the page's date at 00:00 UTC, or None


@dataclass(frozen=True)
class EventPair:
    id: str
    a: Report
    b: Report
    same_event: bool
    relation: str
    event: str          # a short description of a's event
    note: str           # why, in a sentence
    split: str          # dev | heldout

    @property
    def cross_language(self) -> bool:
        return self.a.lang != self.b.lang

    @property
    def languages(self) -> str:
        """The language pair, sorted: "en-fr", "ar-ru", "en-en"."""
        return "-".join(sorted((self.a.lang, self.b.lang)))


def load_event_pairs(data_dir: Path = DATA, pairs_file: str = PAIRS_FILE) -> list[EventPair]:
    """Every pair of `data_dir/pairs_file`, both reports resolved, in file order."""
    path = data_dir / pairs_file
    pairs = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise EventPairsError(f"{path.name}:{number}: not JSON ({exc})") from None
        pairs.append(_pair(row, data_dir, f"{path.name}:{number}"))
    return pairs


def _pair(row: dict[str, Any], data_dir: Path, where: str) -> EventPair:
    if "id" in row:
        where = f"{where} ({row['id']})"
    missing = [k for k in ("id", "a", "b", "same_event", "relation", "event", "note", "split") if k not in row]
    if missing:
        raise EventPairsError(f"{where}: missing {', '.join(missing)}")
    if row["relation"] not in RELATIONS:
        raise EventPairsError(f"{where}: relation {row['relation']!r} is none of {sorted(RELATIONS)}")
    if row["same_event"] is not RELATIONS[row["relation"]]:
        raise EventPairsError(f"{where}: same_event {row['same_event']!r} contradicts relation {row['relation']!r}")
    if row["split"] not in SPLITS:
        raise EventPairsError(f"{where}: split {row['split']!r} is none of {SPLITS}")
    return EventPair(id=row["id"], a=resolve(row["a"], data_dir, where), b=resolve(row["b"], data_dir, where),
                     same_event=row["same_event"], relation=row["relation"], event=row["event"],
                     note=row["note"], split=row["split"])


def resolve(ref: dict[str, Any], data_dir: Path = DATA, where: str = "report") -> Report:
    """A report reference (`{"feed", "guid", "link", ...}` or `{"collected", "line"}`) to its real text."""
    if "feed" in ref:
        return _feed_report(ref, data_dir, where)
    if "collected" in ref:
        return _collected_report(ref, data_dir, where)
    raise EventPairsError(f"{where}: a report names neither a feed nor a collected file: {ref}")


def _feed_report(ref: dict[str, Any], data_dir: Path, where: str) -> Report:
    items = _feed_items(data_dir / FEEDS_DIR / str(ref["feed"]))
    guid, link = ref.get("guid"), ref.get("link")
    found = [i for i in items if (i.guid == guid if guid else i.url == link)]
    if len(found) != 1:
        raise EventPairsError(f"{where}: {len(found)} items of {ref['feed']} with "
                              f"{'guid ' + repr(guid) if guid else 'link ' + repr(link)} (want exactly 1)")
    item = found[0]
    if link and item.url != link:
        raise EventPairsError(f"{where}: the item with guid {guid!r} links to {item.url!r}, not {link!r}")
    return Report(key=f"feed:{ref['feed']}#{guid or link}", outlet=str(ref["feed"]), url=item.url,
                  lang=item.lang or FEED_LANG, title=item.title, text=item.text or "", published=item.published)


@lru_cache(maxsize=None)
def _feed_items(path: Path) -> tuple[Any, ...]:
    from workers.sources.feeds.parse import parse_feed   # the real parser, as the service reads the feed
    if not path.is_file():
        raise EventPairsError(f"no feed file {path.name} in {path.parent}")
    return tuple(parse_feed(path.read_bytes(), path.name).items)


def _collected_report(ref: dict[str, Any], data_dir: Path, where: str) -> Report:
    name, line = ref["collected"], ref.get("line")
    if name not in COLLECTED_FILES:
        raise EventPairsError(f"{where}: collected file {name!r} is none of {COLLECTED_FILES}")
    rows = _collected_rows(data_dir / "collected" / name)
    if not isinstance(line, int) or isinstance(line, bool) or not 1 <= line <= len(rows):
        raise EventPairsError(f"{where}: {name} has no line {line!r} (1..{len(rows)})")
    row = rows[line - 1]
    if row is None:
        raise EventPairsError(f"{where}: line {line} of {name} is blank")
    published = (datetime.strptime(row["published"], "%Y-%m-%d").replace(tzinfo=timezone.utc)
                 if row.get("published") else None)
    return Report(key=f"{name}:{line}", outlet=urlsplit(row["source"]).hostname or row["source"],
                  url=row["source"], lang=row["lang"], title=row.get("title"), text=row["text"], published=published)


@lru_cache(maxsize=None)
def _collected_rows(path: Path) -> tuple[dict[str, Any] | None, ...]:
    """Every physical line of the file (a pair names a line by its number), None for a blank one."""
    return tuple(json.loads(line) if line.strip() else None for line in path.read_text(encoding="utf-8").splitlines())
