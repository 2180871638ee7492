"""Condition kinds a rule's `when` tree is built of, and the tree itself.

A registry maps each kind name to a class with `parse(value, path, errors)`,
`test(ctx) -> list[Evidence] | None` (None: did not hold) and `holds(ctx) -> bool`
(whether `test` would hold, without building evidence: what matching decides on;
the evidence is built only for the matches, see `Match.evidence`). Conditions
that point at words in the text ("positional": keywords, regex, places,
actors, topics) give evidence with field, offsets and sentence, which is what
`near` needs. `all` / `any` / `none` nest them. `event:` (events.py) and `reports:` (reports.py) have
their own modules.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from newswatch.model.alert import Evidence
from alerts.rules.events import EventCondition
from alerts.rules.facts import Country, Place, Region, parse_city
from alerts.rules.keywords import Keywords
from alerts.rules.near import Near
from alerts.rules.node import Condition, Errors, Parser, Positional, Where
from alerts.rules.regex import Regex
from alerts.rules.reports import Reports
from alerts.rules.topic_actor import Actor, Topic
from newswatch.config.units import parse_duration
from newswatch.config.yamlconf import did_you_mean, key_name

if TYPE_CHECKING:
    from alerts.rules.context import MatchContext

GROUPS = ("all", "any", "none")


def _strings(value: Any, path: Where, errors: Errors, what: str) -> list[str] | None:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(v, str) and v.strip() for v in items):
        errors.append((path, f"{what} must be a string or a non-empty list of strings"))
        return None
    return items


class _Cheap:
    """For conditions whose evidence is one small object: `holds` is `test`."""

    def holds(self: Condition, ctx: MatchContext) -> bool:
        return ctx.test(self) is not None


@dataclass
class Lang(_Cheap):
    path: str
    langs: list[str]
    positional = False

    @classmethod
    def parse(cls, value: Any, path: Where, errors: Errors) -> Lang | None:
        langs = _strings(value, path, errors, "lang")
        return cls(key_name(path), [x.lower() for x in langs]) if langs else None

    def test(self, ctx: MatchContext) -> list[Evidence] | None:
        lang = ctx.item.lang or ctx.facts.lang
        if lang is None or lang not in self.langs:
            return None
        return [Evidence(self.path, "lang", lang, "", 0, 0, lang, None, lang)]


@dataclass
class Source(_Cheap):
    path: str
    ids: list[str]
    positional = False

    @classmethod
    def parse(cls, value: Any, path: Where, errors: Errors) -> Source | None:
        ids = _strings(value, path, errors, "source")
        return cls(key_name(path), ids) if ids else None

    def test(self, ctx: MatchContext) -> list[Evidence] | None:
        hit = next((s for s in self.ids if s == ctx.item.source_id or s in ctx.source_tags), None)
        return [Evidence(self.path, "source", hit, "", 0, 0, hit, None, hit)] if hit else None

    def explain(self, ctx: MatchContext) -> list[str]:
        tags = f"tags {', '.join(sorted(ctx.source_tags))}" if ctx.source_tags else "no tags"
        return [f"{self.path}: the item's source is {ctx.item.source_id!r} ({tags}), "
                f"not {' or '.join(repr(s) for s in self.ids)}"]


@dataclass
class PublishedWithin(_Cheap):
    path: str
    seconds: float
    positional = False

    @classmethod
    def parse(cls, value: Any, path: Where, errors: Errors) -> PublishedWithin | None:
        try:
            return cls(key_name(path), parse_duration(value))
        except ValueError:
            errors.append((path, "bad duration (allowed: a number with a unit, e.g. 30m, 6h, 2d)"))
            return None

    def test(self, ctx: MatchContext) -> list[Evidence] | None:
        published = ctx.item.published
        if published is None or (ctx.now - published).total_seconds() > self.seconds:
            return None
        return [Evidence(self.path, "published_within", published.isoformat(), "", 0, 0, None, None,
                         f"published {published:%Y-%m-%d %H:%M}")]


@dataclass
class Group:
    path: str
    op: str  # all | any | none
    children: list[Condition]

    @property
    def positional(self) -> bool:
        """An `any` of word-pointing conditions points at words too (usable inside `near`)."""
        return self.op == "any" and all(getattr(c, "positional", False) for c in self.children)

    def positions(self, ctx: MatchContext) -> list[Evidence]:
        if not self.positional:
            return []
        children = cast("list[Positional]", self.children)   # `positional`: every child is
        return [e for c in children for e in ctx.positions(c)]

    def holds(self, ctx: MatchContext) -> bool:
        holds = ctx.holds
        if self.op == "all":
            for child in self.children:
                if not holds(child):
                    return False
            return True
        for child in self.children:
            if holds(child):
                return self.op == "any"
        return self.op == "none"

    def test(self, ctx: MatchContext) -> list[Evidence] | None:
        if self.op == "none":
            for child in self.children:
                if ctx.test(child) is not None:
                    return None
            return []
        if self.op == "all":
            evidence: list[Evidence] = []
            for child in self.children:
                result = ctx.test(child)
                if result is None:
                    return None
                evidence += result
            return evidence
        evidence, held = [], False     # any: every child that holds gives its evidence
        for child in self.children:
            result = ctx.test(child)
            if result is not None:
                held = True
                evidence += result
        return evidence if held else None

    def explain(self, ctx: MatchContext) -> list[str]:
        """The clauses that did not hold (for `test-rule --explain`)."""
        failed: list[str] = []
        for child in self.children:
            held = child.test(ctx) is not None
            if self.op == "none" and held:
                failed.append(f"{child.path}: held, but is under 'none'")
            elif self.op != "none" and not held:
                failed.extend(child.explain(ctx) if hasattr(child, "explain") else [f"{child.path}: did not hold"])
        return failed


CONDITIONS: dict[str, Parser] = {
    "keywords": Keywords.parse, "regex": Regex.parse, "lang": Lang.parse, "source": Source.parse,
    "published_within": PublishedWithin.parse, "country": Country.parse, "region": Region.parse,
    "city": parse_city, "place": Place.parse, "topic": Topic.parse, "actor": Actor.parse,
    "event": EventCondition.parse, "reports": Reports.parse,
    "near": lambda value, path, errors: Near.parse(value, path, errors, parse_condition),
}


def parse_condition(node: Any, path: Where, errors: Errors, found: list[Condition] | None = None) -> Condition | None:
    """Parse one node of a `when` tree; problems go to `errors` as (path, message).
    With `found`, every condition parsed (not the groups) is appended to it, also those of a tree
    that is broken elsewhere, so their values can still be checked against the tables
    (alerts/rules/values_check.py) and every mistake reported at once."""
    allowed = ", ".join(GROUPS + tuple(CONDITIONS))
    if not isinstance(node, dict) or len(node) != 1:
        errors.append((path, f"a condition is a mapping with exactly one key (allowed: {allowed})"))
        return None
    (kind, value), = node.items()
    if kind in GROUPS:
        if not isinstance(value, list) or not value:
            errors.append((path + (kind,), f"'{kind}' takes a non-empty list of conditions"))
            return None
        nodes = [parse_condition(child, path + (kind, i), errors, found) for i, child in enumerate(value)]
        children = [child for child in nodes if child is not None]
        return Group(key_name(path + (kind,)), kind, children) if len(children) == len(nodes) else None
    if kind not in CONDITIONS:
        hint = did_you_mean(str(kind), GROUPS + tuple(CONDITIONS))
        errors.append((path + (kind,), f"unknown condition '{kind}' ({hint + ' ' if hint else ''}allowed: {allowed})"))
        return None
    parsed: Condition | None
    if kind == "near" and found is not None:
        parsed = Near.parse(value, path + (kind,), errors,
                            lambda child, where, errs: parse_condition(child, where, errs, found))
    else:
        parsed = CONDITIONS[kind](value, path + (kind,), errors)
    if parsed is not None and found is not None:
        found.append(parsed)
    return parsed
