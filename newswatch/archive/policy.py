"""Retention as a policy: what is kept (`Retention`, from `archive.keep` and `archive.max_items`), when
the scheduled prune runs and how long it may take, and what a prune reports. The deletes themselves are
newswatch.archive.retention's (SQLAlchemy); this module is what the processes that only schedule a prune,
or count what it removed, import (`newswatch run`'s parent never loads the database)."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from newswatch.config.archive import ArchiveConfig

PRUNE_EVERY = 600.0      # the scheduler's prune job, seconds
PRUNE_BUDGET = 5.0       # seconds one scheduled prune may take; what is left goes next time
LOCK_TTL = 120.0         # the Redis lock of the scheduled prune frees itself after this


@dataclass
class PruneReport:
    """What a prune removed (or, as a dry run, would remove)."""
    items: int = 0            # older than keep
    items_over_max: int = 0   # the oldest beyond max_items
    alerts: int = 0
    deliveries: int = 0
    done: bool = True         # False: the budget ran out with more to remove (the next prune goes on)
    cutoff: float | None = None   # now - keep: what is older goes (None: keep is off)
    seconds: float = 0.0

    def by_kind(self) -> dict[str, int]:
        """For newswatch_archive_pruned_total{kind}."""
        return {"item": self.items + self.items_over_max, "alert": self.alerts, "delivery": self.deliveries}

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Retention:
    keep: float                   # seconds; 0: nothing goes for its age (`keep: off`)
    max_items: int | None = None

    @classmethod
    def from_config(cls, config: ArchiveConfig) -> "Retention":
        return cls(config.keep, config.max_items)

    def cutoff(self, now: float) -> float | None:
        """What is older goes; None with `keep: off` (nothing goes for its age)."""
        return now - self.keep if self.keep > 0 else None
