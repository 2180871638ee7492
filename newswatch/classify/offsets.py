"""Where each character of a normalized text came from in the original (see `normalize.py`)."""
from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from typing import overload


class OffsetMap(Sequence[int]):
    """Normalized index -> original index, stored as segments (read-only, indexable like a list).

    Segment k starts at normalized index `out[k]`; its characters map to
    `src[k] + (i - out[k]) * step[k]` (step 1: copied text, step 0: one
    original character). The last entry is the length of the original.
    """

    __slots__ = ("_end", "_len", "_out", "_src", "_step")

    def __init__(self, out: list[int], src: list[int], step: list[int], length: int, end: int) -> None:
        self._out, self._src, self._step, self._len, self._end = out, src, step, length, end

    def __len__(self) -> int:
        return self._len

    @overload
    def __getitem__(self, index: int) -> int: ...

    @overload
    def __getitem__(self, index: slice) -> list[int]: ...

    def __getitem__(self, index: int | slice) -> int | list[int]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._len))]
        if 0 <= index < self._len - 1:
            k = bisect_right(self._out, index) - 1
            return self._src[k] + (index - self._out[k]) * self._step[k]
        if index < 0 and index >= -self._len:
            return self[index + self._len]
        if index == self._len - 1:
            return self._end
        raise IndexError("offset index out of range")

    def __repr__(self) -> str:
        return f"OffsetMap({list(self)!r})"

    def span(self, start: int, end: int) -> tuple[int, int]:
        """`Normalized.span` for 0 <= start < end <= len - 1, in two or three binary searches."""
        out, src, step = self._out, self._src, self._step
        k = bisect_right(out, start) - 1
        first = src[k] + (start - out[k]) * step[k]
        k = bisect_right(out, end - 1, k) - 1
        last = src[k] + (end - 1 - out[k]) * step[k]
        if end == self._len - 1:
            stop = self._end
        else:
            k = bisect_right(out, end, k) - 1
            stop = src[k] + (end - out[k]) * step[k]
        return first, (stop if stop > last else last + 1)


@dataclass(frozen=True, slots=True)
class Normalized:
    """Normalized text and, for each of its characters, where it came from in `original`."""

    text: str
    offsets: Sequence[int]  # len(text) + 1 entries; the last is len(original)
    original: str

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original [start, end) that normalized [start, end) came from."""
        if not 0 <= start <= end <= len(self.text):
            raise ValueError(f"span [{start}, {end}) outside normalized text of length {len(self.text)}")
        first = self.offsets[start]
        if end == start:
            return first, first
        last, stop = self.offsets[end - 1], self.offsets[end]
        return first, (stop if stop > last else last + 1)  # a span ending inside "ß" -> "ss" keeps the "ß"
