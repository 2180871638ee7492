"""How the desk shows an alert's evidence: each piece with its role in what happened — who (a person, an
office), where (a place), what (the happening: a topic, an event's cue, the words a rule asked for) — and
the alert's title and summary cut into plain and highlighted pieces at the evidence's offsets.

Nothing here makes HTML: the templates escape every piece (Jinja2 autoescape), so a title with `<script>`
is shown as text."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

WHO_KINDS = ("actor",)
WHERE_KINDS = ("place", "city", "country", "region")
WHAT_KINDS = ("topic", "event", "keywords", "regex")   # an event condition: its cue (who and where are actor, place)
NO_SPAN = ("near", "lang", "source", "published_within", "reports")   # about the item, not words of it


def role(evidence: dict[str, Any]) -> str:
    """who · where · what · other. An `event:` condition's spans say their role by kind, as the other
    conditions do (alerts/rules/events.py): its cue is `event`, its participant `actor`, its place `place`."""
    kind = evidence.get("kind", "")
    if kind in WHO_KINDS:
        return "who"
    if kind in WHERE_KINDS:
        return "where"
    if kind in WHAT_KINDS:
        return "what"
    return "other"


@dataclass(frozen=True)
class Piece:
    text: str
    role: str | None = None    # None: plain text
    detail: str = ""


def pieces(text: str, evidence: list[dict[str, Any]], field: str) -> list[Piece]:
    """`text` (the alert's title, or its summary: the start of the item's text) cut at the evidence of
    `field` that lies inside it; overlapping spans keep the first."""
    spans = sorted((int(e["start"]), int(e["end"]), e) for e in evidence
                   if e.get("field") == field and e.get("kind") not in NO_SPAN
                   and 0 <= int(e.get("start", -1)) < int(e.get("end", -1)) <= len(text))
    out, at = [], 0
    for start, end, e in spans:
        if start < at:
            continue
        if start > at:
            out.append(Piece(text[at:start]))
        out.append(Piece(text[start:end], role(e), str(e.get("detail") or e.get("matched") or "")))
        at = end
    if at < len(text):
        out.append(Piece(text[at:]))
    return out


def evidence_chips(evidence: list[dict[str, Any]]) -> list[Piece]:
    """Every piece of evidence once, by role: the words that matched and what they stand for."""
    seen, out = set(), []
    for e in evidence:
        if e.get("kind") == "near":
            continue
        key = (e.get("kind"), e.get("matched"))
        if key not in seen:
            seen.add(key)
            out.append(Piece(str(e.get("matched") or ""), role(e), f"{e.get('kind')}: {e.get('detail') or ''}"))
    return out
