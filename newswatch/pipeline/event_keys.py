"""What two reports of one event have in common: language-independent keys and their weighted overlap.

An event's keys (`event_keys`) are the ids its participants and places carry, never words:

  a:<actor>          a known actor (actors.yaml id)                              weight 1.5
  r:<NAT>:<role>     an official by nationality and role; an actor gives it too   weight 1
                     ("Lavrov" and "the Russian foreign minister" share r:RU:official; a prime
                     minister, role head-of-government, keys as an official: «son homologue»)
  n:<NAT>            any participant with a nationality, a country acting        weight 0.5
  p:<geonameid>      a city (capital or not)                                     weight 2
  c:<ISO>            a country; a city counts under its country too              weight 1
  g:<slug>           a region                                                    weight 0.5

Places of role `origin` are left out ("Goïta flew from Bamako to Moscow" is an event in Moscow).
Two key sets score by their weighted overlap `I` (the weight of the shared keys) against their
weights `A` and `B`: `jaccard` I / (A + B - I), `dice` 2I / (A + B), `cover` I / min(A, B). A
stored event is a candidate only when it shares a key (`I` ≥ `min_shared`); two reports that
both name a city and share none, or (`conflict` "place") both name a place (city or country) and
share none, are two events whatever else they share: Lavrov in Pretoria and in Luanda are two stops.
So are (`parties`) two reports whose parties differ: each names two nationalities or more (n:), each
one the other lacks, and they share at most one: the US-Iran talks and the US-brokered Russia-Ukraine
talks in Geneva on one day (n:IR n:US against n:RU n:UA n:US).
Nor is (`one_person`) one person all two reports share, when each names someone or somewhere the other
lacks: Trump's Gaza pledges (a:trump, Gaza) and the US-Iran talks (a:trump, n:IR) the next day; a famous
actor weighs 3 with his role and nationality, above the threshold against most thin reports.
A stored event's keys are the union of its reports' of that day, so a rich first report makes a thin
later one score low ("Iranians mourn slain protesters": n:IR r:IR:protesters against a union that also
holds Tehran and the US, 0.25). A report whose keys the stored event all has (`contain`: weighing that
much at least, a nationality and a role or more) is that event whatever its Jaccard: it scores at least
the threshold, below a match on its own merits.
Stored events are found through their anchor keys (`anchors`: a, r, p, c), ranked by the
weight of the keys that found them (a shared city first), and the best few are scored.
The same rule runs in Python (no Redis) and in lua/event_assign.lua (`Scoring.args`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Iterable

from newswatch.classify.model import IDENTITY_ROLE, Event

__all__ = ["DEFAULT_WEIGHTS", "FAMILIES", "MEASURES", "Scoring", "anchors", "apart", "event_day", "event_keys",
           "family", "main_event", "one_person", "other_parties"]

# A person (actor 1.5 + role 1 + nationality 0.5) weighs what a place does (city 2 + country 1): at 3 an actor
# named alone outweighed the rest of a report (session 8, with 71 more actors: dev across 24 -> 26 pairs at 1.5)
DEFAULT_WEIGHTS: dict[str, float] = {"a": 1.5, "r": 1.0, "n": 0.5, "p": 2.0, "c": 1.0, "g": 0.5}
MEASURES = ("jaccard", "dice", "cover")
CONFLICTS = ("none", "city", "place")
# Types one occasion is reported as: a visit's talks and what is signed there are the visit (the labelled
# pairs' guide, tests/data/event_pairs.md); a strike that kills is one attack, whatever the headline says.
FAMILIES = {"visit": "meeting", "talks": "meeting", "agreement": "meeting", "attack": "violence", "death": "violence"}
_UNSAFE = re.compile(r"[\s|]+")
_EPOCH = date(1970, 1, 1).toordinal()


def _clean(value: str) -> str:
    return _UNSAFE.sub("_", value.strip())[:80]


def event_keys(event: Event) -> list[str]:
    """The event's participant and place keys, sorted, each once (see the module's table)."""
    keys: set[str] = set()
    for who in event.who:
        if who.actor:
            keys.add("a:" + _clean(who.actor))
        if who.nationality:
            nat = _clean(who.nationality.upper())
            keys.add("n:" + nat)
            if who.role:   # a prime minister is an official here: "the Malian official", "son homologue" name him too
                keys.add(f"r:{nat}:{_clean(IDENTITY_ROLE.get(who.role, who.role))}")
    for place in event.where:
        if place.role == "origin" or not place.id:
            continue
        if place.kind in ("capital", "city"):
            keys.add("p:" + _clean(place.id))
            if place.country:
                keys.add("c:" + _clean(place.country.upper()))
        elif place.kind == "country":
            keys.add("c:" + _clean(place.id.upper()))
        elif place.kind == "region":
            keys.add("g:" + _clean(place.id))
    return sorted(k for k in keys if len(k) > 2)


def apart(a: set[str], b: set[str], kinds: str) -> bool:
    """Whether both key sets name something of `kinds` (key prefixes: "p" cities, "pc" any place, "a"
    actors) and share none of it: Lavrov in Pretoria and in Luanda."""
    return (not any(k[:1] in kinds for k in a & b) and any(k[:1] in kinds for k in a)
            and any(k[:1] in kinds for k in b))


def other_parties(a: set[str], b: set[str]) -> bool:
    """Whether two key sets name different parties: two nationalities or more each (n: keys), one
    the other lacks each, and at most one shared (a mediator, a host)."""
    na, nb = {k for k in a if k[:2] == "n:"}, {k for k in b if k[:2] == "n:"}
    shared = len(na & nb)
    return len(na) >= 2 and len(nb) >= 2 and shared <= 1 and len(na) > shared and len(nb) > shared


def one_person(a: set[str], b: set[str]) -> bool:
    """Whether all two key sets share is one person (one actor, with role and nationality keys of one country)
    while each names someone or somewhere the other lacks (a region aside)."""
    shared = a & b
    actors = [k for k in shared if k[:1] == "a"]
    if len(actors) != 1 or any(k[:1] not in "arn" for k in shared):
        return False
    if len({k.split(":")[1] for k in shared if k[:1] in "rn"}) > 1:
        return False
    return any(k[:1] != "g" for k in a - shared) and any(k[:1] != "g" for k in b - shared)


def family(event_type: str) -> str:
    """What an event is compared within: its type's family ("meeting", "violence"), else its type."""
    return FAMILIES.get(event_type, event_type)


