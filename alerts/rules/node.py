"""What the nodes of a rule's `when` tree offer, as Protocols: the matcher, `near`, the index and the
context depend on these, not on the condition kinds (conditions.py, facts.py, topic_actor.py,
keywords.py, near.py), which implement them without naming them."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import Field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from newswatch.classify.model import Mention
from newswatch.config.yamlconf import LineMap
from newswatch.model.alert import Evidence

if TYPE_CHECKING:
    from alerts.rules.context import MatchContext

Where = tuple[str | int, ...]        # a key path in a rule file: ("when", "all", 0, "keywords")
Errors = list[tuple[Where, str]]     # what a parse found wrong, where


class Condition(Protocol):
    """A parsed condition or group. Every kind is a dataclass: the matcher interns nodes by their fields."""

    __dataclass_fields__: ClassVar[dict[str, Field[Any]]]

    @property
    def path(self) -> str: ...            # its clause, e.g. "when.all[0].keywords"

    @property
    def positional(self) -> bool: ...     # it points at words: usable inside `near`

    def test(self, ctx: MatchContext) -> list[Evidence] | None: ...   # None: did not hold

    def holds(self, ctx: MatchContext) -> bool: ...


class Positional(Condition, Protocol):
    def positions(self, ctx: MatchContext) -> list[Evidence]: ...


class FactCondition(Positional, Protocol):
    """country, region, place, topic, actor: the mentions they accept, memoized per item under `key`."""

    @property
    def key(self) -> tuple[object, ...]: ...

    def accepts_in(self, ctx: MatchContext) -> list[Mention]: ...


# A condition kind's `parse(value, path, errors)`: the node, or None with the problems in `errors`.
Parser = Callable[[Any, Where, Errors], Condition | None]
# A condition as a rule file's parse found it, for the table checks (values_check.py): its file's lines,
# its rule's path in the file, and the condition.
Found = tuple[LineMap, Where, Condition]
