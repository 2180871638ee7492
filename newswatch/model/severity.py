"""The one severity scale, lowest first: rules set it, channels filter on it, digests and templates show it."""
from __future__ import annotations

from typing import Literal, get_args

Severity = Literal["info", "low", "medium", "high", "critical"]
SEVERITIES: tuple[str, ...] = get_args(Severity)
SEVERITY_ICONS = {"info": "ℹ️", "low": "🔵", "medium": "🟡", "high": "🟠", "critical": "🔴"}


def severity_rank(severity: str) -> int:
    """0 for info … 4 for critical; raises ValueError for anything else."""
    return SEVERITIES.index(severity)
