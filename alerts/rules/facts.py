"""Conditions on where things happen: country, region, city, place (topic and actor: topic_actor.py).

Each has `positions(ctx)`: every mention that satisfies it, with field, offsets
and sentence (what `near` combines), and `test(ctx)`: the item-level meaning
(`country: ML` = the item is *about* Mali; `{code: ML, mentioned: true}` = Mali
is named at all). The mentions a condition accepts come from `accepts_in(ctx)`,
which `ctx.accepted` memoizes per item under the condition's `key` (its parameters).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from alerts.rules.node import Errors, Where
from newswatch.model.alert import Evidence
from newswatch.classify.model import Mention
from newswatch.config.yamlconf import key_name, unknown_key_message

if TYPE_CHECKING:
    from alerts.rules.context import MatchContext
    from newswatch.classify.tables import Tables

PLACE_KINDS = ("country", "demonym", "city", "institution")
PLACE_MENTIONS = ("city", "country", "demonym")   # what `place` and `city` look at


def _codes(value: Any) -> list[str] | None:
    items = [value] if isinstance(value, str) else value
    if isinstance(items, list) and items and all(isinstance(v, str) and v.strip() for v in items):
        return [v.strip() for v in items]
    return None


def _mapping(value: Any, path: Where, errors: Errors, allowed: tuple[str, ...]) -> dict[str, Any] | None:
    if not isinstance(value, dict):
        return None
    unknown = [k for k in value if k not in allowed]
    if unknown:
        errors.append((path + (unknown[0],), unknown_key_message(unknown[0], allowed)))
        return None
    return value


def _names_or_spec(value: Any, path: Where, errors: Errors, allowed: tuple[str, ...], key: str,
                   message: str) -> tuple[dict[str, Any], list[str]] | None:
    """A condition written as a name, a list of names, or a mapping whose `key` holds them (beside the
    other `allowed` keys): (the mapping, or {}, and the names), or None with the problem in `errors`."""
    before = len(errors)
    spec = _mapping(value, path, errors, allowed)
    if len(errors) > before:
        return None
    names = _codes(spec.get(key) if spec is not None else value)
    if names is None:
        errors.append((path, message))
        return None
    return spec or {}, names


def _field(spec: dict[str, Any], key: str, path: Where, errors: Errors) -> list[str] | None:
    """spec[key] as a list of strings (None when absent); a malformed value is an error, never ignored."""
    if key not in spec:
        return None
    codes = _codes(spec[key])
    if codes is None:
        errors.append((path + (key,), f"{key} must be a string or a non-empty list of strings"))
    return codes


def _evidence(path: str, kind: str, m: Mention, detail: str) -> Evidence:
    return Evidence(path, kind, m.text, m.field, m.start, m.end, m.entry, m.sentence, detail)


def _place_detail(m: Mention, ctx: MatchContext, tables: Tables | None) -> str:
    if m.kind == "city":
        assert m.country is not None   # the gazetteer gives every city its country
        regions = [r for r in (tables.regions_of(m.country) if tables else []) if r in ctx.facts.regions][:2]
        bits = (["capital"] if m.extra.get("capital") else []) + [m.country] + regions
        return f"{m.extra.get('name', m.text)} ({', '.join(bits)})"
    return f"{m.text} ({m.country})"


@dataclass
class Country:
    path: str
    codes: list[str]
    mentioned: bool = False
    positional = True
    # Not part of what it says (matcher.BOUND_FIELDS): set by RuleMatcher for richer explanations,
    # and the codes as written, for the table checks' messages.
    tables: Tables | None = field(default=None, init=False, repr=False, compare=False)
    written: list[str] = field(init=False, repr=False, compare=False)

    @classmethod
    def parse(cls, value: Any, path: Where, errors: Errors) -> Country | None:
        parsed = _names_or_spec(value, path, errors, ("code", "mentioned"), "code",
                                "country is an ISO code, a list of them, or {code: ..., mentioned: true}")
        if parsed is None:
            return None
        spec, codes = parsed
        mentioned = spec.get("mentioned", False)
        if not isinstance(mentioned, bool):
            errors.append((path + ("mentioned",), "mentioned must be true or false"))
            return None
        country = cls(key_name(path), [c.upper() for c in codes], mentioned)
        country.written = codes   # as written, for the table checks' messages (not part of what it says)
        return country

    @cached_property
    def code_set(self) -> frozenset[str]:
        return frozenset(self.codes)

    @cached_property
    def key(self) -> tuple[object, ...]:
        return ("country", self.code_set)

    def accepts_in(self, ctx: MatchContext) -> list[Mention]:
        return ctx.of_countries(PLACE_KINDS, self.code_set)

    def positions(self, ctx: MatchContext) -> list[Evidence]:
        return [_evidence(self.path, "country", m, _place_detail(m, ctx, self.tables)) for m in ctx.accepted(self)]

    def test(self, ctx: MatchContext) -> list[Evidence] | None:
        return (ctx.positions(self) or None) if self.holds(ctx) else None

    def holds(self, ctx: MatchContext) -> bool:
        pool = ctx.facts.mentioned if self.mentioned else ctx.facts.countries
        return not self.code_set.isdisjoint(pool) and bool(ctx.accepted(self))


@dataclass
class Region:
    path: str
    slugs: list[str]
    members: set[str]
    positional = True

    @classmethod
    def parse(cls, value: Any, path: Where, errors: Errors) -> Region | None:
        slugs = _codes(value)
        if slugs is None:
            errors.append((path, "region is a region id (e.g. sahel) or a list of them"))
            return None
        return cls(key_name(path), slugs, set())

    @cached_property
    def slug_set(self) -> frozenset[str]:
        return frozenset(self.slugs)

    @cached_property
    def key(self) -> tuple[object, ...]:
        return ("region", self.slug_set)

    def accepts_in(self, ctx: MatchContext) -> list[Mention]:
        """The region named ("the Sahel"), then places in it."""
        named = [m for m in ctx.mentions("region") if m.value in self.slugs]
        return named + ctx.of_countries(PLACE_KINDS, self.members) if named else ctx.of_countries(PLACE_KINDS,
                                                                                                  self.members)

    def positions(self, ctx: MatchContext) -> list[Evidence]:
        slugs = "/".join(self.slugs)
        return [_evidence(self.path, "region", m, f"{m.text} ({m.value})" if m.kind == "region"
                          else f"{m.text} ({m.country}, {slugs})") for m in ctx.accepted(self)]

    def test(self, ctx: MatchContext) -> list[Evidence] | None:
        return (ctx.positions(self) or None) if self.holds(ctx) else None

    def holds(self, ctx: MatchContext) -> bool:
        return not self.slug_set.isdisjoint(ctx.facts.regions) and bool(ctx.accepted(self))


@dataclass
class Place:
    """A city or country mention, narrowed by region, country and kind (capital | city | country).
    A country right after "from" / «из» ("his colleague from Mali") is where someone comes from,
    not a place anything happens in: skipped."""

    path: str
    countries: set[str] | None
    region_members: set[str] | None
    kind: str | None
    names: list[str] | None = None
    label: str = "place"
    positional = True
    tables: Tables | None = field(default=None, init=False, repr=False, compare=False)   # as Country's

    @classmethod
    def parse(cls, value: Any, path: Where, errors: Errors, label: str = "place") -> Place | None:
        if isinstance(value, (str, list)) and label == "city":
            names = _codes(value)
            if names is None:
                errors.append((path, "city is a name, a list of names, or a mapping of name, country, region, kind"))
                return None
            city = cls(key_name(path), None, None, "city", [n.casefold() for n in names], "city")
            city.written = names
            return city
        before = len(errors)
        spec = _mapping(value, path, errors, ("region", "country", "kind", "name"))
        if len(errors) > before:
            return None
        if not spec:
            errors.append((path, f"{label} is a mapping of region, country, kind (capital | city | country)"
                                 + (", name" if label == "city" else "")))
            return None
        kind = spec.get("kind", "city" if label == "city" else None)
        if kind not in (None, "capital", "city", "country"):
            errors.append((path + ("kind",), f"unknown kind {kind!r} (allowed: capital, city, country)"))
            return None
        countries, names = _field(spec, "country", path, errors), _field(spec, "name", path, errors)
        regions = _field(spec, "region", path, errors)
        if len(errors) > before:
            return None
        place = cls(key_name(path), {c.upper() for c in countries} if countries else None, None, kind,
                    [n.casefold() for n in names] if names else None, label)
        place.regions = regions
        place.written = names or []   # as written, for the table checks' messages (not part of what it says)
        return place

    regions: list[str] | None = None
    written: list[str] = field(init=False, repr=False, compare=False)   # as Country's

    def _accepts(self, m: Mention) -> bool:
        """Kind and name (the country and region are looked up first, in `accepts_in`)."""
        if self.kind in ("capital", "city") and m.kind != "city":
            return False
        if self.kind == "capital" and not m.extra.get("capital"):
            return False
        if self.kind == "country" and m.kind != "country":   # "in Mali", not "Malian"
            return False
        return not (self.names and m.extra.get("name", m.text).casefold() not in self.names
                    and m.text.casefold() not in self.names)

    def _countries(self) -> set[str] | None:
        """The countries a place must be in (None: any)."""
        allowed = self.countries
        if self.region_members is not None:
            allowed = allowed & self.region_members if allowed else self.region_members
        return allowed

    @cached_property
    def key(self) -> tuple[object, ...]:
        return ("place", self.kind, frozenset(self.countries or ()) if self.countries else None,
                tuple(self.regions) if self.regions else None, tuple(self.names) if self.names else None)

    def accepts_in(self, ctx: MatchContext) -> list[Mention]:
        allowed = self._countries()
        pool = ctx.mentions(*PLACE_MENTIONS) if allowed is None else ctx.of_countries(PLACE_MENTIONS, allowed)
        return [m for m in pool if self._accepts(m) and ctx.is_venue(m)]

    def positions(self, ctx: MatchContext) -> list[Evidence]:
        return [_evidence(self.path, self.label, m, _place_detail(m, ctx, self.tables)) for m in ctx.accepted(self)]

    def test(self, ctx: MatchContext) -> list[Evidence] | None:
        return ctx.positions(self) or None

    def holds(self, ctx: MatchContext) -> bool:
        return bool(ctx.accepted(self))


def parse_city(value: Any, path: Where, errors: Errors) -> Place | None:
    return Place.parse(value, path, errors, label="city")


FACT_CONDITIONS = {"country": Country, "region": Region, "place": Place}
