"""Compact read-only tables for a big `TermIndex` (automaton.py): its terms and its payloads.

The classifier's index holds 154,000 terms and 169,000 payloads `(kind, value, entry, lang)`. As
Python objects (a list of str, a tuple of tuples of str per term) they took 50 MB of a worker's
memory, most of it object headers and copies of the same strings: 675,000 payload strings, of
which 143,000 differ. Here every distinct string is stored once, as UTF-8 in one bytes object, and
a payload is four indexes into it: about 8 MB for both tables (BENCHMARKS.md §13.3).

A term or a term's payloads are decoded when asked for. The classifier asks once per term id it
meets (readings.TermBook keeps what it works out), so decoding costs nothing measurable; decoded
payloads are kept here too, for callers that ask on every hit.
"""
from __future__ import annotations

from array import array
from collections.abc import Iterable, Sequence
from typing import Any, Protocol, TypeVar

T_co = TypeVar("T_co", covariant=True)


class Table(Protocol[T_co]):
    """What TermIndex reads its terms and payloads from: a list, or one of the packed tables here."""

    def __len__(self) -> int: ...

    def __getitem__(self, i: int, /) -> T_co: ...


class PackedStrings:
    """A sequence of str stored as one UTF-8 blob and the offsets of each string in it."""

    __slots__ = ("_blob", "_ends")

    def __init__(self, strings: Iterable[str]) -> None:
        blob, ends = bytearray(), array("I")   # a blob under 4 GiB
        for text in strings:
            blob += text.encode("utf-8", "surrogatepass")
            ends.append(len(blob))
        self._blob, self._ends = bytes(blob), ends

    def __len__(self) -> int:
        return len(self._ends)

    def __getitem__(self, i: int) -> str:
        if i < 0:
            raise IndexError("PackedStrings takes no negative index")
        ends = self._ends
        start = ends[i - 1] if i > 0 else 0
        return self._blob[start:ends[i]].decode("utf-8", "surrogatepass")

    def __getstate__(self) -> tuple[bytes, array[int]]:
        return self._blob, self._ends

    def __setstate__(self, state: tuple[bytes, array[int]]) -> None:
        self._blob, self._ends = state


class PackedPayloads:
    """Per term id, a tuple of payloads that are tuples of str, stored as indexes into a string table."""

    __slots__ = ("_strings", "_fields", "_width", "_members", "_ends", "_decoded")

    def __init__(self, groups: Sequence[Sequence[tuple[str, ...]]]) -> None:
        strings: dict[str, int] = {}
        payloads: dict[tuple[str, ...], int] = {}
        width = max((len(p) for group in groups for p in group), default=0)
        fields, members, ends = array("I"), array("I"), array("I")
        for group in groups:
            for payload in group:
                pid = payloads.get(payload)
                if pid is None:
                    pid = payloads[payload] = len(payloads)
                    ids = [strings.setdefault(s, len(strings)) for s in payload]
                    fields.extend(ids + [0] * (width - len(ids)))
                    fields.append(len(ids))
                members.append(pid)
            ends.append(len(members))
        self._strings = PackedStrings(strings)   # a dict keeps its insertion order: the ids above
        self._fields, self._width, self._members, self._ends = fields, width, members, ends
        self._decoded: dict[int, tuple[tuple[str, ...], ...]] = {}

    @staticmethod
    def fits(groups: Sequence[Sequence[Any]]) -> bool:
        """Whether every payload is a tuple of str (what this class stores)."""
        return all(type(p) is tuple and all(type(s) is str for s in p) for group in groups for p in group)

    def __len__(self) -> int:
        return len(self._ends)

    def __getitem__(self, tid: int) -> tuple[tuple[str, ...], ...]:
        found = self._decoded.get(tid)
        if found is None:
            found = self._decoded[tid] = self._decode(tid)
        return found

    def _decode(self, tid: int) -> tuple[tuple[str, ...], ...]:
        if tid < 0:
            raise IndexError("PackedPayloads takes no negative index")
        ends, strings, fields, step = self._ends, self._strings, self._fields, self._width + 1
        start = ends[tid - 1] if tid > 0 else 0
        out = []
        for pid in self._members[start:ends[tid]]:
            at = pid * step
            out.append(tuple(strings[j] for j in fields[at:at + fields[at + self._width]]))
        return tuple(out)

    def __getstate__(self) -> tuple[PackedStrings, array[int], int, array[int], array[int]]:
        return self._strings, self._fields, self._width, self._members, self._ends

    def __setstate__(self, state: tuple[PackedStrings, array[int], int, array[int], array[int]]) -> None:
        self._strings, self._fields, self._width, self._members, self._ends = state
        self._decoded = {}
