"""The hand-labelled event sentences of tests/data/events (the guide: tests/data/events/README.md).

Loads `sentences.jsonl` and `visits_labels.jsonl` and checks every row against the schema the guide
describes: the event types, modalities, roles and place kinds in the lists below, ISO 3166-1 alpha-2
countries (plus EU), actor ids of newswatch/classify/data/actors.yaml, ISO dates, and every name,
trigger and date expression found character for character in the text it labels. `validate_*`
return a list of error strings (empty when the row is valid) so a test can show them all at once.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Any

import pycountry
import yaml

ROOT = Path(__file__).resolve().parents[2]
EVENTS_DIR = ROOT / "tests" / "data" / "events"
VISITS = ROOT / "tests" / "data" / "collected" / "visits.jsonl"
ACTORS = ROOT / "newswatch" / "classify" / "data" / "actors.yaml"

LANGS = ("en", "fr", "ar", "ru")
TYPES = ("visit", "talks", "agreement", "attack", "protest", "coup", "election", "sanction", "arrest", "death")
MODALITIES = ("happened", "planned", "denied", "cancelled")
ROLES = ("head_of_state", "head_of_government", "minister", "official", "diplomat", "delegation", "legislator",
         "military", "armed_group", "police", "government", "organisation", "company", "party", "candidate",
         "politician", "protesters", "journalist", "civilians", "person", "place")
PARTS = ("agent", "counterpart", "target")
PLACE_KINDS = ("capital", "city", "country", "region", "place")
PLACE_ROLES = ("destination", "origin", "location")
SPLITS = ("dev", "heldout")
FOUNDING = ("capital", "country", "implied", "no")
SAHEL = frozenset({"ML", "BF", "NE", "TD", "MR"})
OFFICIAL_ROLES = frozenset({"head_of_state", "head_of_government", "minister", "official", "diplomat",
                            "delegation", "legislator"})
ID = re.compile(r"es-\d{4}")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

# weekday words of the four languages (lowercased); a `when_text` naming one day must agree with `when`
WEEKDAYS: dict[int, tuple[str, ...]] = {
    0: ("monday", "lundi", "понедельник", "الاثنين", "الإثنين", "الأثنين"),
    1: ("tuesday", "mardi", "вторник", "الثلاثاء"),
    2: ("wednesday", "mercredi", "сред", "الأربعاء", "الاربعاء"),
    3: ("thursday", "jeudi", "четверг", "الخميس"),
    4: ("friday", "vendredi", "пятниц", "الجمعة"),
    5: ("saturday", "samedi", "суббот", "السبت"),
    6: ("sunday", "dimanche", "воскресень", "الأحد", "الاحد"),
}


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            row = json.loads(line)
            if not isinstance(row, dict):
                raise ValueError(f"{path.name}:{number}: not a JSON object")
            rows.append(row)
    return rows


SETS = ("sentences.jsonl", "sentences2.jsonl")   # the first set; the second, labelled blind in session 7


def load_sentences(name: str = "sentences.jsonl") -> list[dict[str, Any]]:
    """The rows of one labelled set of tests/data/events (`SETS`)."""
    if name not in SETS:
        raise ValueError(f"no labelled sentence set {name!r}: one of {SETS}")
    return read_jsonl(EVENTS_DIR / name)


def load_visit_labels() -> list[dict[str, Any]]:
    return read_jsonl(EVENTS_DIR / "visits_labels.jsonl")


def load_visits() -> list[dict[str, Any]]:
    return read_jsonl(VISITS)


@lru_cache(maxsize=1)
def countries() -> frozenset[str]:
    return frozenset(c.alpha_2 for c in pycountry.countries) | {"EU"}


@lru_cache(maxsize=1)
def actor_ids() -> frozenset[str]:
    data = yaml.safe_load(ACTORS.read_text(encoding="utf-8"))
    return frozenset(a["id"] for a in data["actors"])


def _iso(value: Any) -> bool:
    if not isinstance(value, str) or not DATE.fullmatch(value):
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def named_weekday(when_text: str) -> int | None:
    """The one weekday a date expression names, or None (none, or several)."""
    low = when_text.lower()
    days = {day for day, words in WEEKDAYS.items() if any(w in low for w in words)}
    return days.pop() if len(days) == 1 else None


def _check_who(who: Any, haystack: str, where: str) -> list[str]:
    errors = []
    if not isinstance(who, dict):
        return [f"{where}: not an object"]
    if not isinstance(who.get("name"), str) or not who["name"] or who["name"] not in haystack:
        errors.append(f"{where}: name {who.get('name')!r} is not in the text")
    if who.get("actor") is not None and who["actor"] not in actor_ids():
        errors.append(f"{where}: actor {who['actor']!r} is not an id of actors.yaml")
    if who.get("nationality") is not None and who["nationality"] not in countries():
        errors.append(f"{where}: nationality {who['nationality']!r} is not an ISO 3166-1 alpha-2 code")
    if who.get("role") not in ROLES:
        errors.append(f"{where}: role {who.get('role')!r} not in {ROLES}")
    if who.get("part") not in PARTS:
        errors.append(f"{where}: part {who.get('part')!r} not in {PARTS}")
    refers = who.get("refers_to")
    if refers is not None and (not isinstance(refers, str) or refers not in haystack):
        errors.append(f"{where}: refers_to {refers!r} is not in the text or its context")
    return errors


def _check_where(place: Any, haystack: str, where: str) -> list[str]:
    if not isinstance(place, dict):
        return [f"{where}: not an object"]
    errors = []
    if not isinstance(place.get("name"), str) or not place["name"] or place["name"] not in haystack:
        errors.append(f"{where}: name {place.get('name')!r} is not in the text")
    if place.get("country") is not None and place["country"] not in countries():
        errors.append(f"{where}: country {place['country']!r} is not an ISO 3166-1 alpha-2 code")
    if place.get("kind") not in PLACE_KINDS:
        errors.append(f"{where}: kind {place.get('kind')!r} not in {PLACE_KINDS}")
    if place.get("role") not in PLACE_ROLES:
        errors.append(f"{where}: role {place.get('role')!r} not in {PLACE_ROLES}")
    return errors


def validate_event(event: Any, text: str, haystack: str, published: str | None, where: str) -> list[str]:
    """One event record. `text` holds the trigger; names may also come from `haystack` (text + context)."""
    if not isinstance(event, dict):
        return [f"{where}: not an object"]
    errors = []
    if event.get("type") not in TYPES:
        errors.append(f"{where}: type {event.get('type')!r} not in {TYPES}")
    if event.get("modality") not in MODALITIES:
        errors.append(f"{where}: modality {event.get('modality')!r} not in {MODALITIES}")
    trigger = event.get("trigger")
    if not isinstance(trigger, str) or not trigger or trigger not in text:
        errors.append(f"{where}: trigger {trigger!r} is not in the text")
    for key, check in (("who", _check_who), ("where", _check_where)):
        items = event.get(key)
        if not isinstance(items, list):
            errors.append(f"{where}: {key} is not a list")
            continue
        for n, item in enumerate(items):
            errors += check(item, haystack, f"{where}.{key}[{n}]")
    when, when_text = event.get("when"), event.get("when_text")
    if when is not None and not _iso(when):
        errors.append(f"{where}: when {when!r} is not an ISO date")
    if when_text is not None:
        if not isinstance(when_text, str) or when_text not in haystack:
            errors.append(f"{where}: when_text {when_text!r} is not in the text")
        elif when is not None and _iso(when) and named_weekday(when_text) not in (None, dt.date.fromisoformat(when).weekday()):
            errors.append(f"{where}: when {when} is not the weekday '{when_text}' names")
    elif when is not None and when != published:
        errors.append(f"{where}: no date expression, so when must be the published day or null, not {when}")
    elif when is not None and event.get("modality") != "happened":
        errors.append(f"{where}: a {event.get('modality')} event without a date expression has no day")
    return errors


def validate_sentence(row: dict[str, Any]) -> list[str]:
    rid = row.get("id")
    where = str(rid)
    errors = [] if isinstance(rid, str) and ID.fullmatch(rid) else [f"{where}: id is not es-NNNN"]
    if row.get("lang") not in LANGS:
        errors.append(f"{where}: lang {row.get('lang')!r} not in {LANGS}")
    text, context = row.get("text"), row.get("context")
    if not isinstance(text, str) or not text.strip():
        return errors + [f"{where}: no text"]
    if context is not None and (not isinstance(context, str) or not context.strip()):
        errors.append(f"{where}: context must be a non-empty string when present")
    published = row.get("published")
    if published is not None and not _iso(published):
        errors.append(f"{where}: published {published!r} is not an ISO date")
    if not isinstance(row.get("source"), str) or not row["source"].strip():
        errors.append(f"{where}: no source")
    if row.get("split") not in SPLITS:
        errors.append(f"{where}: split {row.get('split')!r} not in {SPLITS}")
    if not isinstance(row.get("note"), str):
        errors.append(f"{where}: note must be a string")
    events = row.get("events")
    if not isinstance(events, list):
        return errors + [f"{where}: events is not a list"]
    haystack = text + "\n" + (context or "")
    for n, event in enumerate(events):
        errors += validate_event(event, text, haystack, published, f"{where}.events[{n}]")
    return errors


def founding(events: list[dict[str, Any]]) -> str:
    """What the founding rule asks of a text: a visit that happened, by a Russian official (agent), to a
    Sahel state: "capital" when a Sahel capital is its destination or location, "country" when only a
    Sahel country or another Sahel place is, "implied" when no place is written but the host
    (counterpart) is of a Sahel state, else "no"."""
    rank = {"no": 0, "implied": 1, "country": 2, "capital": 3}
    best = "no"
    for e in events:
        if e["type"] != "visit" or e["modality"] != "happened":
            continue
        if not any(w["part"] == "agent" and w["nationality"] == "RU" and w["role"] in OFFICIAL_ROLES for w in e["who"]):
            continue
        places = [p for p in e["where"] if p["role"] in ("destination", "location")]
        sahel = [p for p in places if p["country"] in SAHEL]
        if any(p["kind"] == "capital" for p in sahel):
            got = "capital"
        elif sahel:
            got = "country"
        elif not places and any(w["part"] == "counterpart" and w["nationality"] in SAHEL for w in e["who"]):
            got = "implied"
        else:
            got = "no"
        best = max(best, got, key=rank.__getitem__)
    return best


def type_counts(rows: list[dict[str, Any]]) -> Counter[tuple[str, str, str]]:
    """(type or "none", lang, split) -> number of rows reporting at least one event of that type."""
    counts: Counter[tuple[str, str, str]] = Counter()
    for row in rows:
        for kind in {e["type"] for e in row["events"]} or {"none"}:
            counts[(kind, row["lang"], row["split"])] += 1
    return counts
