"""Conditions on what the classifier found: country, region, city, place, topic, actor.

Each has `positions(ctx)`: every mention that satisfies it, with field, offsets
and sentence (what `near` combines), and `test(ctx)`: the item-level meaning
(`country: ML` = the item is *about* Mali; `{code: ML, mentioned: true}` = Mali
is named at all).
"""
from __future__ import annotations

from dataclasses import dataclass

from alerts.alert import Evidence
from alerts.rules.context import MatchContext
from newswatch.classify.model import Mention
from newswatch.yamlconf import key_name

PLACE_KINDS = ("country", "demonym", "city", "institution")
ROLE_FAMILY = {"official": {"official", "head-of-state"}}   # a president on a visit is an official visiting
MODALITIES = ("happened", "planned")
NOT_HAPPENED = {"planned", "cancelled", "denied", "remote"}


ORIGIN_WORDS = frozenset({"from", "из"})   # "his colleague from Mali" names no destination


def _after_origin(text: str, start: int) -> bool:
    words = text[max(0, start - 12):start].split()
    return bool(words) and words[-1].lower() in ORIGIN_WORDS


def _codes(value) -> list[str] | None:
    items = [value] if isinstance(value, str) else value
    if isinstance(items, list) and items and all(isinstance(v, str) and v.strip() for v in items):
        return [v.strip() for v in items]
    return None


def _mapping(value, path, errors, allowed: tuple[str, ...]) -> dict | None:
    if not isinstance(value, dict):
        return None
    unknown = [k for k in value if k not in allowed]
    if unknown:
        errors.append((path + (unknown[0],), f"unknown key '{unknown[0]}' (allowed: {', '.join(allowed)})"))
        return None
    return value


def _field(spec: dict, key: str, path, errors) -> list[str] | None:
    """spec[key] as a list of strings (None when absent); a malformed value is an error, never ignored."""
    if key not in spec:
        return None
    codes = _codes(spec[key])
    if codes is None:
        errors.append((path + (key,), f"{key} must be a string or a non-empty list of strings"))
    return codes


def _evidence(path: str, kind: str, m: Mention, detail: str) -> Evidence:
    return Evidence(path, kind, m.text, m.field, m.start, m.end, m.entry, m.sentence, detail)


def _place_detail(m: Mention, ctx: MatchContext, tables) -> str:
    if m.kind == "city":
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
    tables = None  # set by RuleMatcher for richer explanations

    @classmethod
    def parse(cls, value, path, errors):
        before = len(errors)
        spec = _mapping(value, path, errors, ("code", "mentioned"))
        if len(errors) > before:
            return None
        codes = _codes(spec.get("code") if spec is not None else value)
        if codes is None:
            errors.append((path, "country is an ISO code, a list of them, or {code: ..., mentioned: true}"))
            return None
        mentioned = spec.get("mentioned", False) if spec else False
        if not isinstance(mentioned, bool):
            errors.append((path + ("mentioned",), "mentioned must be true or false"))
            return None
        return cls(key_name(path), [c.upper() for c in codes], mentioned)

    def positions(self, ctx):
        return [_evidence(self.path, "country", m, _place_detail(m, ctx, self.tables))
                for m in ctx.mentions(*PLACE_KINDS) if m.country in self.codes]

    def test(self, ctx):
        pool = ctx.facts.mentioned if self.mentioned else ctx.facts.countries
        return (self.positions(ctx) or None) if any(c in pool for c in self.codes) else None


@dataclass
class Region:
    path: str
    slugs: list[str]
    members: set
    positional = True

    @classmethod
    def parse(cls, value, path, errors):
        slugs = _codes(value)
        if slugs is None:
            errors.append((path, "region is a region id (e.g. sahel) or a list of them"))
            return None
        return cls(key_name(path), slugs, set())

    def positions(self, ctx):
        out = [_evidence(self.path, "region", m, f"{m.text} ({m.value})")
               for m in ctx.mentions("region") if m.value in self.slugs]
        out += [_evidence(self.path, "region", m, f"{m.text} ({m.country}, {'/'.join(self.slugs)})")
                for m in ctx.mentions(*PLACE_KINDS) if m.country in self.members]
        return out

    def test(self, ctx):
        return (self.positions(ctx) or None) if any(s in ctx.facts.regions for s in self.slugs) else None


