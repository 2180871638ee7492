"""The matcher's prefilter: from an item's atoms (cheap facts) to the rules it could satisfy.

An *atom* is a small tuple: ("t", term id) for a keyword term found, ("about", "ML"),
("place", "capital", "ML"), ("topic+planned", "visit"), ("actor", "RU", "official"),
("event", "visit", "happened"), ...
`item_atoms` lists an item's atoms; `clauses(node)` lists the atom sets an item must meet, at
least one atom of each, for `node` to hold. Both sides are written from the conditions' own
code (`accepts_in`, `test`): an atom set is necessary, so the prefilter only skips rules that
cannot hold, and `holds` decides the rest. For most kinds the sets are sufficient as well
(`exact`): a rule made only of those holds whenever its sets are met, and is not tested.

`RuleIndex` checks every such set of every rule at once, the way a percolator does: each
rule's sets go into numbered slots, and per slot and atom a bitset (a Python int) marks the
rules whose set in that slot holds the atom. An item's candidates are the AND over slots of
the OR of its atoms' bitsets: per item, one dict look-up per atom and a few big-int ORs,
whatever the number of rules.
"""
from __future__ import annotations

import itertools
import math
import sys
from array import array
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from alerts.rules.conditions import Group, Lang, Source
from alerts.rules.events import EventCondition
from alerts.rules.facts import PLACE_KINDS, PLACE_MENTIONS, Country, Place, Region
from alerts.rules.keywords import Keywords
from alerts.rules.near import Near
from alerts.rules.node import Condition
from alerts.rules.topic_actor import Actor, Topic, modality_holds, role_family, topic_names

if TYPE_CHECKING:
    from alerts.rules.context import MatchContext

Atom = tuple[str, *tuple[str | int | None, ...]]   # (kind, values...): ("t", 17), ("place", "capital", "ML")
AtomSet = frozenset[Atom]
# What `clauses` keeps while the nodes live: (id(node), positional) -> its atom sets, and
# ("set", atom set) -> the one copy of that set shared by every rule.
ClauseMemo = dict[tuple[object, object], Any]
_EMPTY: AtomSet = frozenset()

# How rare an atom kind is on an item (lower: rarer); orders a rule's sets and picks one set
# for an `any` branch that has several.
RANK = {"t": 0, "source": 1, "pname": 1, "about": 2, "place": 2, "event": 2, "actor": 3, "mentioned": 3, "pk": 3,
        "topic+planned": 3, "rname": 4, "region": 4, "topic+happened": 5, "topic": 5, "lang": 6}
ANY_SETS = 8   # an `any` is multiplied out into at most this many atom sets
PLACE_TAG = {None: "*", "city": "city", "capital": "capital", "country": "country"}


def rarity(req: AtomSet) -> tuple[int, int]:
    """Sort key of an atom set: the rarest kind in it, then its size."""
    kinds = {atom[0] for atom in req}
    return (min(RANK[kind] for kind in kinds) if kinds else 0, len(req))


def clauses(node: Condition, positional: bool = False, memo: ClauseMemo | None = None) -> list[AtomSet]:
    """Every atom set an item must meet for `node` to hold: as `test` says, or as `positions`
    says when `positional` (inside `near`, where only the positions count). `memo` (a dict the
    caller keeps while its nodes live) answers each shared node once."""
    if memo is None:
        return _clauses(node, positional, {})
    key = (id(node), positional)
    found: list[AtomSet] | None = memo.get(key)
    if found is None:
        found = memo[key] = _clauses(node, positional, memo)
    return found


def _clauses(node: Condition, positional: bool, memo: ClauseMemo) -> list[AtomSet]:
    if isinstance(node, Near):
        return [c for child in node.children for c in clauses(child, True, memo)]
    if isinstance(node, Group):
        if node.op == "all" and not positional:
            return [c for child in node.children for c in clauses(child, False, memo)]
        if node.op == "any":
            if not positional:
                # (a1 and a2) or b  =  (a1 or b) and (a2 or b): one set per choice of a set in each
                # branch, as long as that stays small. Exact when the branches are (see `exact`).
                per_child = [clauses(child, False, memo) for child in node.children]
                if all(per_child) and math.prod(len(c) for c in per_child) <= ANY_SETS:
                    return [_EMPTY.union(*choice) for choice in itertools.product(*per_child)]
            reqs = [requirement(child, positional, memo) for child in node.children]
            needed = [r for r in reqs if r is not None]
            return [_EMPTY.union(*needed)] if len(needed) == len(reqs) else []
        return []
    found = _leaf(node, positional)
    # Identical sets (a region's 50 countries in 300 rules) become one object: cheaper to index.
    return [memo.setdefault(("set", req), req) for req in found]


