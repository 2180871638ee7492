"""Match items against every enabled rule at once. Matching never sends.

`RuleMatcher` compiles all rules at load into one structure (the way Lucene
Monitor and the Elasticsearch percolator do):

- identical conditions are interned: every rule whose tree holds the same condition
  (same kind, parameters and clause path) shares one node, so the per-item memo of
  `MatchContext` answers it once for all of them;
- every keyword phrase of every rule goes into one automaton, run once per item;
- an index (index.py) holds every atom set each rule needs (a keyword term, a country,
  a capital in a region, a topic with its modality, an actor's nationality and role, an
  event's type and modality, a language, a source). An item is tested only against the rules whose every set it meets,
  and for a rule made only of conditions whose sets say all they look at (`index.exact`:
  keywords, country, region, topic, actor without a name, lang, source, and `all`/`any` of
  them) meeting the sets is the match: such a rule is not tested at all;
- testing decides (`holds`) without building evidence; a `Match` builds its evidence when it
  is first asked for, once per match rather than once per rule tested.

Per item the fixed work (normalizing the text, the automaton pass, the item's atoms) does
not grow with the number of rules; what grows is one dict look-up per atom, a few big-int
operations, `holds` on the candidates the index does not decide, and a `Match` per match.
"""
from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Iterable, Iterator
from typing import Any

from newswatch.model.alert import Evidence
from alerts.rules.context import MatchContext, ReportLookup
from alerts.rules.events import EventCondition
from alerts.rules.facts import Country, Place, Region
from alerts.rules.index import Atom, AtomSet, ClauseMemo, RuleIndex, clauses, exact, item_atoms, rarity, requirement
from alerts.rules.keywords import KeywordHits, Keywords
from alerts.rules.loader import Rule, gc_paused
from alerts.rules.node import Condition
from newswatch.classify.automaton import TermIndex
from newswatch.classify.tables import Tables
from newswatch.model.item import Item
from newswatch.logs import fields

__all__ = ["Match", "RuleMatcher", "clauses", "requirement", "walk"]   # requirement: kept importable from here
log = logging.getLogger(__name__)
# What a matcher binds into a node, or parse keeps as written or compiles: not part of what the condition says.
BOUND_FIELDS = frozenset({"children", "id", "_index", "_bound", "members", "region_members", "tables", "written",
                          "compiled"})


class Match:
    """A rule that holds for an item, and why: `evidence` (which clause, which words at which
    positions, which table entry). Matching decides with `holds` and builds no evidence; a match
    builds its own from the item's context the first time it is asked for (what Lucene Monitor
    calls match, then highlight), so the evidence costs per match, not per rule tested."""

    __slots__ = ("rule", "item", "_evidence", "_ctx")

    def __init__(self, rule: Rule, item: Item, evidence: list[Evidence] | None = None,
                 ctx: MatchContext | None = None):
        if evidence is None and ctx is None:
            raise TypeError("Match needs its evidence or the MatchContext to build it from")
        self.rule, self.item, self._evidence, self._ctx = rule, item, evidence, ctx

    @property
    def evidence(self) -> list[Evidence]:
        if self._evidence is None:
            assert self._ctx is not None   # __init__: the evidence, or the context to build it from
            found = self._ctx.test(self.rule.when)
            if found is None:   # `holds` and `test` disagree: a bug; the alert still goes, the log says so
                log.error(fields("rule_evidence_missing", rule_id=self.rule.id, item_id=self.item.id))
            self._evidence, self._ctx = list(found or ()), None   # answers are shared: a list of its own
        return self._evidence

    def __repr__(self) -> str:
        return f"Match(rule={self.rule.id!r}, item={self.item.id!r})"


def walk(node: Condition) -> Iterator[Condition]:
    yield node
    for child in getattr(node, "children", ()):
        yield from walk(child)


_NAMES: dict[type, tuple[str, ...]] = {}


def _frozen(value: object) -> object:
    if type(value) is list:              # condition parameters are flat: lists and sets of strings
        return tuple(value)
    if type(value) is set:
        return frozenset(value)
    if hasattr(value, "__dataclass_fields__") and hasattr(value, "key"):   # an event's who / where: its key
        return value.key
    return value


def node_key(node: Condition) -> tuple[object, ...]:
    """What a (canonical-children) condition node says, path included: equal keys, equal answers."""
    names = _NAMES.get(type(node))
    if names is None:
        names = _NAMES[type(node)] = tuple(f.name for f in dataclasses.fields(node) if f.name not in BOUND_FIELDS)
    own = tuple([_frozen(getattr(node, name)) for name in names])
    return (type(node), own, tuple([id(c) for c in node.children]) if hasattr(node, "children") else ())


def intern(node: Condition, table: dict[tuple[object, ...], Condition]) -> Condition:
    """The canonical node for `node` (children first); `table` maps node_key -> canonical node."""
    if hasattr(node, "children"):
        node.children = [intern(child, table) for child in node.children]
    return table.setdefault(node_key(node), node)


