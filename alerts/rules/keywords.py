"""`keywords`: any of the phrases, found for every rule at once by one automaton per item.

`RuleMatcher` puts every phrase form of every rule into one `TermIndex` and binds each
`Keywords` condition to the term ids of its own phrases. Per item, `KeywordHits` runs the
automaton once and keeps the bare spans (every hit, overlapping ones too); a condition builds
its evidence from its own terms' spans only when it is tested, choosing leftmost-longest among
them as its own automaton would (one rule's "Sergei Lavrov" does not hide another's "Lavrov").
A condition tested without a bound `KeywordHits` (a bare `MatchContext`, or a context of
another matcher) runs its own automaton.

From `TermIndex` this takes `payloads(tid)` (at compile time), `locate` (a hit's offsets
without building a `Hit`) and `_candidates` (every overlapping span, what `find_all` builds
its `Hit`s from; a public `find_all_spans` there would be the clean way).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from alerts.rules.node import Errors, Where
from newswatch.model.alert import Evidence
from newswatch.classify.automaton import TermIndex
from newswatch.classify.morphology import variants
from newswatch.classify.normalize import normalize
from newswatch.config.yamlconf import key_name

if TYPE_CHECKING:
    from alerts.rules.context import MatchContext

FIELDS = ("title", "text")
Span = tuple[int, int, int, int]           # (field 0 title | 1 text, nstart, nend, term id)
Located = tuple[int, int, int, int, str]   # (start, end, nstart, nend, the words): see KeywordHits.hit
PieceKey = tuple[str, int, str]            # (clause path, span index, phrase)


@lru_cache(maxsize=65536)
def phrase_forms(phrase: str) -> frozenset[str]:
    """The phrase and its inflections in the language its script suggests (ru, ar; else en and fr).
    Cached: 10,000 rules repeat many phrases, and inflecting is most of what compiling them costs."""
    kind = "phrase" if " " in phrase.strip() else "name"
    if any("\u0400" <= c <= "\u04ff" for c in phrase):
        return frozenset(variants(phrase, "ru", kind))
    if any("\u0600" <= c <= "\u06ff" for c in phrase):
        return frozenset(variants(phrase, "ar", kind))
    return frozenset(variants(phrase, "en", kind) | variants(phrase, "fr", kind))


class KeywordHits:
    """One item's hits of a matcher's keyword automaton: the term ids found (`terms`, all that
    deciding a match needs), and on demand the spans (title first, then text, each in the
    automaton's order: leftmost, then longest), `Hit`s and evidence."""

    __slots__ = ("index", "norms", "terms", "_found", "_spans", "_by_term", "_hits", "_evidence")

    def __init__(self, index: TermIndex, title: str, text: str):
        self.index = index
        self.norms = (normalize(title), normalize(text))
        # Every word-bounded hit, overlapping ones too, leftmost then longest first: what
        # TermIndex.find_all returns, without building a Hit for each (most are never looked at).
        self._found = [index._candidates(norm) for norm in self.norms]
        self.terms = frozenset([tid for found in self._found for _, _, tid in found])   # the term ids found
        self._spans: list[Span] | None = None
        self._by_term: dict[int, list[int]] | None = None
        self._hits: list[Located | None] = []    # per span, built with the spans
        self._evidence: dict[PieceKey, Evidence] = {}

    @property
    def spans(self) -> list[Span]:
        """Every hit as (field 0 title | 1 text, nstart, nend, term id), built when evidence is."""
        if self._spans is None:
            self._spans = [(f, nstart, -neg_end, tid) for f, found in enumerate(self._found)
                           for nstart, neg_end, tid in found]
            self._hits = [None] * len(self._spans)
        return self._spans

    @property
    def by_term(self) -> dict[int, list[int]]:
        """Term id -> indices into `spans`."""
        if self._by_term is None:
            self._by_term = {}
            for i, span in enumerate(self.spans):
                self._by_term.setdefault(span[3], []).append(i)
        return self._by_term

    def hit(self, i: int) -> Located:
        """Span i as (start, end) in the original field, (nstart, nend) in the normalized one, and
        the words it covers: what `TermIndex.hit` gives, without building a `Hit`."""
        spans = self.spans
        found = self._hits[i]
        if found is None:
            f, nstart, nend, tid = spans[i]
            norm = self.norms[f]
            start, end, nstart, nend, _ = self.index.locate(norm, nstart, nend, tid)
            found = self._hits[i] = (start, end, nstart, nend, norm.original[start:end])
        return found

    def evidence(self, ctx: MatchContext, clause: str, tids: frozenset[int],
                 phrase_of: dict[int, str]) -> list[Evidence]:
        """The evidence of one keywords condition (its clause path, its term ids, the phrase of
        each): leftmost-longest among its own terms' hits. Each piece is built once per item and
        shared by the conditions with the same clause path and phrase (`when.keywords`, "Bamako")."""
        found_terms = tids & self.terms
        if not found_terms:
            return []
        by_term, cache = self.by_term, self._evidence     # builds the spans (and _hits) on first use
        if len(found_terms) == 1:
            [tid] = found_terms
            found = by_term[tid]
            if len(found) == 1:       # the common case: one hit
                key = (clause, found[0], phrase_of[tid])
                return [cache.get(key) or self._piece(ctx, key)]
        else:
            found = sorted([i for tid in found_terms for i in by_term[tid]])  # field, leftmost, longest
        spans, hits = self.spans, self._hits
        out: list[Evidence] = []
        taken_field, taken_end = -1, -1
        for i in found:
            hit = hits[i] or self.hit(i)
            f = spans[i][0]
            if f == taken_field and hit[2] < taken_end:
                continue           # overlaps the hit this condition already took
            taken_field, taken_end = f, hit[3]
            key = (clause, i, phrase_of[spans[i][3]])
            out.append(cache.get(key) or self._piece(ctx, key))
        return out

    def _piece(self, ctx: MatchContext, key: PieceKey) -> Evidence:
        clause, i, phrase = key
        start, end, _, _, surface = self._hits[i] or self.hit(i)
        field_name = FIELDS[self.spans[i][0]]
        piece = self._evidence[key] = Evidence(clause, "keywords", surface, field_name, start, end, phrase,
                                               ctx.sentence_of(field_name, start), phrase)
        return piece


@dataclass
class Keywords:
    """Any of the phrases, matched like the classifier matches names: normalized, inflected,
    Arabic proclitics allowed, on Unicode word boundaries, in the title or text."""

    path: str
    phrases: list[str]
    id: int = -1                       # set by RuleMatcher: its index in RuleMatcher.keywords
    _index: TermIndex | None = field(default=None, repr=False)
    # Set by RuleMatcher.bind: (its TermIndex, {term id: the phrase it stands for}, the term ids).
    _bound: tuple[TermIndex, dict[int, str], frozenset[int]] | None = field(default=None, repr=False)

    positional = True

    @classmethod
    def parse(cls, value: Any, path: Where, errors: Errors) -> Keywords | None:
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not items or not all(isinstance(v, str) and v.strip() for v in items):
            errors.append((path, "keywords must be a phrase or a non-empty list of phrases"))
            return None
        return cls(key_name(path), items)

    def terms(self) -> list[tuple[str, str]]:
        return [(form, phrase) for phrase in self.phrases for form in phrase_forms(phrase)]

    def bind(self, index: TermIndex, phrase_of: dict[int, str]) -> None:
        self._bound = (index, phrase_of, frozenset(phrase_of))

    def term_ids(self) -> list[int] | None:
        """The ids of this condition's terms in the bound automaton (None: not bound)."""
        return list(self._bound[2]) if self._bound is not None else None

    def test(self, ctx: MatchContext) -> list[Evidence] | None:
        hits = ctx.keywords
        bound = self._bound
        if hits is not None and bound is not None and bound[0] is hits.index:
            return hits.evidence(ctx, self.path, bound[2], bound[1]) or None
        if self._index is None:
            self._index = TermIndex(self.terms())
        out: list[Evidence] = []
        for field_name in FIELDS:
            for hit in self._index.find(normalize(ctx.text(field_name))):
                out.append(Evidence(self.path, "keywords", hit.surface, field_name, hit.start, hit.end,
                                    hit.payloads[0], ctx.sentence_of(field_name, hit.start), hit.payloads[0]))
        return out or None

    def holds(self, ctx: MatchContext) -> bool:
        hits, bound = ctx.keywords, self._bound
        if hits is not None and bound is not None and bound[0] is hits.index:
            return not bound[2].isdisjoint(hits.terms)
        return ctx.test(self) is not None

    def positions(self, ctx: MatchContext) -> list[Evidence]:
        """Every place a phrase stands (what `near` combines)."""
        return ctx.test(self) or []