def requirement(node: Condition, positional: bool = False, memo: ClauseMemo | None = None) -> AtomSet | None:
    """The rarest of `clauses(node)` (None: the node needs no atom)."""
    reqs = clauses(node, positional, memo)
    return min(reqs, key=rarity) if reqs else None


def exact(node: Condition, memo: ClauseMemo | None = None) -> bool:
    """Whether meeting every atom set of `clauses(node)` is also enough for `node` to hold, so that
    the index's answer is the match and `holds` need not run. True for an `all` of (or a single)
    keywords bound to the shared automaton, country, region, topic (with its modality), actor
    without a name, event with neither who nor where (its atom: type and modality), lang and source: for each, `item_atoms` lists exactly the facts its `holds`
    looks at; and for an `any` of them whose sets were multiplied out (at most ANY_SETS). Not for
    places (the venue check is not an atom), actor names, regex, dates, `near` (positions) or
    `none`. `memo`: as for `clauses`. tests/alerts/rules/test_matcher_exact.py
    checks it against `test` on real items for every kind."""
    if isinstance(node, Group):
        if node.op == "none" or not all(exact(child, memo) for child in node.children):
            return False
        return node.op == "all" or math.prod(len(clauses(c, memo=memo)) for c in node.children) <= ANY_SETS
    if isinstance(node, Keywords):
        return node.term_ids() is not None
    if isinstance(node, Actor):
        return not node.names
    if isinstance(node, EventCondition):   # type and modality are its atom; who and where are tested
        return node.who is None and node.where is None
    return isinstance(node, (Country, Region, Topic, Lang, Source))


def _leaf(node: Condition, positional: bool) -> list[AtomSet]:
    if isinstance(node, Keywords):
        tids = node.term_ids()   # None: not bound to a shared automaton, so no atom to ask for
        return [frozenset(("t", tid) for tid in tids)] if tids is not None else []
    if isinstance(node, Country):
        mentioned = frozenset(("pk", c) for c in node.codes)
        pool = "mentioned" if node.mentioned else "about"
        return [mentioned] if positional else [frozenset((pool, c) for c in node.codes), mentioned]
    if isinstance(node, Region):
        named = frozenset([("rname", s) for s in node.slugs] + [("pk", c) for c in node.members])
        return [named] if positional else [frozenset(("region", s) for s in node.slugs), named]
    if isinstance(node, Place):
        return _place(node)
    if isinstance(node, Topic):
        kind = "topic" if node.modality is None else f"topic+{node.modality}"
        return [frozenset((kind, n) for n in node.names)]
    if isinstance(node, Actor):
        nats, roles = node.nationality or {"*"}, role_family(node.role) or {"*"}
        return [frozenset(("actor", n, r) for n in nats for r in roles)]
    if isinstance(node, EventCondition):
        return [frozenset(("event", t, m) for t in node.types for m in node.modalities)]
    if isinstance(node, Lang):
        return [frozenset(("lang", x) for x in node.langs)]
    if isinstance(node, Source):
        return [frozenset(("source", x) for x in node.ids)]
    return []   # regex, published_within, reports: no atom


def _place(node: Place) -> list[AtomSet]:
    tag = PLACE_TAG[node.kind]
    countries = node.countries
    if node.region_members is not None:
        countries = countries & node.region_members if countries else node.region_members
    out: list[AtomSet] = [frozenset(("place", tag, c) for c in countries) if countries is not None
           else frozenset({("place", tag, "*")})]
    if node.names:
        out.append(frozenset(("pname", n) for n in node.names))
    return out


ALL_KINDS = frozenset(RANK)


def item_atoms(ctx: MatchContext, term_ids: Iterable[int] = (), kinds: frozenset[str] = ALL_KINDS) -> set[Atom]:
    """The item's atoms of the given kinds (those some rule asks for); `term_ids`: the keyword
    terms found in it. The atoms of a mention depend on a few of its fields only, so they are
    built once per distinct fields (`_ATOMS`) and shared by every item."""
    facts, item = ctx.facts, ctx.item
    atoms: set[Atom] = {("t", t) for t in term_ids}
    for kind, values in (("about", facts.countries), ("mentioned", facts.mentioned), ("region", facts.regions)):
        if kind in kinds:
            atoms.update([(kind, v) for v in values])
    if "pk" in kinds:
        atoms.update([("pk", m.country) for m in ctx.mentions(*PLACE_KINDS)])
    if "place" in kinds or "pname" in kinds:
        for m in ctx.mentions(*PLACE_MENTIONS):
            atoms.update(_place_atoms(m.kind, bool(m.extra.get("capital")), m.country))
            atoms.update((("pname", m.extra.get("name", m.text).casefold()), ("pname", m.text.casefold())))
    if "rname" in kinds:
        atoms.update([("rname", m.value) for m in ctx.mentions("region")])
    if kinds & {"topic", "topic+happened", "topic+planned"}:
        for m in ctx.mentions("topic"):
            cues = ctx.cues(m)
            atoms.update(_topic_atoms(m.value, modality_holds("happened", cues), modality_holds("planned", cues)))
    if "actor" in kinds:
        for m in ctx.mentions("actor", "role"):
            atoms.update(_actor_atoms(m.country, m.extra.get("role")))
    if "event" in kinds:
        atoms.update([("event", e.type, e.modality) for e in facts.events])
    atoms.update((("lang", item.lang or facts.lang), ("source", item.source_id)))
    atoms.update([("source", t) for t in ctx.source_tags])
    return atoms


