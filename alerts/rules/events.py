"""`event:` — one reported happening (newswatch/classify/model.py `Event`, in `Facts.events`) of a
type, with who took part, where it was and whether it happened:

    event:
      type: visit                              # one or a list of EVENT_TYPES (`event: visit` for short)
      who: {nationality: RU, role: official}   # or {name: lavrov} / {actor: lavrov}: as `actor:` matches
      where: {region: sahel, kind: capital}    # or {country: ML}, {city: Bamako}: as `place:` narrows
      modality: happened                       # the default; or planned, denied, cancelled, or a list

One event must satisfy every part given, not parts of different events: in "Goïta flew from Bamako to
Moscow, where he met Lavrov" the visit has a Sahel capital, but as its origin. Only a place whose role
is `destination` or `location` counts. `who` is `actor:`'s matching of one person
(topic_actor.Actor.admits); `where` is `place:`'s narrowing (facts.Place: region, country, kind, name).
Positional: an accepted event points at its cue, the participant and the place (`positions`), so
`event:` works inside `near`. The events an `event:` accepts are found once per item and parameters.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from alerts.rules.facts import Place, _codes, _mapping
from alerts.rules.node import Errors, Where
from alerts.rules.topic_actor import Actor, role_family
from newswatch.classify.model import EVENT_TYPES, Event, EventPlace, Participant
from newswatch.classify.model import MODALITIES as EVENT_MODALITIES
from newswatch.config.yamlconf import did_you_mean, key_name, unknown_key_message
from newswatch.model.alert import Evidence

if TYPE_CHECKING:
    from alerts.rules.context import MatchContext

KEYS = ("type", "who", "where", "modality")
WHO_KEYS = ("name", "actor", "nationality", "role")
WHERE_KEYS = ("region", "country", "kind", "name", "city")
PLACE_KINDS = ("capital", "city", "country")
WHERE_ROLES = ("destination", "location")     # a visit's origin is not where it happened
Accepted = tuple[Event, Participant | None, EventPlace | None]   # an event, the participant and place that fit


def _choice(value: Any, path: Where, errors: Errors, what: str, allowed: tuple[str, ...]) -> list[str] | None:
    values = _codes(value)
    if values is None:
        errors.append((path, f"{what} is one of {', '.join(allowed)}, or a list of them"))
        return None
    for v in values:
        if v not in allowed:
            hint = did_you_mean(v, allowed)
            errors.append((path, f"unknown {what} {v!r} ({hint + ' ' if hint else ''}allowed: {', '.join(allowed)})"))
            return None
    return list(dict.fromkeys(values))


def _renamed(errors: Errors, before: int, path: Where, old: str, new: str) -> None:
    """Errors found under `path + (old,)` since `before` are said of the key that was written, `new`."""
    errors[before:] = [(path + (new,), new + message[len(old):] if message.startswith(old + " ") else message)
                       if where == path + (old,) else (where, message) for where, message in errors[before:]]


def _who(value: Any, path: Where, errors: Errors) -> Actor | None:
    as_actor = isinstance(value, dict) and "actor" in value   # {actor: lavrov}: said of the key `actor`
    if isinstance(value, dict) and value:
        unknown = [k for k in value if k not in WHO_KEYS]
        if unknown:
            errors.append((path + (unknown[0],), unknown_key_message(unknown[0], WHO_KEYS)))
            return None
        if "name" in value and as_actor:
            errors.append((path + ("actor",), "who takes name or actor, not both (they say the same)"))
            return None
        value = {("name" if k == "actor" else k): v for k, v in value.items()}
    elif not (isinstance(value, str) and value.strip()):
        errors.append((path, "who is a name, or a mapping of name (or actor), nationality, role"))
        return None
    before = len(errors)
    actor = Actor.parse(value, path, errors)
    if as_actor:
        _renamed(errors, before, path, "name", "actor")
    return actor


def _where(value: Any, path: Where, errors: Errors) -> Place | None:
    before = len(errors)
    spec = _mapping(value, path, errors, WHERE_KEYS)
    if len(errors) > before:
        return None
    if not spec:
        errors.append((path, "where is a mapping of region, country, kind (capital | city | country), name or city"))
        return None
    as_city = "city" in spec   # {city: Bamako}: a city of that name, said of the key `city`
    if as_city and "name" in spec:
        errors.append((path + ("city",), "where takes name or city, not both"))
        return None
    kind = spec.get("kind")
    if kind is not None and kind not in PLACE_KINDS:
        hint = did_you_mean(str(kind), PLACE_KINDS)
        errors.append((path + ("kind",), f"unknown kind {kind!r} ({hint + ' ' if hint else ''}"
                                         f"allowed: {', '.join(PLACE_KINDS)})"))
        return None
    if as_city:
        spec = {("name" if k == "city" else k): v for k, v in spec.items()}
        spec.setdefault("kind", "city")
    place = Place.parse(spec, path, errors)
    if as_city:
        _renamed(errors, before, path, "name", "city")
    return place


def _person(p: Participant, names: dict[str, str]) -> str:
    name = names.get(p.actor, p.name) if p.actor else p.name
    bits = " ".join(b for b in (p.nationality, p.role) if b)
    return f"{name} ({bits})" if bits else name


def _place(pl: EventPlace, names: dict[str, str], explain: bool = False) -> str:
    name = names.get(pl.id, pl.name)
    if pl.kind == "region":
        return f"{name} (region)"
    kind = "" if explain or pl.kind == "country" else f" {pl.kind}"
    return f"{name} ({pl.country}{kind})" if pl.country else name


@dataclass
class EventCondition:
    path: str
    types: list[str]
    modalities: list[str]
    who: Actor | None = None
    where: Place | None = None
    positional = True
    # Not part of what it says (matcher.BOUND_FIELDS): the keys as written where they differ ("where.city").
    written: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def parse(cls, value: Any, path: Where, errors: Errors) -> EventCondition | None:
        if isinstance(value, (str, list)):    # `event: visit`, `event: [visit, talks]`
            value = {"type": value}
        before = len(errors)
        spec = _mapping(value, path, errors, KEYS)
        if len(errors) > before:
            return None
        if not spec:
            errors.append((path, "event is a type, or a mapping of type, who, where, modality"))
            return None
        types = _choice(spec["type"], path + ("type",), errors, "event type", EVENT_TYPES) \
            if "type" in spec else list(EVENT_TYPES)
        modalities = _choice(spec.get("modality", "happened"), path + ("modality",), errors, "modality",
                             EVENT_MODALITIES)
        who = _who(spec["who"], path + ("who",), errors) if "who" in spec else None
        where = _where(spec["where"], path + ("where",), errors) if "where" in spec else None
        if len(errors) > before or types is None or modalities is None:
            return None
        event = cls(key_name(path), types, modalities, who, where)
        if isinstance(spec.get("where"), dict) and "city" in spec["where"]:
            event.written["where.name"] = "where.city"
        if isinstance(spec.get("who"), dict) and "actor" in spec["who"]:
            event.written["who.name"] = "who.actor"
        return event

    @cached_property
    def key(self) -> tuple[object, ...]:
        return ("event", frozenset(self.types), frozenset(self.modalities), self.who.key if self.who else None,
                self.where.key if self.where else None)

    # --- which events, participants and places ----------------------------------------------------

    def _actor_names(self, ctx: MatchContext) -> dict[str, str]:
        """Actor id -> its name in actors.yaml (as the item's actor mentions give it)."""
        return ctx.derived("actor names", lambda: {m.value: str(m.extra.get("name", m.text))
                                                   for m in ctx.mentions("actor")})

    def _place_names(self, ctx: MatchContext) -> dict[str, str]:
        """GeoNames id or country code -> the place's name in the gazetteer (as the item's mentions give it)."""
        def build() -> dict[str, str]:
            names = {m.value: str(m.extra["name"]) for m in ctx.mentions("city") if "name" in m.extra}
            tables = self.where.tables if self.where else None
            if tables is not None:
                names.update({code: c.name for code, c in tables.countries.items()
                              if code in ctx.facts.mentioned})
            return names
        return ctx.derived(("place names", self.where.tables is not None if self.where else False), build)

    def _admits_who(self, p: Participant, names: dict[str, str]) -> bool:
        if self.who is None:
            return True
        name = p.name.casefold() + (f"\n{names[p.actor].casefold()}" if p.actor in names else "")
        return self.who.admits(p.nationality, p.role, (p.actor or "").casefold(), name)

    def _where_fails(self, pl: EventPlace, names: dict[str, str]) -> str | None:
        """None when the place counts for `where`, else why not (also what --explain says)."""
        if pl.role not in WHERE_ROLES:
            return f"is its {pl.role} (only a destination or location counts)"
        where = self.where
        if where is None:
            return None
        members, regions = where.region_members, where.regions or []
        if members is not None and pl.country not in members and not (pl.kind == "region" and pl.id in regions):
            return f"is not in {'/'.join(regions)}"   # a region itself ("a visit to the Sahel") is in it
        if where.countries and pl.country not in where.countries:
            return f"is not in {'/'.join(sorted(where.countries))}"
        if where.kind == "capital" and pl.kind != "capital":
            return "is not a capital"
        if where.kind == "city" and pl.kind not in ("city", "capital"):
            return "is not a city"
        if where.kind == "country" and pl.kind != "country":
            return "is not a country"
        if where.names and pl.name.casefold() not in where.names and names.get(pl.id, "").casefold() not in where.names:
            return f"is not {'/'.join(where.written or where.names)}"
        return None

    def _accepts(self, ctx: MatchContext) -> list[Accepted]:
        types, modalities, out = self.types, self.modalities, []
        for e in ctx.facts.events:
            if e.type not in types or e.modality not in modalities:
                continue
            people = self._actor_names(ctx) if self.who is not None else {}
            who = next((p for p in e.who if self._admits_who(p, people)), None)
            if who is None and self.who is not None:
                continue
            places = self._place_names(ctx) if self.where is not None and self.where.names else {}
            where = next((pl for pl in e.where if self._where_fails(pl, places) is None), None)
            if where is None and self.where is not None:
                continue
            out.append((e, who, where))
        return out

    def accepted_events(self, ctx: MatchContext) -> list[Accepted]:
        """Each event that fits, with the participant and place that fit (else the first named); once per item."""
        return ctx.derived(self.key, lambda: self._accepts(ctx))

    # --- what a condition offers -------------------------------------------------------------------

    def _spans(self, ctx: MatchContext, e: Event, p: Participant | None, pl: EventPlace | None) -> list[Evidence]:
        p = p or (e.who[0] if e.who else None)
        pl = pl or next((x for x in e.where if x.role in WHERE_ROLES), None)
        people, places = self._actor_names(ctx), self._place_names(ctx)
        link = " → " if pl is not None and pl.role == "destination" else " in "
        body = link.join(filter(None, [_person(p, people) if p else "", _place(pl, places) if pl else ""]))
        body = (" in " + body) if pl is not None and p is None else body
        detail = f"{e.type} ({e.cue}): {body + ', ' if body else ''}{e.modality}{', ' + e.when if e.when else ''}"

        def span(kind: str, fld: str, start: int, end: int, words: str, entry: str | None, sentence: int) -> Evidence:
            text = ctx.text(fld)
            matched = text[start:end] if 0 <= start < end <= len(text) else words
            return Evidence(self.path, kind, matched, fld, start, end, entry, sentence, detail)

        # the kinds say each span's role as the other conditions do: the event (what), actor (who), place (where)
        out = [span("event", e.field, e.start, e.end, e.cue, e.type, e.sentence)]
        if p is not None:
            out.append(span("actor", p.field, p.start, p.end, p.name, p.actor, ctx.sentence_of(p.field, p.start)))
        if pl is not None:
            out.append(span("place", pl.field, pl.start, pl.end, pl.name, pl.id, ctx.sentence_of(pl.field, pl.start)))
        return out

    def positions(self, ctx: MatchContext) -> list[Evidence]:
        """Per accepted event: its cue (first), the participant and the place."""
        return [ev for e, p, pl in self.accepted_events(ctx) for ev in self._spans(ctx, e, p, pl)]

    def test(self, ctx: MatchContext) -> list[Evidence] | None:
        """The first event that fits (the headline's, else the earliest sentence's): its three spans.
        `positions` has every one, for `near`."""
        accepted = self.accepted_events(ctx)
        return self._spans(ctx, *accepted[0]) if accepted else None

    def holds(self, ctx: MatchContext) -> bool:
        return bool(self.accepted_events(ctx))

    # --- near misses -------------------------------------------------------------------------------

    def _failures(self, ctx: MatchContext, e: Event) -> list[str]:
        out = []
        if e.modality not in self.modalities:
            out.append(f"modality: {e.modality}, not {' or '.join(self.modalities)}")
        people = self._actor_names(ctx)
        if self.who is not None and not any(self._admits_who(p, people) for p in e.who):
            out.append("who: " + ("; ".join(f"{_person(p, people)} {self._who_fails(p)}" for p in e.who[:3])
                                  if e.who else "no one is named as taking part"))
        places = self._place_names(ctx)
        if self.where is not None and not any(self._where_fails(pl, places) is None for pl in e.where):
            out.append("where: " + ("; ".join(f"{_place(pl, places, True)} {self._where_fails(pl, places)}"
                                              for pl in e.where[:3]) if e.where else "no place is named"))
        return out

    def _who_fails(self, p: Participant) -> str:
        who = self.who
        assert who is not None   # asked only of a `who` that did not admit the participant
        if who.nationality and p.nationality not in who.nationality:
            return f"is not {'/'.join(sorted(who.nationality))}"
        if who.role and p.role not in (role_family(who.role) or ()):
            return f"is not {who.role}" if p.role else f"has no role (not {who.role})"
        return f"is not {'/'.join(who.written or who.names or ())}"

    def why_not(self, ctx: MatchContext) -> str | None:
        """Why no event fits: the failing parts of the closest event of the type (fewest failing parts)."""
        events = ctx.facts.events
        typed = [e for e in events if e.type in self.types]
        if not typed:
            others = ", ".join(dict.fromkeys(e.type for e in events))
            what = "/".join(self.types) + " " if len(self.types) < len(EVENT_TYPES) else ""
            return (f"no {what}event "
                    f"({'events: ' + others if others else 'the item reports no event of any type'})")
        failures = min((self._failures(ctx, e) for e in typed), key=len)
        return "; ".join(failures) or None

    def explain(self, ctx: MatchContext) -> list[str]:
        return [f"{self.path}: {self.why_not(ctx) or 'did not hold'}"]
