"""What every source adapter returns, and how it fails."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Protocol

from newswatch.model.item import Item


class SourceError(Exception):
    """A poll that failed. The reason is shown in source health; it never holds a secret."""

    def __init__(self, reason: str, *, retry_after: float | None = None, permanent: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        self.permanent = permanent


@dataclass
class PollResult:
    items: list[Item]
    cursor: dict = field(default_factory=dict)  # saved only after the items are processed
    not_modified: bool = False
    detail: dict = field(default_factory=dict)  # parser used, HTTP status, bytes, ...
    # A fetched body's parse, left to whoever reads the items (`take`): the worker parses in a pipeline slot
    # (workers.polling.pipeline_slot), so fetches never wait for a slot, and a body waits unparsed (it is at most
    # http.max_bytes; its parsed feed and items are several times that)
    parse: Callable[[], list[Item]] | None = None

    def take(self) -> list[Item]:
        """The items, parsed now if the source left the parse for later (raises SourceError when the body is no
        feed, as `poll` would have)."""
        if self.parse is not None:
            parse, self.parse = self.parse, None
            self.items = parse()
        return self.items


class Source(Protocol):
    """A source adapter: `poll(cursor)` fetches what is new since the cursor (DESIGN style 2)."""

    id: str

    def poll(self, cursor: dict) -> PollResult: ...

    def fetch_budget(self) -> float:
        """The longest its `poll` may spend on the network, in seconds: the sum of the deadlines of the
        requests one poll can make. A poll's lock and its task's time limit are this plus a margin."""
        ...
