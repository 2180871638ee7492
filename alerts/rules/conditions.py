"""Condition kinds a rule's `when` tree is built of, and the tree itself.

A registry maps each kind name to a class with `parse(value, path, errors)`
and `test(ctx) -> list[Evidence] | None` (None: did not hold). Conditions
that point at words in the text ("positional": keywords, regex, places,
actors, topics) give evidence with field, offsets and sentence, which is what
`near` needs. `all` / `any` / `none` nest them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from alerts.alert import Evidence
from alerts.rules.context import MatchContext
from alerts.rules.facts import Actor, Country, Place, Region, Topic, parse_city
from alerts.rules.near import Near
from newswatch.classify.automaton import TermIndex
from newswatch.classify.morphology import variants
from newswatch.classify.normalize import normalize
from newswatch.units import parse_duration
from newswatch.yamlconf import key_name

GROUPS = ("all", "any", "none")


def phrase_forms(phrase: str) -> set[str]:
    """The phrase and its inflections in the language its script suggests (ru, ar; else en and fr)."""
    kind = "phrase" if " " in phrase.strip() else "name"
    if any("\u0400" <= c <= "\u04ff" for c in phrase):
        return variants(phrase, "ru", kind)
    if any("\u0600" <= c <= "\u06ff" for c in phrase):
        return variants(phrase, "ar", kind)
    return variants(phrase, "en", kind) | variants(phrase, "fr", kind)


def _strings(value, path, errors, what: str) -> list[str] | None:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(v, str) and v.strip() for v in items):
        errors.append((path, f"{what} must be a string or a non-empty list of strings"))
        return None
    return items


@dataclass
class Keywords:
    """Any of the phrases, matched like the classifier matches names: normalized, inflected,
    Arabic proclitics allowed, on Unicode word boundaries, in the title or text."""

    path: str
    phrases: list[str]
    id: int = -1                       # set by RuleMatcher, which finds every rule's keywords in one pass
    _index: TermIndex | None = field(default=None, repr=False)

    positional = True

    @classmethod
    def parse(cls, value, path: tuple, errors: list) -> "Keywords | None":
        phrases = _strings(value, path, errors, "keywords")
        if phrases is None:
            errors[-1] = (path, "keywords must be a phrase or a non-empty list of phrases")
            return None
        return cls(key_name(path), phrases)

    def terms(self) -> list[tuple[str, str]]:
        return [(form, phrase) for phrase in self.phrases for form in phrase_forms(phrase)]

    def test(self, ctx: MatchContext) -> list[Evidence] | None:
        if ctx.keyword_hits is not None and self.id >= 0:
            found = ctx.keyword_hits.get(self.id)
            return [Evidence(self.path, "keywords", e.matched, e.field, e.start, e.end, e.entry, e.sentence,
                             e.entry or "") for e in found] if found else None
        if self._index is None:
            self._index = TermIndex(self.terms())
        out = []
        for field_name in ("title", "text"):
            for hit in self._index.find(normalize(ctx.text(field_name))):
                out.append(Evidence(self.path, "keywords", hit.surface, field_name, hit.start, hit.end,
                                    hit.payloads[0], ctx.sentence_of(field_name, hit.start), hit.payloads[0]))
        return out or None

    def positions(self, ctx: MatchContext) -> list[Evidence]:
        """Every place a phrase stands (what `near` combines)."""
        return self.test(ctx) or []


@dataclass
class Regex:
    path: str
    pattern: re.Pattern
    positional = True

    @classmethod
    def parse(cls, value, path, errors):
        if not isinstance(value, str) or not value:
            errors.append((path, "regex must be a pattern string"))
            return None
        try:
            return cls(key_name(path), re.compile(value, re.IGNORECASE))
        except re.error as exc:
            errors.append((path, f"invalid regular expression: {exc}"))
            return None

    def test(self, ctx):
        out = [Evidence(self.path, "regex", m.group(0), f, m.start(), m.end(), self.pattern.pattern,
                        ctx.sentence_of(f, m.start()), m.group(0))
               for f in ("title", "text") for m in self.pattern.finditer(ctx.text(f))]
        return out or None

    def positions(self, ctx):
        return self.test(ctx) or []


@dataclass
class Lang:
    path: str
    langs: list[str]
    positional = False

    @classmethod
    def parse(cls, value, path, errors):
        langs = _strings(value, path, errors, "lang")
        return cls(key_name(path), [x.lower() for x in langs]) if langs else None

    def test(self, ctx):
        lang = ctx.item.lang or ctx.facts.lang
        return [Evidence(self.path, "lang", lang, "", 0, 0, lang, None, lang)] if lang in self.langs else None


@dataclass
class Source:
    path: str
    ids: list[str]
    positional = False

    @classmethod
    def parse(cls, value, path, errors):
        ids = _strings(value, path, errors, "source")
        return cls(key_name(path), ids) if ids else None

    def test(self, ctx):
        hit = next((s for s in self.ids if s == ctx.item.source_id or s in ctx.source_tags), None)
        return [Evidence(self.path, "source", hit, "", 0, 0, hit, None, hit)] if hit else None


@dataclass
class PublishedWithin:
    path: str
    seconds: float
    positional = False

    @classmethod
    def parse(cls, value, path, errors):
        try:
            return cls(key_name(path), parse_duration(value))
        except ValueError:
            errors.append((path, "bad duration (allowed: a number with a unit, e.g. 30m, 6h, 2d)"))
            return None

    def test(self, ctx):
        published = ctx.item.published
        if published is None or (ctx.now - published).total_seconds() > self.seconds:
            return None
        return [Evidence(self.path, "published_within", published.isoformat(), "", 0, 0, None, None,
                         f"published {published:%Y-%m-%d %H:%M}")]


@dataclass
class Group:
    path: str
    op: str  # all | any | none
    children: list

    @property
    def positional(self) -> bool:
        """An `any` of word-pointing conditions points at words too (usable inside `near`)."""
        return self.op == "any" and all(getattr(c, "positional", False) for c in self.children)

    def positions(self, ctx) -> list[Evidence]:
        return [e for c in self.children for e in c.positions(ctx)] if self.positional else []

    def test(self, ctx):
        if self.op == "none":
            return None if any(c.test(ctx) is not None for c in self.children) else []
        evidence: list[Evidence] = []
        held = 0
        for child in self.children:
            result = child.test(ctx)
            if result is None:
                if self.op == "all":
                    return None
                continue
            held += 1
            evidence.extend(result)
        return evidence if held else None

    def explain(self, ctx) -> list[str]:
        """The clauses that did not hold (for `test-rule --explain`)."""
        failed = []
        for child in self.children:
            held = child.test(ctx) is not None
            if self.op == "none" and held:
                failed.append(f"{child.path}: held, but is under 'none'")
            elif self.op != "none" and not held:
                failed.extend(child.explain(ctx) if hasattr(child, "explain") else [f"{child.path}: did not hold"])
        return failed


CONDITIONS: dict[str, object] = {
    "keywords": Keywords.parse, "regex": Regex.parse, "lang": Lang.parse, "source": Source.parse,
    "published_within": PublishedWithin.parse, "country": Country.parse, "region": Region.parse,
    "city": parse_city, "place": Place.parse, "topic": Topic.parse, "actor": Actor.parse,
    "near": lambda value, path, errors: Near.parse(value, path, errors, parse_condition),
}


def parse_condition(node, path: tuple, errors: list):
    """Parse one node of a `when` tree; problems go to `errors` as (path, message)."""
    allowed = ", ".join(GROUPS + tuple(CONDITIONS))
    if not isinstance(node, dict) or len(node) != 1:
        errors.append((path, f"a condition is a mapping with exactly one key (allowed: {allowed})"))
        return None
    (kind, value), = node.items()
    if kind in GROUPS:
        if not isinstance(value, list) or not value:
            errors.append((path + (kind,), f"'{kind}' takes a non-empty list of conditions"))
            return None
        children = [parse_condition(child, path + (kind, i), errors) for i, child in enumerate(value)]
        return Group(key_name(path + (kind,)), kind, children) if None not in children else None
    if kind not in CONDITIONS:
        errors.append((path + (kind,), f"unknown condition '{kind}' (allowed: {allowed})"))
        return None
    return CONDITIONS[kind](value, path + (kind,), errors)
