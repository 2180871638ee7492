"""Conditions on what happens and who does it: `topic` (with its modality) and `actor`.

Like the place conditions (facts.py), each has `accepts_in(ctx)` (the mentions it accepts,
memoized per item by `ctx.accepted` under `key`), `positions(ctx)` and `test(ctx)`. The small
functions `topic_names` and `modality_holds` say which names and modality a topic mention
satisfies; the matcher's index (index.py) uses the same two, so it cannot disagree with them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from alerts.rules.facts import _evidence, _field, _mapping, _names_or_spec
from alerts.rules.node import Errors, Where
from newswatch.classify.events.cues import NOT_HAPPENED as EVENT_NOT_HAPPENED
from newswatch.classify.model import Mention
from newswatch.classify.tables import ROLES
from newswatch.config.yamlconf import did_you_mean, key_name
from newswatch.model.alert import Evidence

if TYPE_CHECKING:
    from alerts.rules.context import MatchContext, Person

# a president or a prime minister on a visit is an official visiting
ROLE_FAMILY = {"official": {"official", "head-of-state", "head-of-government"}}
MODALITIES = ("happened", "planned")
NOT_HAPPENED = {*EVENT_NOT_HAPPENED, "remote"}   # the event extractor's, and a call is no visit


def topic_names(value: str) -> set[str]:
    """Every name a `topic` condition may use for a topic path: "diplomacy/visit" is named by
    "diplomacy/visit", "visit" and "diplomacy" (whole segments, from either end)."""
    parts = value.split("/")
    return {value} | {"/".join(parts[i:]) for i in range(1, len(parts))} | {"/".join(parts[:i])
                                                                           for i in range(1, len(parts))}


def modality_holds(modality: str | None, cues: frozenset[str]) -> bool:
    """Whether a topic mention whose sentence has these modality cues is of this modality:
    "planned" needs a planned cue; "happened", none that says it did not (yet) happen."""
    if modality is None:
        return True
    return "planned" in cues if modality == "planned" else not cues & NOT_HAPPENED


def role_family(role: str | None) -> set[str] | None:
    return None if role is None else ROLE_FAMILY.get(role, {role})


@dataclass
class Topic:
    path: str
    names: list[str]
    modality: str | None
    positional = True

    @classmethod
    def parse(cls, value: Any, path: Where, errors: Errors) -> Topic | None:
        parsed = _names_or_spec(value, path, errors, ("name", "modality"), "name",
                                "topic is a topic name (e.g. visit, diplomacy/visit) or {name: ..., modality: ...}")
        if parsed is None:
            return None
        spec, names = parsed
        modality = spec.get("modality")
        if modality not in (None,) + MODALITIES:
            errors.append((path + ("modality",), f"unknown modality {modality!r} (allowed: happened, planned)"))
            return None
        return cls(key_name(path), names, modality)

    @cached_property
    def name_set(self) -> frozenset[str]:
        return frozenset(self.names)

    @cached_property
    def key(self) -> tuple[object, ...]:
        return ("topic", self.name_set, self.modality)

    def _named(self, value: str) -> bool:
        return any(value == n or value.endswith("/" + n) or value.startswith(n + "/") for n in self.names)

    def accepts_in(self, ctx: MatchContext) -> list[Mention]:
        names = self.name_set
        return [m for m in ctx.mentions("topic") if not names.isdisjoint(ctx.topic_names(m.value))
                and modality_holds(self.modality, ctx.cues(m))]

    def positions(self, ctx: MatchContext) -> list[Evidence]:
        suffix = f", {self.modality}" if self.modality else ""
        return [_evidence(self.path, "topic", m, f"{m.value.split('/')[-1]}{suffix} ({m.text})")
                for m in ctx.accepted(self)]

    def test(self, ctx: MatchContext) -> list[Evidence] | None:
        return ctx.positions(self) or None

    def holds(self, ctx: MatchContext) -> bool:
        return bool(ctx.accepted(self))

    def why_not(self, ctx: MatchContext) -> str | None:
        """When the topic is named but never with the modality asked for: say so (`test-rule --explain`)."""
        named = [m for m in ctx.mentions("topic") if self._named(m.value)]
        if not self.modality or not named:
            return None
        words = ", ".join(dict.fromkeys(m.text for m in named))
        return f"{'/'.join(self.names)} is named ({words}), but never as {self.modality} in its sentence"

    def explain(self, ctx: MatchContext) -> list[str]:
        return [f"{self.path}: {self.why_not(ctx) or 'did not hold'}"]


@dataclass
class Actor:
    path: str
    names: list[str] | None
    nationality: set[str] | None
    role: str | None
    positional = True
    written: list[str] = field(init=False, repr=False, compare=False)   # as Country's (facts.py)

    @classmethod
    def parse(cls, value: Any, path: Where, errors: Errors) -> Actor | None:
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
        elif role is not None and role not in ROLES:   # the roles the classifier gives (tables.py): no other matches
            hint = did_you_mean(role, ROLES)
            errors.append((path + ("role",), f"unknown role {role!r} ({hint + ' ' if hint else ''}"
                                             f"allowed: {', '.join(ROLES)})"))
        if len(errors) > before:
            return None
        actor = cls(key_name(path), [n.casefold() for n in names] if names else None,
                    {n.upper() for n in nats} if nats else None, role)
        actor.written = names or []   # as written, for the table checks' messages (not part of what it says)
        return actor

    @cached_property
    def key(self) -> tuple[object, ...]:
        return ("actor", tuple(self.names) if self.names else None,
                frozenset(self.nationality) if self.nationality else None, self.role)

    def admits(self, country: str | None, role: str | None, ident: str, name: str) -> bool:
        """Whether one person of this nationality and role, with this id and name (both casefolded;
        `name` may hold several, one a line), is what the condition asks for: `_take` for one person
        (the `event:` condition's `who` asks it of an event's participants)."""
        if self.nationality and country not in self.nationality:
            return False
        if self.role and role not in ROLE_FAMILY.get(self.role, {self.role}):
            return False
        return not self.names or any(ident == n or n in name for n in self.names)

    def _take(self, people: list[Person]) -> list[Mention]:
        """The mentions among `people` (`MatchContext.people` rows) of this nationality, role and name."""
        if self.nationality and len(self.nationality) > 1:
            people = [p for p in people if p[0].country in self.nationality]
        if self.role:
            roles = ROLE_FAMILY.get(self.role, {self.role})
            people = [p for p in people if p[1] in roles]
        if self.names:   # a name: the actor's id or name, or part of the name ("lavrov")
            names = self.names
            if len(names) == 1:
                [name] = names
                people = [p for p in people if p[2] == name or name in p[3]]
            else:
                people = [p for p in people if p[2] in names or any(n in p[3] for n in names)]
        return [p[0] for p in people]

    def accepts_in(self, ctx: MatchContext) -> list[Mention]:
        nats = self.nationality
        if self.names and not any(ctx.may_name(n) for n in self.names):
            return []
        return self._take(ctx.people(next(iter(nats))) if nats and len(nats) == 1 else ctx.people())

    def positions(self, ctx: MatchContext) -> list[Evidence]:
        return [_evidence(self.path, "actor", m, f"{m.extra.get('name', m.text) if m.kind == 'actor' else m.text} "
                                                 f"({m.country} {m.extra.get('role')})")
                for m in ctx.accepted(self)]

    def test(self, ctx: MatchContext) -> list[Evidence] | None:
        return ctx.positions(self) or None

    def holds(self, ctx: MatchContext) -> bool:
        return bool(ctx.accepted(self))
