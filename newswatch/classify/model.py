"""What the classifier says about an item, with the evidence for each fact."""
from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass, field
from typing import Any

# What a dictionary term means (newswatch/classify/index.py): (kind, value, entry, lang), e.g.
# ("country", "ML", "Mali", "en"), ("city", "2460596", "Bamako", ""), ("actor", "<id>", "<name>", "ru").
Payload = tuple[str, str, str, str]
# A hit of an actor or title term: (field, start, end, surface, sentence, payload).
PersonHit = tuple[str, int, int, str, int, Payload]
_SCALARS = (str, int, float, bool, type(None))


def _plain(value: Any) -> Any:
    """A copy of `value` as `dataclasses.asdict` makes it, without its generic recursion and deepcopy
    of every scalar (the archive serializes every item's Facts: asdict was 3/4 of that cost)."""
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is list:
        return [_plain(v) for v in value]
    if kind is dict:
        return {_plain(k): _plain(v) for k, v in value.items()}
    if kind is tuple:
        return tuple(_plain(v) for v in value)
    return copy.deepcopy(value)


def _same(value: Any) -> Any:
    return value


@dataclass(slots=True)
class Mention:
    """One fact found in the text: where, what it said, which table entry."""

    kind: str            # country | demonym | city | region | actor | role | institution | topic | modality
    value: str           # ISO code, geonameid, region slug, actor id, topic path, ...
    field: str           # "title" or "text"
    start: int           # offsets in that field
    end: int
    text: str            # the words as they stand in the item
    entry: str           # the table entry that matched (normalized term)
    sentence: int        # index of the sentence in that field (title is sentence 0 of "title")
    country: str | None = None   # the country this mention points to (for places, demonyms, actors)
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)  # `field` is an attribute name here

    def to_dict(self, deep: bool = True) -> dict[str, Any]:
        """What `dataclasses.asdict(self)` gives, faster. `deep=False`: `extra` is not copied (to serialize)."""
        return {"kind": self.kind, "value": self.value, "field": self.field, "start": self.start, "end": self.end,
                "text": self.text, "entry": self.entry, "sentence": self.sentence, "country": self.country,
                "extra": _plain(self.extra) if deep else self.extra}


EVENT_TYPES = ("visit", "talks", "agreement", "attack", "protest", "coup", "election", "sanction", "arrest",
               "death")
MODALITIES = ("happened", "planned", "denied", "cancelled")
PLACE_ROLES = ("destination", "origin", "location")
# The roles of participants named by a group noun (topics.yaml `event_groups`: "gunmen", « manifestants »);
# military and militia are tables.ROLES too.
GROUP_ROLES = ("military", "militia", "police", "protesters", "civilians")
# The role by which two mentions of one person agree: a prime minister is named by his title ("the French prime
# minister", head-of-government) or as a counterpart («son homologue français», official). Event keys (r:) and the
# extractor's "same person" test read roles through it.
IDENTITY_ROLE = {"head-of-government": "official"}


@dataclass(slots=True)
class Participant:
    """Who takes part in an event: a known actor (`actor` is its id in actors.yaml), an official
    named by title and nationality ("the Russian foreign minister": actor None, role official), a
    group ("Malian soldiers": role military, «боевики»: role militia), or a country acting ("Russia
    signed"; role None)."""

    name: str                  # as written (for a pronoun subject: the antecedent's words)
    actor: str | None          # actors.yaml id, when a known person
    nationality: str | None    # ISO code
    role: str | None           # tables.ROLES (official, head-of-state, head-of-government, military, ...) or GROUP_ROLES
    field: str                 # where it is written: title | text
    start: int
    end: int
    resolved: bool = False     # found by resolving a pronoun or "the delegation" to an earlier sentence


@dataclass(slots=True)
class EventPlace:
    """Where an event is, with its part in it: a visit's `destination` (not its `origin`)."""

    id: str                    # GeoNames id of a city, ISO code of a country, slug of a region
    kind: str                  # capital | city | country | region
    name: str                  # as written
    country: str | None        # the country it is in (a country: itself)
    role: str                  # PLACE_ROLES
    field: str
    start: int
    end: int


@dataclass(slots=True)
class Event:
    """One reported happening: a sentence (or the headline) that reports an event of `type`."""

    type: str                  # EVENT_TYPES
    modality: str              # MODALITIES
    who: list[Participant]
    where: list[EventPlace]
    when: str | None           # YYYY-MM-DD: a date in the text, else the day it was published (None: unknown)
    when_text: str | None      # the date expression as written, None when `when` is the published day
    field: str                 # title | text
    sentence: int              # index in that field (Facts.sentences)
    start: int                 # the cue's span ("arrived", «прибыл», «وصل»)
    end: int
    cue: str
    id: str | None = None      # the event this report belongs to, across items (newswatch.pipeline.events)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Event":
        data = dict(data)
        data["who"] = [Participant(**p) for p in data.get("who", [])]
        data["where"] = [EventPlace(**p) for p in data.get("where", [])]
        return cls(**data)


@dataclass(slots=True)
class Facts:
    lang: str | None = None
    lang_how: str = "unknown"
    countries: list[str] = field(default_factory=list)   # what the item is about, most salient first
    mentioned: list[str] = field(default_factory=list)   # every country named at all
    salience: dict[str, float] = field(default_factory=dict)
    cities: list[dict[str, Any]] = field(default_factory=list)      # {"id", "name", "country", "capital"}
    regions: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    actors: list[dict[str, Any]] = field(default_factory=list)      # {"id", "name", "nationality", "role"}
    evidence: list[Mention] = field(default_factory=list)
    sentences: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)   # newswatch.classify.events: who did what where

    def to_dict(self, deep: bool = True) -> dict[str, Any]:
        """What `dataclasses.asdict(self)` gives (a deep copy), faster. `deep=False`: the same values, sharing
        this object's lists and dicts; for serializing at once (the archive's queue entry), never to keep."""
        plain = _plain if deep else _same
        return {"lang": self.lang, "lang_how": self.lang_how, "countries": plain(self.countries),
                "mentioned": plain(self.mentioned), "salience": plain(self.salience), "cities": plain(self.cities),
                "regions": plain(self.regions), "topics": plain(self.topics), "actors": plain(self.actors),
                "evidence": [m.to_dict(deep) for m in self.evidence], "sentences": plain(self.sentences),
                "events": [dataclasses.asdict(e) for e in self.events]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Facts":
        data = dict(data)
        data["evidence"] = [Mention(**m) for m in data.get("evidence", [])]
        data["sentences"] = {k: [tuple(s) for s in v] for k, v in data.get("sentences", {}).items()}
        data["events"] = [Event.from_dict(e) for e in data.get("events", [])]   # none in archives before events
        return cls(**data)
