"""Which countries an item is *about*, from what it mentions.

Each mention of a country — by name, demonym, city, capital, institution —
adds to its score: more in the headline, more early in the text, most in a
dateline ("BAMAKO, Mali (AP) —"). An item is about the countries whose score
reaches both an absolute floor and a share of the top score; `mentioned` keeps
every country named at all. The weights and thresholds were chosen on the
even-numbered half of tests/data/countries_labelled.jsonl (the odd half is held
out and reported separately by tests/newswatch/classify/test_accuracy.py).
"""
from __future__ import annotations

import re
from collections import defaultdict

from newswatch.classify.model import Mention

KIND_WEIGHT = {"country": 1.0, "demonym": 0.7, "city": 0.6, "institution": 0.8}  # a city is often a venue
TITLE_WEIGHT = 2.0
LEAD_CHARS = 300
LEAD_WEIGHT = 2.0
DATELINE_BONUS = 1.0
ABOUT_FLOOR = 1.5
ABOUT_SHARE = 0.4
_ADJECTIVE_USE = re.compile(r"(?:-|[ \t]+)[a-z]")  # a hyphen or spaces, then a lowercase (English) word
_DATELINE_END = re.compile(r"^[\s,]*(?:\([^)]{1,40}\))?\s*(?:[-–—:]|,\s*\w+)")


def _is_dateline(m: Mention, text: str) -> bool:
    """A place at the very start of the text followed by a dash, agency or ", Country"."""
    return m.field == "text" and m.start <= 3 and bool(_DATELINE_END.match(text, m.end)) and m.start < 40


def _adjectival_abbreviation(m: Mention, text: str) -> bool:
    """"a U.S. citizen", "US-brokered talks", "UK ministers": an abbreviated country name before a
    lowercase English word is most often the country's adjective ("American", "British"), and
    weighs like one. English items only: «EUA acusa» is Portuguese for "the US accuses"."""
    return (m.text[:1].isupper() and m.text.replace(".", "").isupper()
            and _ADJECTIVE_USE.match(text, m.end) is not None)


def score(mentions: list[Mention], texts: dict[str, str], lang: str | None = None) -> dict[str, float]:
    scores: dict[str, float] = defaultdict(float)
    english = lang == "en"
    text = texts.get("text", "")
    for m in mentions:
        w = KIND_WEIGHT.get(m.kind)
        if w is None or m.country is None:
            continue
        if english and m.kind == "country" and _adjectival_abbreviation(m, texts.get(m.field, "")):
            w = KIND_WEIGHT["demonym"]
        if m.field == "title":
            w *= TITLE_WEIGHT
        else:
            if m.start < LEAD_CHARS:
                w *= LEAD_WEIGHT
            if m.start <= 3 and _is_dateline(m, text):
                w += DATELINE_BONUS
        scores[m.country] += w
    return dict(scores)


def about(scores: dict[str, float]) -> list[str]:
    """Countries over the floor and a share of the top score; an item that names countries
    but none that strongly is about the one it names most."""
    if not scores:
        return []
    top = max(scores.values())
    chosen = [c for c, s in scores.items() if s >= ABOUT_FLOOR and s >= ABOUT_SHARE * top]
    if not chosen:
        chosen = [max(scores, key=scores.__getitem__)]
    return sorted(chosen, key=lambda c: -scores[c])


def mentioned(mentions: list[Mention]) -> list[str]:
    out: dict[str, None] = {}
    for m in mentions:
        if m.country is not None and m.kind in KIND_WEIGHT:
            out.setdefault(m.country, None)
    return list(out)
