"""What a sentence takes from the rest of the item.

    resolve_country   "the country" («البلاد», «страны», « du pays ») is the country named nearest before it
    when              the day of the sentence's date expression nearest the cue
    inherit_dates     an event without a date expression takes that of another report of it in the item
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from newswatch.classify.events import who as wh
from newswatch.classify.events.dates import find_dates
from newswatch.classify.model import Event, Mention


def resolve_country(standin: Mention, evidence: list[Mention]) -> Mention:
    """"the country" as the country named nearest before it (a country, a city's or a demonym's;
    the title's when the text names none before it): a country mention over the stand-in's words."""
    code = None
    for m in evidence:   # the title's, then the text's, each by start
        if m.field == standin.field and m.start >= standin.start:
            break
        if m.kind in ("country", "demonym", "city") and m.country:
            code = m.country
    return Mention("country", code, standin.field, standin.start, standin.end, standin.text, standin.entry,
                   standin.sentence, code, {"standin": True}) if code else standin


def when(text: str, span: tuple[int, int], cue: Mention, published: date | None, modality: str,
          found: dict[bool, list[tuple[int, int, date]]], words: list[tuple[int, int]]) -> tuple[str | None, str | None]:
    """The day of the sentence's date expression nearest the cue (`found`: the sentence's dates by
    `ahead`, filled on first use), else the published day for an event that happened."""
    start, stop = span
    ahead = modality == "planned"
    dates = found.get(ahead)
    if dates is None:
        dates = found[ahead] = find_dates(text[start:stop], published, ahead=ahead, words=words)
    if dates:
        s, e, day = min(dates, key=lambda d: abs(d[0] + start - cue.start))
        return day.isoformat(), text[start + s:start + e]
    return (published.isoformat() if published and modality == "happened" else None), None


def _shares(a: Event, b: Event) -> bool:
    who = {wh.identity(p) for p in a.who} & {wh.identity(p) for p in b.who}
    return bool(who) or bool({p.id for p in a.where} & {p.id for p in b.where})


def inherit_dates(events: Sequence[Event], openers: set[int]) -> None:
    """An event without a date expression takes that of another report of it in the item: the same
    type and modality, with a participant or place in common, or told again by a sentence that
    opens on its noun ("The coup was led by…", «Нападение произошло 7 августа»). The nearest
    earlier report wins, else the nearest later one (a headline and its lead)."""
    dated = [e for e in events if e.when_text]
    if not dated:
        return
    for e in events:
        if e.when_text:
            continue
        same = [d for d in dated if d.type == e.type and d.modality == e.modality and d is not e]
        at = (e.field != "title", e.sentence)
        before = [d for d in same if (d.field != "title", d.sentence) < at]
        after = [d for d in same if d not in before]
        for d in before[::-1] + after:
            if id(e) in openers or _shares(d, e):
                e.when, e.when_text = d.when, d.when_text
                break
