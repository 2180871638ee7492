"""Actors: the officials listed in newswatch/classify/data/actors.yaml, and anyone a title and a nationality describe.

"Russian foreign minister", «ministre russe des Affaires étrangères»,
«российский министр», «министр иностранных дел России», «وزير الخارجية الروسي»:
a title hit and a demonym (or country) hit in the same sentence, at most a
few words apart in either order, make an actor of that nationality whose role
the title implies (default `official`).
"""
from __future__ import annotations

import re
from itertools import islice
from typing import Any

from newswatch.classify.model import Mention, PersonHit
from newswatch.classify.tables import Actor

MAX_GAP_WORDS = 4
_WORD = re.compile(r"\w+")


def named_actor_mentions(hits: list[PersonHit], actors: dict[str, Actor]) -> list[Mention]:
    """hits: (field, start, end, surface, sentence, payload) with payload kind "actor"."""
    out = []
    for field, start, end, surface, sentence, (_, actor_id, entry, _lang) in hits:
        actor = actors[actor_id]
        out.append(Mention("actor", actor_id, field, start, end, surface, entry, sentence, actor.nationality or None,
                           {"name": actor.name, "role": actor.role, "title": actor.title}))
    return out


def role_mentions(titles: list[PersonHit], nationals: list[Mention], texts: dict[str, str],
                  roles_for_titles: dict[str, str]) -> list[Mention]:
    """Pair each title hit with the nearest demonym/country mention in its sentence."""
    out: list[Mention] = []
    if not titles or not nationals:
        return out
    by_sentence: dict[tuple[str, int], list[Mention]] = {}
    for m in nationals:
        by_sentence.setdefault((m.field, m.sentence), []).append(m)
    for field, start, end, surface, sentence, (_, title, _entry, _lang) in titles:
        if title.isupper() and surface[:len(title)] != title:
            continue   # an abbreviation ("PM") only in capitals: "at 5 pm Pakistan time" names no one
        best, best_gap = None, None
        for m in by_sentence.get((field, sentence), ()):
            lo, hi = (m.end, start) if m.end <= start else (end, m.start) if m.start >= end else (start, start)
            gap = len(list(islice(_WORD.finditer(texts[field], lo, hi), MAX_GAP_WORDS + 1)))  # 5 means "too far"
            if gap <= MAX_GAP_WORDS and (best_gap is None or gap < best_gap):
                best, best_gap = m, gap
        if best is None:
            continue
        lo, hi = min(start, best.start), max(end, best.end)
        role = roles_for_titles.get(title, "official")
        out.append(Mention("role", f"{best.country}:{role}", field, lo, hi, texts[field][lo:hi], title, sentence,
                           best.country, {"role": role, "title": title, "nationality_from": best.text}))
    return out


def actor_summary(mentions: list[Mention]) -> list[dict[str, Any]]:
    seen: set[str] = set()
    out: list[dict[str, Any]] = []
    for m in mentions:
        if m.kind == "actor":
            key = m.value
            record = {"id": m.value, "name": m.extra["name"], "nationality": m.country, "role": m.extra["role"]}
        elif m.kind == "role":
            key = m.value
            record = {"id": m.value, "name": m.text, "nationality": m.country, "role": m.extra["role"]}
        else:
            continue
        if key not in seen:
            seen.add(key)
            out.append(record)
    return out