class RuleMatcher:
    """`source_tags`: each configured source's tags (`sources[].tags`), by source id, which `source:`
    conditions match as well as the id; an item from a source not in it has no tags. `reports`: where
    `reports:` conditions read the reports of an item's event or story (reports.HappeningReports in the
    daemon); without it they never hold."""

    slow_after = 1.0   # seconds to match one item: beyond it, `process` logs rule_match_slow

    def __init__(self, rules: list[Rule], tables: Tables | None = None,
                 source_tags: dict[str, frozenset[str]] | None = None, reports: ReportLookup | None = None):
        self.source_tags = {sid: frozenset(tags) for sid, tags in (source_tags or {}).items()}
        self.reports = reports
        with gc_paused():
            self._compile(rules, tables)

    def _compile(self, rules: list[Rule], tables: Tables | None) -> None:
        self.rules = [r for r in rules if r.enabled]
        self.tables = tables
        self.keywords: list[Keywords] = []
        canonical: dict[tuple[object, ...], Condition] = {}
        for rule in self.rules:
            rule.when = intern(rule.when, canonical)
        self.conditions = len(canonical)   # distinct condition nodes
        seen: set[int] = set()
        for rule in self.rules:
            for node in walk(rule.when):
                if id(node) not in seen:
                    seen.add(id(node))
                    self._bind(node, rule)
        self.keyword_index = self._keyword_index()
        memo: ClauseMemo = {}
        ranks: dict[AtomSet, tuple[int, int]] = {}
        order = lambda req: ranks.get(req) or ranks.setdefault(req, rarity(req))  # noqa: E731
        rule_clauses = [sorted(set(clauses(rule.when, memo=memo)), key=order) for rule in self.rules]
        self.index = RuleIndex(rule_clauses)
        self.exact = [exact(rule.when, memo) for rule in self.rules]   # True: a candidate is a match
        self.atom_kinds = frozenset(atom[0] for reqs in rule_clauses for req in reqs for atom in req)

    def _bind(self, node: Condition, rule: Rule) -> None:
        if isinstance(node, Keywords):
            node.id = len(self.keywords)
            self.keywords.append(node)
        elif isinstance(node, EventCondition) and node.where is not None:
            self._bind(node.where, rule)     # `where` is a Place the tree does not walk into
        elif isinstance(node, (Country, Place)):
            node.tables = self.tables
        if isinstance(node, Region):
            node.members = self._members(node.slugs, rule)
        elif isinstance(node, Place) and node.regions:
            node.region_members = self._members(node.regions, rule)

    def _members(self, slugs: list[str], rule: Rule) -> set[str]:
        members: set[str] = set()
        for slug in slugs:
            region = self.tables.regions.get(slug) if self.tables else None
            if region is None:
                log.warning(fields("rule_unknown_region", rule_id=rule.id, region=slug))
                continue
            members |= set(region.countries)
        return members

    def _keyword_index(self) -> TermIndex | None:
        """One automaton for every phrase of every keywords condition; binds each to its term ids."""
        terms = [(form, (kw.id, phrase)) for kw in self.keywords for form, phrase in kw.terms()]
        if not terms:
            return None
        index = TermIndex(terms)
        phrase_of: list[dict[int, str]] = [{} for _ in self.keywords]
        for tid in range(len(index)):
            for kw_id, phrase in index.payloads(tid):
                phrase_of[kw_id].setdefault(tid, phrase)   # the first phrase of that condition for the term
        for kw, terms_of in zip(self.keywords, phrase_of):
            kw.bind(index, terms_of)
        return index

    def context(self, item: Item, source_tags: Iterable[str] | None = None, memo: bool = True) -> MatchContext:
        """The item's per-item work, shared by every rule: keyword hits, and (with `memo`) each
        condition's answer, computed once. `memo=False`: every `test` computes afresh.
        `source_tags`: the item's source's tags (default: those of its `source_id` in `self.source_tags`)."""
        hits = KeywordHits(self.keyword_index, item.title, item.text) if self.keyword_index is not None else None
        tags = self.source_tags.get(item.source_id, frozenset()) if source_tags is None else frozenset(source_tags)
        return MatchContext(item, keywords=hits, source_tags=tags, memo=memo, reports=self.reports)

    def atoms(self, ctx: MatchContext) -> set[Atom]:
        return item_atoms(ctx, ctx.keywords.terms if ctx.keywords is not None else (), self.atom_kinds)

    def candidates(self, ctx: MatchContext) -> list[int]:
        """Indices into `self.rules` (ascending) of the rules the item could satisfy."""
        return self.index.candidates(self.atoms(ctx))

    def match(self, item: Item, source_tags: Iterable[str] | None = None) -> list[Match]:
        """The rules that hold for the item, in rule order; each match builds its evidence when asked."""
        ctx = self.context(item, source_tags)
        rules, is_exact, holds = self.rules, self.exact, ctx.holds
        return [Match(rules[i], item, None, ctx) for i in self.candidates(ctx) if is_exact[i] or holds(rules[i].when)]

    def explain(self, item: Item, source_tags: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """Near-misses: every rule that did not match, with the clauses that failed."""
        ctx = self.context(item, source_tags)
        out = []
        for rule in self.rules:
            if ctx.test(rule.when) is None:
                failed = rule.when.explain(ctx) if hasattr(rule.when, "explain") else [f"{rule.when.path}: did not hold"]
                out.append({"rule": rule.id, "failed": failed})
        return out

    def process(self, items: list[Item]) -> list[Match]:
        """Every match of every item, each with its source's tags (`self.source_tags`). An item whose
        matching takes longer than `slow_after` seconds is logged (`rule_match_slow`)."""
        out: list[Match] = []
        for item in items:
            started = time.perf_counter()
            found = self.match(item)
            took = time.perf_counter() - started
            if took > self.slow_after:
                log.warning(fields("rule_match_slow", item_id=item.id, source_id=item.source_id,
                                   ms=round(took * 1000), rules=len(self.rules), matched=len(found)))
            out += found
        return out
