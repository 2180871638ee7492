"""What conditions look at: the item, its facts, and per-item work done once for all rules.

`RuleMatcher.context` turns on two per-item memos (`memo=True`); a bare `MatchContext(item)`
has neither, and every condition computes its answer afresh:

- by condition node (`holds`, `test`, `positions`): the matcher interns its conditions at compile time,
  so every rule whose tree holds the same condition (same parameters, same clause path) shares
  one node object, and one answer per item serves all of them;
- by condition parameters (`accepted`): the mentions a fact condition accepts, whatever its
  clause path (`topic: visit` at `when.all[1]` and inside a `near` look at the same mentions).

Memoized answers are shared between rules: callers must not change the lists they get.
"""
from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, TypeVar

from newswatch.classify.affiliation import not_a_venue
from alerts.rules.node import Condition, FactCondition, Positional
from alerts.rules.topic_actor import topic_names
from newswatch.classify.model import Facts, Mention
from newswatch.model.alert import Evidence
from newswatch.model.item import Item

if TYPE_CHECKING:
    from alerts.rules.keywords import KeywordHits

_WORD = re.compile(r"\w+")
# An actor or role mention as `people` gives it: (mention, role, value casefolded, name casefolded).
Person = tuple[Mention, str | None, str, str]
# The recorded reports of an item's event (else story), first seen first: dicts with source_id, item_id,
# url, title, seen_at (newswatch.pipeline.stories.story_reports); None where none are kept (a dry run).
ReportLookup = Callable[[Item], "list[dict[str, Any]] | None"]
T = TypeVar("T")


