"""`near`: conditions that must hold close together — in one sentence, or within N words.

    near:
      scope: sentence        # or: within: 12
      all:
        - actor: {nationality: RU, role: official}
        - place: {region: sahel, kind: capital}
        - topic: visit

This is what tells "Lavrov arrived in Bamako" from "Goïta flew to Moscow; back
in Bamako…": each child gives every position where it holds, and `near`
looks for one position of each child in the same field and sentence (or
window of words).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from alerts.rules.node import Errors, FactCondition, Parser, Positional, Where
from newswatch.classify.model import Mention
from newswatch.model.alert import Evidence
from newswatch.config.yamlconf import key_name, unknown_key_message

if TYPE_CHECKING:
    from alerts.rules.conditions import Group
    from alerts.rules.context import MatchContext


def spots(node: Positional, ctx: MatchContext) -> Sequence[Mention | Evidence]:
    """Where a positional condition holds, in the order of its `positions`, as objects with field,
    sentence and start: for a fact condition its accepted mentions (no evidence built: most `near`
    tests fail, and evidence is built only for the combination that holds), else its evidence."""
    if hasattr(node, "accepts_in"):
        return ctx.accepted(cast(FactCondition, node))
    if getattr(node, "op", None) == "any":   # a positional `any` (conditions.Group): so are its children
        children = cast("list[Positional]", cast("Group", node).children)
        return [s for child in children for s in spots(child, ctx)]
    return ctx.positions(node)


@dataclass
class Near:
    path: str
    children: list[Positional]
    scope: str            # "sentence" or "words"
    within: int | None
    positional = True

    @classmethod
    def parse(cls, value: Any, path: Where, errors: Errors, parse_child: Parser) -> Near | None:
        if not isinstance(value, dict) or "all" not in value:
            errors.append((path, "near takes {scope: sentence | within: N, all: [conditions]}"))
            return None
        unknown = [k for k in value if k not in ("scope", "within", "all")]
        if unknown:
            errors.append((path + (unknown[0],), unknown_key_message(unknown[0], ("all", "scope", "within"))))
            return None
        before = len(errors)
        scope, within = value.get("scope"), value.get("within")
        if (scope is None) == (within is None) or scope not in (None, "sentence") \
                or (within is not None and (type(within) is not int or within < 1)):
            both = ", not both" if scope is not None and within is not None else ""
            errors.append((path, "near needs exactly one of scope: sentence or within: N "
                                 f"(a positive number of words){both}"))
        if not isinstance(value["all"], list) or len(value["all"]) < 2:
            errors.append((path + ("all",), "near takes a list of at least two conditions"))
            return None
        # the conditions are parsed even when the scope is wrong: every mistake is reported at once
        children = [parse_child(c, path + ("all", i), errors) for i, c in enumerate(value["all"])]
        if None in children or len(errors) > before:
            return None
        for i, child in enumerate(children):
            if not getattr(child, "positional", False) or not hasattr(child, "positions"):
                kind = next(iter(value["all"][i]))
                errors.append((path + ("all", i), f"'{kind}' cannot be used inside near: only conditions that point "
                                                  "at words can (keywords, regex, country, region, city, place, "
                                                  "topic, actor, event, near, and any of them)"))
                return None
        return cls(key_name(path), cast("list[Positional]", children), "sentence" if scope else "words", within)

    def positions(self, ctx: MatchContext) -> list[Evidence]:
        chosen = self._first_combination(ctx)
        if chosen is None:
            return []
        found = [ctx.positions(child)[n] for child, n in zip(self.children, chosen)]
        detail = "same sentence" if self.scope == "sentence" else f"within {self.within} words"
        first = min(found, key=lambda e: e.start)
        return found + [Evidence(self.path, "near", detail, first.field, first.start, max(e.end for e in found),
                                 None, first.sentence, detail)]

    def _first_combination(self, ctx: MatchContext) -> list[int] | None:
        """Per child, the index (into its positions) of the first combination that is close enough."""
        per_child = [spots(child, ctx) for child in self.children]
        if not all(per_child):
            return None
        if self.scope == "sentence":
            keys = set.intersection(*[{(s.field, s.sentence) for s in ev} for ev in per_child])
            if not keys:
                return None
            key = min(keys, key=lambda k: (k[0] != "title", k[1]))
            return [next(n for n, s in enumerate(ev) if (s.field, s.sentence) == key) for ev in per_child]
        return self._window(ctx, per_child)

    def _window(self, ctx: MatchContext, per_child: list[Sequence[Mention | Evidence]]) -> list[int] | None:
        """The first window of at most `within` words holding a position of every child, per field
        (title first): one sliding pass over all positions sorted by word index."""
        k, within = len(per_child), self.within
        assert within is not None   # a `words` scope: parse set `within`
        for field_name in ("title", "text"):
            points = sorted((ctx.word_index(field_name, s.start), i, n)
                            for i, ev in enumerate(per_child) for n, s in enumerate(ev) if s.field == field_name)
            last: dict[int, tuple[int, int]] = {}
            for word, i, n in points:
                last[i] = (word, n)
                if len(last) == k:
                    low = min(w for w, _ in last.values())
                    if word - low <= within:
                        return [last[j][1] for j in range(k)]
        return None

    def test(self, ctx: MatchContext) -> list[Evidence] | None:
        return ctx.positions(self) or None

    def holds(self, ctx: MatchContext) -> bool:
        return self._first_combination(ctx) is not None

    def explain(self, ctx: MatchContext) -> list[str]:
        missing = [c for c in self.children if not c.positions(ctx)]
        if missing:
            return [f"{c.path}: {(c.why_not(ctx) if hasattr(c, 'why_not') else None) or 'did not hold anywhere'}"
                    for c in missing]
        return [f"{self.path}: each part holds, but never {'in one sentence' if self.scope == 'sentence' else f'within {self.within} words'}"]