@dataclass
class Place:
    """A city or country mention, narrowed by region, country and kind (capital | city | country).
    A country right after "from" / «из» ("his colleague from Mali") is where someone comes from,
    not a place anything happens in: skipped."""

    path: str
    countries: set | None
    region_members: set | None
    kind: str | None
    names: list[str] | None = None
    label: str = "place"
    positional = True
    tables = None

    @classmethod
    def parse(cls, value, path, errors, label: str = "place"):
        if isinstance(value, (str, list)) and label == "city":
            names = _codes(value)
            if names is None:
                errors.append((path, "city is a name, a list of names, or a mapping of name, country, region, kind"))
                return None
            return cls(key_name(path), None, None, "city", [n.casefold() for n in names], "city")
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
        return place

    regions: list[str] | None = None

    def _accepts(self, m: Mention) -> bool:
        if self.kind in ("capital", "city") and m.kind != "city":
            return False
        if self.kind == "capital" and not m.extra.get("capital"):
            return False
        if self.kind == "country" and m.kind != "country":   # "in Mali", not "Malian"
            return False
        if self.names and m.extra.get("name", m.text).casefold() not in self.names \
                and m.text.casefold() not in self.names:
            return False
        if self.countries and m.country not in self.countries:
            return False
        return not (self.region_members is not None and m.country not in self.region_members)

    def positions(self, ctx):
        return [_evidence(self.path, self.label, m, _place_detail(m, ctx, self.tables))
                for m in ctx.mentions("city", "country", "demonym")
                if self._accepts(m) and not (m.kind == "country" and _after_origin(ctx.text(m.field), m.start))]

    def test(self, ctx):
        return self.positions(ctx) or None


def parse_city(value, path, errors):
    return Place.parse(value, path, errors, label="city")


@dataclass
class Topic:
    path: str
    names: list[str]
    modality: str | None
    positional = True

    @classmethod
    def parse(cls, value, path, errors):
        before = len(errors)
        spec = _mapping(value, path, errors, ("name", "modality"))
        if len(errors) > before:
            return None
        names = _codes(spec.get("name") if spec is not None else value)
        if names is None:
            errors.append((path, "topic is a topic name (e.g. visit, diplomacy/visit) or {name: ..., modality: ...}"))
            return None
        modality = spec.get("modality") if spec else None
        if modality not in (None,) + MODALITIES:
            errors.append((path + ("modality",), f"unknown modality {modality!r} (allowed: happened, planned)"))
            return None
        return cls(key_name(path), names, modality)

    def _named(self, value: str) -> bool:
        return any(value == n or value.endswith("/" + n) or value.startswith(n + "/") for n in self.names)

    def _modality_ok(self, m: Mention, ctx: MatchContext) -> bool:
        if self.modality is None:
            return True
        cues = {c.value for c in ctx.mentions("modality") if c.field == m.field and c.sentence == m.sentence}
        return bool(cues & {"planned"}) if self.modality == "planned" else not cues & NOT_HAPPENED

    def positions(self, ctx):
        suffix = f", {self.modality}" if self.modality else ""
        return [_evidence(self.path, "topic", m, f"{m.value.split('/')[-1]}{suffix} ({m.text})")
                for m in ctx.mentions("topic") if self._named(m.value) and self._modality_ok(m, ctx)]

    def test(self, ctx):
        return self.positions(ctx) or None

    def why_not(self, ctx) -> str | None:
        """When the topic is named but never with the modality asked for: say so (`test-rule --explain`)."""
        named = [m for m in ctx.mentions("topic") if self._named(m.value)]
        if not self.modality or not named:
            return None
        words = ", ".join(dict.fromkeys(m.text for m in named))
        return f"{'/'.join(self.names)} is named ({words}), but never as {self.modality} in its sentence"

    def explain(self, ctx) -> list[str]:
        return [f"{self.path}: {self.why_not(ctx) or 'did not hold'}"]


@dataclass
class Actor:
    path: str
    names: list[str] | None
    nationality: set | None
    role: str | None
    positional = True

    @classmethod
    def parse(cls, value, path, errors):
        before = len(errors)
        spec = {"name": value} if isinstance(value, str) else _mapping(value, path, errors,
                                                                       ("name", "nationality", "role"))
        if len(errors) > before:
            return None
        if not spec:
            errors.append((path, "actor is a name or a mapping of name, nationality, role"))
            return None
        names, nats = _field(spec, "name", path, errors), _field(spec, "nationality", path, errors)
        role = spec.get("role")
        if role is not None and not (isinstance(role, str) and role.strip()):
            errors.append((path + ("role",), "role must be a role name (e.g. official, head-of-state, military)"))
        if len(errors) > before:
            return None
        return cls(key_name(path), [n.casefold() for n in names] if names else None,
                   {n.upper() for n in nats} if nats else None, role)

    def _accepts(self, m: Mention) -> bool:
        if self.nationality and m.country not in self.nationality:
            return False
        if self.role and m.extra.get("role") not in ROLE_FAMILY.get(self.role, {self.role}):
            return False
        if self.names:
            name = m.extra.get("name", m.text).casefold()
            return m.value.casefold() in self.names or name in self.names or any(n in name for n in self.names)
        return True

    def positions(self, ctx):
        out = []
        named_first = sorted(ctx.mentions("actor", "role"), key=lambda m: m.kind != "actor")  # "Sergei Lavrov" over
        for m in named_first:                                                                 # "Russian Foreign Minister"
            if self._accepts(m):
                who = m.extra.get("name", m.text) if m.kind == "actor" else m.text
                out.append(_evidence(self.path, "actor", m, f"{who} ({m.country} {m.extra.get('role')})"))
        return out

    def test(self, ctx):
        return self.positions(ctx) or None


FACT_CONDITIONS = {"country": Country, "region": Region, "place": Place, "topic": Topic, "actor": Actor}