@dataclass
class MatchContext:
    item: Item
    now: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    keywords: KeywordHits | None = None  # set by RuleMatcher.context
    source_tags: frozenset[str] = frozenset()
    memo: bool = False
    reports: ReportLookup | None = None  # for `reports:` (alerts/rules/reports.py); set by RuleMatcher.context
    _words: dict[str, list[int]] = field(default_factory=dict)
    _starts: dict[str, list[int]] = field(default_factory=dict)
    _mentions: dict[tuple[str, ...], list[Mention]] = field(default_factory=dict)
    _derived: dict[object, Any] = field(default_factory=dict)  # per-item views of the facts, built on first use
    _tested: dict[int, list[Evidence] | None] | None = None
    _held: dict[int, bool] | None = None
    _positions: dict[int, list[Evidence]] | None = None
    _accepted: dict[tuple[object, ...], list[Mention]] | None = None
    _cues: dict[tuple[str, int], list[Mention]] | None = None
    _cues_of: dict[int, frozenset[str]] = field(default_factory=dict)  # id(topic mention) -> its cues
    _venue: dict[int, bool] = field(default_factory=dict)       # id(place mention) -> is_venue

    def __post_init__(self) -> None:
        if self.memo:
            self._tested, self._held, self._positions, self._accepted = {}, {}, {}, {}

    @property
    def facts(self) -> Facts:
        return self.item.facts or Facts()

    def text(self, field_name: str) -> str:
        return self.item.title if field_name == "title" else self.item.text

    # --- condition answers, memoized per item when `memo` ---------------------------------------

    def test(self, node: Condition) -> list[Evidence] | None:
        """`node.test(self)`, computed once per item and node."""
        memo = self._tested
        if memo is None:
            return node.test(self)
        key = id(node)
        if key in memo:
            return memo[key]
        found = memo[key] = node.test(self)
        return found

    def holds(self, node: Condition) -> bool:
        """Whether `node` holds (`node.holds(self)`: what `test` decides, without building the
        evidence), computed once per item and node."""
        memo = self._held
        if memo is None:
            return node.holds(self)
        found = memo.get(id(node))
        if found is None:
            found = memo[id(node)] = node.holds(self)
        return found

    def positions(self, node: Positional) -> list[Evidence]:
        """`node.positions(self)`, computed once per item and node."""
        memo = self._positions
        if memo is None:
            return node.positions(self)
        found = memo.get(id(node))
        if found is None:
            found = memo[id(node)] = node.positions(self)
        return found

    def accepted(self, condition: FactCondition) -> list[Mention]:
        """The mentions a fact condition accepts (`condition.accepts_in(self)`), once per item and
        per distinct `condition.key` (its parameters without its clause path)."""
        memo = self._accepted
        if memo is None:
            return condition.accepts_in(self)
        found = memo.get(condition.key)
        if found is None:
            found = memo[condition.key] = condition.accepts_in(self)
        return found

    def derived(self, key: object, build: Callable[[], T]) -> T:
        """`build()`, once per item and `key`: a per-item view shared by the conditions that ask for
        it under the same key (the events an `event:` condition accepts, the item's reports)."""
        if key in self._derived:
            found: T = self._derived[key]
            return found
        made = self._derived[key] = build()
        return made

    # --- the text ------------------------------------------------------------------------------

    def sentence_of(self, field_name: str, pos: int) -> int:
        """Index of the last sentence starting at or before `pos` (0 before the first)."""
        starts = self._starts.get(field_name)
        if starts is None:
            spans = self.facts.sentences.get(field_name) or [(0, len(self.text(field_name)))]
            starts = self._starts[field_name] = [start for start, _ in spans]
        return max(0, bisect_right(starts, pos) - 1)

    def word_index(self, field_name: str, pos: int) -> int:
        """How many words of the field start before `pos` (for `near: {within: N}`)."""
        starts = self._words.get(field_name)
        if starts is None:
            starts = self._words[field_name] = [m.start() for m in _WORD.finditer(self.text(field_name))]
        return bisect_left(starts, pos)

    # --- the facts -----------------------------------------------------------------------------

    def mentions(self, *kinds: str) -> list[Mention]:
        found = self._mentions.get(kinds)
        if found is None:
            found = self._mentions[kinds] = [m for m in self.facts.evidence if m.kind in kinds]
        return found

    def of_countries(self, kinds: tuple[str, ...], countries: Collection[str | None]) -> list[Mention]:
        """`mentions(*kinds)` whose country is in `countries` (a set), in their order: looked up by
        country, so a region of 50 countries costs what the item's few countries cost."""
        key = ("by country", kinds)
        groups: dict[str | None, list[int]] | None = self._derived.get(key)
        if groups is None:
            groups = self._derived[key] = {}
            for i, m in enumerate(self.mentions(*kinds)):
                groups.setdefault(m.country, []).append(i)
        hit = [group for country, group in groups.items() if country in countries]
        if not hit:
            return []
        mentions = self.mentions(*kinds)
        if len(hit) == 1:
            return [mentions[i] for i in hit[0]]
        return [mentions[i] for i in sorted([i for group in hit for i in group])]

    def people(self, nationality: str | None = None) -> list[Person]:
        """(mention, role, value casefolded, name casefolded) of every actor mention, then every
        role mention ("Sergei Lavrov" before "Russian Foreign Minister"); of one nationality if given."""
        everyone: list[Person] | None = self._derived.get("people")
        if everyone is None:
            everyone = self._derived["people"] = [
                (m, m.extra.get("role"), m.value.casefold(), m.extra.get("name", m.text).casefold())
                for m in self.mentions("actor") + self.mentions("role")]
            by_country: dict[str | None, list[Person]] = {}
            for person in everyone:
                by_country.setdefault(person[0].country, []).append(person)
            self._derived["people by country"] = by_country
        if nationality is None:
            return everyone
        found: list[Person] = self._derived["people by country"].get(nationality, [])
        return found

    def may_name(self, name: str) -> bool:
        """False when no actor or role mention can be named `name` (not an id, nor part of a name):
        a test in C that spares most `actor: <name>` conditions their scan of `people()`."""
        names: tuple[set[str], str] | None = self._derived.get("people names")
        if names is None:
            people = self.people()
            names = self._derived["people names"] = ({p[2] for p in people}, "\n".join(p[3] for p in people))
        return name in names[0] or name in names[1]

    def topic_names(self, value: str) -> frozenset[str]:
        """Every name a `topic` condition may use for this topic path (`topic_names`, once per item)."""
        names: frozenset[str] | None = self._derived.get(("topic names", value))
        if names is None:
            names = self._derived[("topic names", value)] = frozenset(topic_names(value))
        return names

    def is_venue(self, mention: Mention) -> bool:
        """Whether a place mention may be where something happens (affiliation.not_a_venue), once
        per mention and item, whichever `place` conditions ask."""
        found = self._venue.get(id(mention))
        if found is None:
            found = self._venue[id(mention)] = not not_a_venue(self.text(mention.field), mention)
        return found

    def cues(self, mention: Mention) -> frozenset[str]:
        """The modality cues ("planned", "denied", ...) that bear on a topic mention: those of its
        sentence, but a bare future marker ("will", « sera », «будет», «سيكون») only within
        GENERIC_REACH words of it: in "Chad and Russia will cooperate in the areas of development
        and security, Lavrov told a press conference in N'Djamena" the "will" is not the visit's."""
        if self._cues is None:
            by_sentence: dict[tuple[str, int], list[Mention]] = {}
            for cue in self.mentions("modality"):
                by_sentence.setdefault((cue.field, cue.sentence), []).append(cue)
            self._cues = by_sentence
        answer = self._cues_of.get(id(mention))
        if answer is None:
            found: Collection[Mention] = self._cues.get((mention.field, mention.sentence), ())
            answer = self._cues_of[id(mention)] = frozenset(
                cue.value for cue in found if cue.entry.casefold() not in GENERIC_CUES
                or self._words_between(mention.field, cue, mention) <= GENERIC_REACH)
        return answer

    def _words_between(self, field_name: str, a: Mention, b: Mention) -> int:
        lo, hi = (a.end, b.start) if a.end <= b.start else (b.end, a.start)
        return len(self.text(field_name)[lo:hi].split()) if lo < hi else 0


GENERIC_CUES = frozenset({"will", "sera", "будет", "سيكون"})   # newswatch/classify/data/topics.yaml modality.planned
GENERIC_REACH = 6   # words between such a cue and the topic word it makes planned