def anchors(keys: list[str]) -> list[str]:
    """The keys an event is indexed and looked up by: its actors, roles, cities and countries (n: and g:
    are too broad to find anything by; an event with nothing else is found by them)."""
    return [k for k in keys if k[:1] in "arpc"] or keys


def event_day(event: Event, published: datetime | None, now: float) -> int:
    """The event's day (days since 1970-01-01): its `when`, else the item's published day, else today."""
    if event.when:
        try:
            return date.fromisoformat(event.when[:10]).toordinal() - _EPOCH
        except ValueError:
            pass
    if published is not None:
        return int(published.timestamp() // 86400)
    return int(now // 86400)


def main_event(events: Iterable[tuple[int, Event, list[str]]]) -> int | None:
    """The index of the item's main event among its clusterable ones (`(index, event, keys)` with
    keys): the headline's first, else the text's first (by sentence, then position); None: none."""
    ranked = sorted(((0 if e.field == "title" else 1, e.sentence, e.start, i) for i, e, keys in events if keys))
    return ranked[0][3] if ranked else None


@dataclass(frozen=True, slots=True)
class Scoring:
    """How two key sets are compared (see the module docstring); `threshold` accepts a match."""

    threshold: float = 0.3
    measure: str = "jaccard"
    min_shared: float = 1.0
    conflict: str = "place"     # place: two places, none shared, are two events; city: two cities; none
    weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    parties: bool = True        # two sets of parties (see `other_parties`) are two events
    contain: float = 1.5        # a report this heavy whose keys the stored event all has matches it (0: off)
    one_person: bool = True     # one person shared, each naming someone or somewhere else: two events

    def __post_init__(self) -> None:
        if self.measure not in MEASURES or not 0 < self.threshold <= 1 or self.min_shared < 0 \
                or self.conflict not in CONFLICTS or self.contain < 0:
            raise ValueError(f"event scoring: measure must be one of {MEASURES} (got {self.measure!r}), threshold "
                             f"in (0, 1] (got {self.threshold}), min_shared >= 0 (got {self.min_shared}), "
                             f"conflict one of {CONFLICTS} (got {self.conflict!r}), contain >= 0 (got {self.contain})")
        if set(self.weights) != set(DEFAULT_WEIGHTS) or any(w <= 0 for w in self.weights.values()):
            raise ValueError(f"event scoring: weights must give each of {sorted(DEFAULT_WEIGHTS)} a weight > 0")

    def weight(self, key: str) -> float:
        return self.weights.get(key[:1], 0.0)

    def score(self, mine: Iterable[str], theirs: Iterable[str]) -> float:
        """The weighted overlap of two key sets (`mine`: the new report's, `theirs`: the stored event's); 0 below
        `min_shared` or on a conflict of places, parties or persons; at least `threshold` when `theirs` holds all of
        `mine` and `mine` weighs `contain` or more."""
        a, b = set(mine), set(theirs)
        shared = a & b
        inter = sum(self.weight(k) for k in shared)
        if inter <= 0 or inter < self.min_shared:
            return 0.0
        if any(apart(a, b, kinds) for kinds in {"place": ("p", "pc"), "city": ("p",), "none": ()}[self.conflict]):
            return 0.0
        if self.parties and other_parties(a, b):
            return 0.0
        if self.one_person and one_person(a, b):
            return 0.0
        wa, wb = sum(self.weight(k) for k in a), sum(self.weight(k) for k in b)
        if self.measure == "jaccard":
            measured = inter / (wa + wb - inter)
        elif self.measure == "dice":
            measured = 2 * inter / (wa + wb)
        else:
            measured = inter / min(wa, wb)
        if self.contain and inter >= wa - 1e-9 and wa >= self.contain:
            return max(measured, self.threshold)   # every key of the report is the event's
        return measured

    def args(self) -> list[str]:
        """The scoring as the Lua script reads it: threshold, measure, min_shared, conflict level (+ 10 when
        `parties`, + 20 when `one_person`), weights, contain."""
        weights = " ".join(f"{k}={v!r}" for k, v in sorted(self.weights.items()))
        flags = (10 if self.parties else 0) + (20 if self.one_person else 0)
        return [repr(self.threshold), self.measure, repr(self.min_shared),
                str(CONFLICTS.index(self.conflict) + flags), weights, repr(self.contain)]
