"""Match items against every enabled rule at once. Matching never sends.

`RuleMatcher` compiles all rules at load into one structure (the way Lucene
Monitor and the Elasticsearch percolator do): every keyword phrase of every
rule goes into one automaton, found in one pass per item; and an index maps
the cheap facts a rule cannot match without (a keyword, a country, a region, a
topic, an actor's nationality, a language, a source) to the rules that need
them. An item is checked only against the rules its facts could satisfy.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass

from alerts.alert import Evidence
from alerts.rules.conditions import Group, Keywords, Lang, Source
from alerts.rules.context import MatchContext
from alerts.rules.facts import Actor, Country, Place, Region, Topic
from alerts.rules.loader import Rule
from alerts.rules.near import Near
from newswatch.classify.automaton import TermIndex
from newswatch.classify.normalize import normalize
from newswatch.item import Item

log = logging.getLogger(__name__)
# How rare an atom kind is on an item (lower: rarer): 250 countries, ~14 nationalities of actors,
# 44 regions (broad ones like "europe"), 15 topics, "an actor of any kind", any city, a language.
SELECTIVITY = {"kw": 0, "source": 1, "country": 1, "nat": 2, "region": 3, "topic": 4, "actor": 5, "kind": 5,
               "lang": 6}


@dataclass(slots=True)
class Match:
    rule: Rule
    item: Item
    evidence: list[Evidence]


def walk(node):
    yield node
    for child in getattr(node, "children", ()):
        yield from walk(child)


def requirement(node) -> frozenset | None:
    """Atoms of which an item must have at least one for `node` to hold (None: no such set)."""
    if isinstance(node, Keywords):
        return frozenset({("kw", node.id)})
    if isinstance(node, Country):
        return frozenset(("country", c) for c in node.codes)
    if isinstance(node, Region):
        return frozenset(("region", s) for s in node.slugs)
    if isinstance(node, Place):
        if node.countries:
            return frozenset(("country", c) for c in node.countries)
        if node.regions:
            return frozenset(("region", s) for s in node.regions)
        return frozenset({("kind", "city")}) if node.kind in ("city", "capital") else None
    if isinstance(node, Topic):
        return frozenset(("topic", n) for n in node.names)
    if isinstance(node, Actor):
        return frozenset(("nat", n) for n in node.nationality) if node.nationality else frozenset({("actor", "*")})
    if isinstance(node, Lang):
        return frozenset(("lang", x) for x in node.langs)
    if isinstance(node, Source):
        return frozenset(("source", x) for x in node.ids)
    if isinstance(node, (Group, Near)):
        op = getattr(node, "op", "all")
        reqs = [requirement(c) for c in node.children]
        if op == "all":
            known = [r for r in reqs if r is not None]
            return min(known, key=lambda r: (min(SELECTIVITY[a[0]] for a in r), len(r))) if known else None
        if op == "any" and all(r is not None for r in reqs):
            return frozenset().union(*reqs)
    return None


def clauses(node) -> list[frozenset]:
    """Every atom set an item must meet for `node` to hold (one per conjunct of all / near)."""
    if isinstance(node, Near) or (isinstance(node, Group) and node.op == "all"):
        return [c for child in node.children for c in clauses(child)]
    req = requirement(node)
    return [req] if req is not None else []


def rarity(req: frozenset) -> tuple:
    return (min(SELECTIVITY[a[0]] for a in req), len(req))


class RuleMatcher:
    def __init__(self, rules: list[Rule], tables=None):
        self.rules = [r for r in rules if r.enabled]
        self.tables = tables
        self.keywords: list[Keywords] = []
        for rule in self.rules:
            for node in walk(rule.when):
                self._bind(node, rule)
        terms = [(form, (kw.id, phrase)) for kw in self.keywords for form, phrase in kw.terms()]
        self.keyword_index = TermIndex(terms) if terms else None
        self.by_atom: dict[tuple, list[int]] = defaultdict(list)
        self.always: list[int] = []
        self.checks: list[list[frozenset]] = []
        for index, rule in enumerate(self.rules):
            reqs = sorted(set(clauses(rule.when)), key=rarity)
            if not reqs:
                self.always.append(index)
            for atom in reqs[0] if reqs else ():
                self.by_atom[atom].append(index)
            self.checks.append(reqs[1:])

    def _bind(self, node, rule: Rule) -> None:
        if isinstance(node, Keywords):
            node.id = len(self.keywords)
            self.keywords.append(node)
        elif isinstance(node, (Country, Place)):
            node.tables = self.tables
        if isinstance(node, Region):
            node.members = self._members(node.slugs, rule)
        elif isinstance(node, Place) and node.regions:
            node.region_members = self._members(node.regions, rule)

    def _members(self, slugs: list[str], rule: Rule) -> set:
        members: set = set()
        for slug in slugs:
            region = self.tables.regions.get(slug) if self.tables else None
            if region is None:
                log.warning("rule_unknown_region rule_id=%s region=%s", rule.id, slug)
                continue
            members |= set(region.countries)
        return members

    def context(self, item: Item, source_tags=frozenset()) -> MatchContext:
        ctx = MatchContext(item, keyword_hits={}, source_tags=frozenset(source_tags))
        if self.keyword_index is not None:
            for field_name in ("title", "text"):
                # Leftmost-longest per keywords condition, as its own automaton would choose: one
                # condition's "Sergei Lavrov" must not hide another's "Lavrov".
                taken: dict[int, int] = {}
                for hit in self.keyword_index.find_all(normalize(ctx.text(field_name))):
                    sentence = None
                    for kw_id, phrase in dict.fromkeys(hit.payloads):
                        if hit.nstart < taken.get(kw_id, -1):
                            continue
                        taken[kw_id] = hit.nend
                        if sentence is None:
                            sentence = ctx.sentence_of(field_name, hit.start)
                        ctx.keyword_hits.setdefault(kw_id, []).append(Evidence(
                            "", "keywords", hit.surface, field_name, hit.start, hit.end, phrase, sentence))
        return ctx

    def atoms(self, ctx: MatchContext) -> set:
        facts = ctx.facts
        atoms = {("kw", k) for k in ctx.keyword_hits}
        atoms |= {("country", c) for c in facts.mentioned} | {("region", r) for r in facts.regions}
        for m in facts.evidence:
            if m.kind == "topic":
                parts = m.value.split("/")
                atoms |= {("topic", p) for p in parts} | {("topic", m.value)}
            elif m.kind in ("actor", "role"):
                atoms |= {("nat", m.country), ("actor", "*")}
            elif m.kind == "region":
                atoms.add(("region", m.value))
            elif m.kind == "city":
                atoms.add(("kind", "city"))
            if m.country and self.tables is not None and m.kind in ("country", "demonym", "city", "institution"):
                atoms |= {("region", r) for r in self.tables.regions_of(m.country)}
        lang = ctx.item.lang or facts.lang
        atoms |= {("lang", lang), ("source", ctx.item.source_id)} | {("source", t) for t in ctx.source_tags}
        return atoms

    def candidates(self, ctx: MatchContext) -> list[int]:
        atoms = self.atoms(ctx)
        chosen = set(self.always)
        for atom in atoms:
            chosen.update(self.by_atom.get(atom, ()))
        checks = self.checks
        return sorted(i for i in chosen if all(not req.isdisjoint(atoms) for req in checks[i]))

    def match(self, item: Item, source_tags=frozenset()) -> list[Match]:
        ctx = self.context(item, source_tags)
        matches = []
        for index in self.candidates(ctx):
            rule = self.rules[index]
            evidence = rule.when.test(ctx)
            if evidence is not None:
                matches.append(Match(rule, item, evidence))
        return matches

    def explain(self, item: Item, source_tags=frozenset()) -> list[dict]:
        """Near-misses: every rule that did not match, with the clauses that failed."""
        ctx = self.context(item, source_tags)
        out = []
        for rule in self.rules:
            if rule.when.test(ctx) is None:
                failed = rule.when.explain(ctx) if hasattr(rule.when, "explain") else [f"{rule.when.path}: did not hold"]
                out.append({"rule": rule.id, "failed": failed})
        return out

    def process(self, items: list[Item]) -> list[Match]:
        return [m for item in items for m in self.match(item)]