_ATOMS: dict[tuple[object, ...], tuple[Atom, ...]] = {}   # (what, fields of a mention) -> its atoms; bounded


def _place_atoms(kind: str, capital: bool, country: str | None) -> tuple[Atom, ...]:
    key = ("place", kind, capital, country)
    found = _ATOMS.get(key)
    if found is None:
        tags: tuple[str, ...] = ("*",)
        if kind == "city":
            tags = ("*", "city", "capital") if capital else ("*", "city")
        elif kind == "country":
            tags = ("*", "country")
        found = _ATOMS[key] = tuple(("place", tag, c) for tag in tags for c in (country, "*"))
    return found


def _topic_atoms(value: str, happened: bool, planned: bool) -> tuple[Atom, ...]:
    key = ("topic", value, happened, planned)
    found = _ATOMS.get(key)
    if found is None:
        tags = ["topic"] + (["topic+happened"] if happened else []) + (["topic+planned"] if planned else [])
        found = _ATOMS[key] = tuple((tag, n) for n in topic_names(value) for tag in tags)
    return found


def _actor_atoms(country: str | None, role: str | None) -> tuple[Atom, ...]:
    key = ("actor", country, role)
    found = _ATOMS.get(key)
    if found is None:
        found = _ATOMS[key] = (("actor", country, role), ("actor", country, "*"), ("actor", "*", role),
                               ("actor", "*", "*"))
    return found


def _bits(indices: list[int]) -> int:
    if not indices:
        return 0
    out = bytearray((max(indices) >> 3) + 1)
    for i in indices:
        out[i >> 3] |= 1 << (i & 7)
    return int.from_bytes(out, "little")


class RuleIndex:
    """Rules by the atom sets they need; `candidates(atoms)`: the rules whose every set is met."""

    def __init__(self, rule_clauses: list[list[AtomSet]]):
        self.size = len(rule_clauses)
        slots = max((len(c) for c in rule_clauses), default=0)
        by_set: dict[tuple[int, AtomSet], list[int]] = {}       # (slot, atom set) -> rules
        for index, reqs in enumerate(rule_clauses):
            for slot, req in enumerate(reqs):
                by_set.setdefault((slot, req), []).append(index)
        by_atom: dict[Atom, dict[int, int]] = {}                # atom -> slot -> bitset of rules
        for (slot, req), rules in by_set.items():
            bits = _bits(rules)
            for atom in req:
                per_slot = by_atom.setdefault(atom, {})
                per_slot[slot] = per_slot.get(slot, 0) | bits
        # Per slot, the rules with fewer sets than that: the slot asks nothing of them.
        self.free = [_bits([i for i, c in enumerate(rule_clauses) if len(c) <= s]) for s in range(slots)]
        self.table = {atom: tuple(per_slot.items()) for atom, per_slot in by_atom.items()}
        self.everyone = (1 << self.size) - 1
        self.nwords = (self.size >> 6) + 1

    def candidates(self, atoms: Iterable[Atom]) -> list[int]:
        """Indices (ascending) of the rules whose every atom set meets `atoms`."""
        acc = list(self.free)
        table = self.table
        for atom in atoms:
            entry = table.get(atom)
            if entry is not None:
                for slot, bits in entry:
                    acc[slot] |= bits
        chosen = self.everyone
        for bits in acc:
            chosen &= bits
        return ones(chosen, self.nwords) if chosen else []


def ones(bits: int, nwords: int) -> list[int]:
    """The positions of the 1 bits of `bits` (< 2 ** (64 * nwords)), ascending: a few among
    thousands, so only the non-zero 64-bit words are looked at bit by bit."""
    words = array("Q", bits.to_bytes(nwords * 8, "little"))
    if sys.byteorder == "big":
        words.byteswap()
    out: list[int] = []
    for at in [i for i, w in enumerate(words) if w]:
        word, base = words[at], at << 6
        while word:
            low = word & -word
            out.append(base + low.bit_length() - 1)
            word ^= low
    return out
