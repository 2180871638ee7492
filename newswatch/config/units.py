"""Durations ("30s", "5m", "1h30m", "7d") and sizes ("10MB") as config values."""
from __future__ import annotations

import re
from typing import Annotated

from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w)")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(b|kb|kib|mb|mib|gb|gib)?\s*$", re.IGNORECASE)
_SIZE_UNITS = {None: 1, "b": 1, "kb": 1000, "kib": 1024, "mb": 1000**2, "mib": 1024**2,
               "gb": 1000**3, "gib": 1024**3}


DURATION_FORMS = "expected a number and a unit: 30s, 10m, 4h, 2d (also 500ms, 1w, and combined: 1h30m)"


def parse_duration(value: object) -> float:
    """Seconds from "90s", "5m", "1h30m", "2d", "500ms" or a bare number of seconds.
    "0" and "off" give 0 (used by `max_age` to switch the age limit off).
    A ValueError says what was given and which forms are allowed."""
    if value is False:  # YAML reads a bare `off` as false
        return 0.0
    if isinstance(value, bool):
        raise ValueError(f"bad duration {value!r}: {DURATION_FORMS}")
    if isinstance(value, (int, float)):
        if value < 0:
            raise ValueError(f"bad duration {value!r}: negative")
        return float(value)
    if isinstance(value, str):
        text = value.strip().lower().replace(" ", "")
        if text in ("0", "off"):
            return 0.0
        pos, total = 0, 0.0
        for m in _DURATION_PART.finditer(text):
            if m.start() != pos:
                break
            total += float(m.group(1)) * _UNITS[m.group(2)]
            pos = m.end()
        if text and pos == len(text):
            return total
    raise ValueError(f"bad duration {str(value)[:40]!r}: {DURATION_FORMS}")


def parse_size(value: object) -> int:
    if isinstance(value, bool):
        raise ValueError("not a size")
    if isinstance(value, int) and value >= 0:
        return value
    if isinstance(value, str):
        m = _SIZE.match(value)
        if m:
            return int(float(m.group(1)) * _SIZE_UNITS[(m.group(2) or "").lower() or None])
    raise ValueError("not a size")


def _duration(value: object) -> float:
    try:
        return parse_duration(value)
    except ValueError:
        raise PydanticCustomError(
            "bad_duration", "bad duration '{value}' (allowed: a number with a unit, e.g. 30s, 5m, 2h, 7d, 1h30m)",
            {"value": str(value)[:40]}) from None


def _size(value: object) -> int:
    try:
        return parse_size(value)
    except ValueError:
        raise PydanticCustomError(
            "bad_size", "bad size '{value}' (allowed: bytes or a number with a unit, e.g. 512KB, 10MB)",
            {"value": str(value)[:40]}) from None


Duration = Annotated[float, BeforeValidator(_duration)]
Size = Annotated[int, BeforeValidator(_size)]


def format_duration(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


def human_duration(seconds: float) -> str:
    """Seconds as people read them in messages: 45s, 12m05s, 1h59m, 3d04h."""
    s = int(max(0.0, seconds))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s" if s % 60 else f"{s // 60}m"
    if s < 2 * 86400:
        return f"{s // 3600}h{s % 3600 // 60:02d}m"
    return f"{s // 86400}d{s % 86400 // 3600:02d}h"
