"""Text normalization for dictionary matching, with a map back to the original text.

`normalize(text)` gives the form dictionary terms are matched against and, for
each of its characters, the index in `text` it came from; `normalize_term(term)`
is the same transformation for a dictionary entry. The rules, per character:

* NFKC, then `str.casefold` ("ß" -> "ss", "ﬁ" -> "fi": every produced
  character maps back to the character it came from);
* combining marks dropped after NFD: Latin accents ("é" -> "e", "ç" -> "c"),
  Cyrillic "ё" -> "е" (but "й" stays "й"), Arabic tashkeel (U+064B-U+065F,
  U+0670), and the hamza of "أ إ آ ؤ ئ" ("أ" -> "ا", "ؤ" -> "و", "ئ" -> "ي");
* Arabic tatweel and format characters (soft hyphen, zero-width joiners,
  bidi marks) dropped;
* "ٱ" -> "ا", "ى" and Persian "ی" -> "ي", "ة" -> "ه", Persian "ک" -> "ك";
  "œ" -> "oe", "æ" -> "ae", "ø" -> "o", "ł" -> "l", "đ" -> "d", "ı" -> "i";
* apostrophes and single quotes (’ ‘ ʼ ` ´ ′) -> "'", double quotes and
  guillemets -> '"', dashes and minus signs -> "-";
* every white space character -> " ", and runs of them collapse to one space.

Speed: `str.lower` does most of the work; one regular expression scan finds
the rare characters that change length (or are white space), which are folded
one by one with their offsets, and one more finds those replaced one for one.
Offsets are a `range` when nothing moved, else a piecewise `OffsetMap`.
"""
from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

_APOSTROPHES = "\u2018\u2019\u201a\u201b\u02b9\u02bb\u02bc\u02bd`\u00b4\u2032\u2035\uff07"
_DOUBLE_QUOTES = "\u201c\u201d\u201e\u201f\u00ab\u00bb\u2039\u203a\u2033\u2036\u301d\u301e\uff02"
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2043\u2212\ufe58\ufe63\uff0d\u2e3a\u2e3b"
_PUNCTUATION = {**dict.fromkeys(_APOSTROPHES, "'"), **dict.fromkeys(_DOUBLE_QUOTES, '"'),
                **dict.fromkeys(_DASHES, "-")}
_LETTERS = {  # after case folding and mark removal: ٱ ٲ ٳ -> ا, ى ی -> ي, ة ە -> ه, ک ڪ -> ك
    "\u0671": "\u0627", "\u0672": "\u0627", "\u0673": "\u0627", "\u0649": "\u064a", "\u06cc": "\u064a",
    "\u0629": "\u0647", "\u06d5": "\u0647", "\u06a9": "\u0643", "\u06aa": "\u0643",
    "œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d", "ı": "i"}
_DROPPED = frozenset(map(chr, (*range(0x064B, 0x0660), 0x0670, 0x0640)))  # tashkeel, tatweel
# The Basic Multilingual Plane less CJK, Yi, Hangul, surrogates and private use: nothing to fold there.
_SCANNED = (*range(0x3400), *range(0x4DC0, 0x4E00), *range(0xA4D0, 0xAC00), *range(0xF900, 0x10000))
_SPACE_RUN = re.compile(" {2,}")


@cache  # cleared once the tables are built
def _fold_once(char: str) -> str:
    if char in _PUNCTUATION:
        return _PUNCTUATION[char]
    if char.isspace():
        return " "
    if char in _DROPPED or unicodedata.category(char) == "Cf":
        return ""
    text = unicodedata.normalize("NFKC", char).casefold()
    text = unicodedata.normalize("NFD", text).replace("\u0438\u0306", "\u0439")  # keep й
    text = unicodedata.normalize("NFC", "".join(c for c in text if not unicodedata.combining(c)))
    return "".join(_LETTERS.get(c, c) for c in text).lower()


def _fold_char(char: str) -> str:
    """The normalized form of one character, applied until it no longer changes."""
    folded, previous = _fold_once(char), None
    while folded != previous:  # at most twice: NFKC, then the rules once more ("｀" -> "`" -> "'")
        folded, previous = "".join(map(_fold_once, folded)), folded
    return folded if char.isspace() else folded.strip(" ")


def _untouched(char: str) -> bool:
    return not (char in _PUNCTUATION or char in _LETTERS or char in _DROPPED or char.isspace()
                or unicodedata.combining(char) or unicodedata.category(char) == "Cf"
                or not unicodedata.is_normalized("NFKD", char))


def _is_plain(char: str) -> bool:
    """True when `str.lower` alone normalizes the character."""
    lower = char.lower()
    return (len(lower) == 1 and char.casefold() == lower and _untouched(char)
            and (lower == char or _untouched(lower)))


def _char_class(code_points) -> str:
    """The inside of a regular expression character class for these (BMP) code points, as ranges."""
    ranges: list[list[int]] = []
    for cp in sorted(set(code_points)):
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    return "".join(f"\\u{a:04x}-\\u{b:04x}" for a, b in ranges)


class _Tables:
    """Per-character folding of the Basic Multilingual Plane, built once per process. `special_re`:
    characters folded before lowercasing, with offsets (they or their `lower()` change length, or
    they are white space or astral); `one_to_one_re`: characters replaced one for one after it."""

    def __init__(self) -> None:
        self.fold: dict[str, str] = {}
        self.one_to_one: dict[str, str] = {}
        special, one_to_one = [], []
        for cp in _SCANNED:
            char = chr(cp)
            if _is_plain(char):
                continue
            folded = self.fold[char] = _fold_char(char)
            lowered = char.lower()
            if char.isspace() or len(folded) != 1 or len(lowered) != 1 or self._fold_known(lowered) != folded:
                special.append(cp)
            elif folded != lowered:
                self.one_to_one[char] = folded
                one_to_one.append(cp)
        _fold_once.cache_clear()
        special.remove(0x20)
        self.special_re = re.compile(f"[{_char_class(special)}\U00010000-\U0010ffff]")  # no "+": slower
        self.one_to_one_re = re.compile(f"[{_char_class(one_to_one)}]")

    def _fold_known(self, char: str) -> str:
        if char not in self.fold:
            self.fold[char] = char.lower() if _is_plain(char) else _fold_char(char)
        return self.fold[char]

    def fold_char(self, char: str) -> str:
        folded = self.fold.get(char)
        if folded is None:  # plain, or astral (emoji, math letters, tags): computed once
            folded = char.lower() if ord(char) <= 0xFFFF else self.fold.setdefault(char, _fold_char(char))
        return folded


_TABLES: _Tables | None = None


def _tables() -> _Tables:
    global _TABLES
    _TABLES = _TABLES or _Tables()
    return _TABLES


class OffsetMap(Sequence):
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

    def __getitem__(self, index):
        try:
            if 0 <= index < self._len - 1:
                k = bisect_right(self._out, index) - 1
                return self._src[k] + (index - self._out[k]) * self._step[k]
        except TypeError:
            if isinstance(index, slice):
                return [self[i] for i in range(*index.indices(self._len))]
            raise
        if index < 0 and index >= -self._len:
            return self[index + self._len]
        if index == self._len - 1:
            return self._end
        raise IndexError("offset index out of range")

    def __repr__(self) -> str:
        return f"OffsetMap({list(self)!r})"


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


def _fold_chars(text: str, tables: _Tables) -> tuple[str, list[int]]:
    """The reference implementation: fold `text` one character at a time."""
    out, local = [], []
    prev_space, i, n = False, 0, len(text)
    while i < n:
        char = text[i]
        if char in "\u0438\u0418" and text.startswith("\u0306", i + 1):  # decomposed й
            mapped, step = "\u0439", 2
        else:
            mapped, step = tables.fold_char(char), 1
        for c in mapped:
            if not (c == " " and prev_space):
                out.append(c)
                local.append(i)
            prev_space = c == " "
        i += step
    return "".join(out), local


def _fold_run(text: str, start: int, end: int, tables: _Tables) -> tuple[int, int, str, list[int] | None]:
    piece = text[start:end]
    if piece.isspace():
        return start, end, " ", (None if end - start == 1 else [0])
    out, local = _fold_chars(piece, tables)
    return start, end, out, (None if len(out) == len(piece) and local == list(range(len(piece))) else local)


def _special_runs(text: str, tables: _Tables) -> list[tuple[int, int, str, list[int] | None]]:
    """Runs of characters that need folding one by one, widened over neighbouring spaces."""
    if "  " in text:
        spans = sorted([m.span() for m in tables.special_re.finditer(text)]
                       + [m.span() for m in _SPACE_RUN.finditer(text)])
    else:
        spans = [m.span() for m in tables.special_re.finditer(text)]
    runs: list[tuple[int, int, str, list[int] | None]] = []
    run_start = run_end = -1
    n = len(text)
    for start, end in spans:
        while start > max(run_end, 0) and text[start - 1] == " ":
            start -= 1
        if start > run_end:  # not touching the current run: that one is complete
            if run_end >= 0:
                runs.append(_fold_run(text, run_start, run_end, tables))
            run_start = start
        while end < n and text[end] == " ":
            end += 1
        run_end = max(run_end, end)
    if run_end >= 0:
        runs.append(_fold_run(text, run_start, run_end, tables))
    return runs


def _offset_map(runs, n_original: int, n_normalized: int) -> OffsetMap:
    segments: list[tuple[int, int, int]] = []  # (normalized start, original start, step)
    o = s = 0
    for start, end, folded, local in runs:
        if start > s:
            segments.append((o, s, 1))
            o += start - s
        if local is None:
            segments.append((o, start, 1))
        else:
            segments += [(o + k, start + offset, 0) for k, offset in enumerate(local)]
        o += len(folded)
        s = end
    if s < n_original:
        segments.append((o, s, 1))
    out, src, step = (list(column) for column in zip(*segments)) if segments else ([], [], [])
    return OffsetMap(out, src, step, n_normalized + 1, n_original)


def _normalize_slow(text: str, tables: _Tables) -> Normalized:
    folded, local = _fold_chars(text, tables)
    local.append(len(text))
    return Normalized(folded, local, text)


def normalize(text: str) -> Normalized:
    """Normalize `text` for matching; see the module docstring for the rules."""
    tables = _TABLES or _tables()
    if "\u0306" in text:  # a decomposed "й" needs its base letter: take the slow road
        return _normalize_slow(text, tables)
    runs = _special_runs(text, tables)
    if runs:
        pieces, prev = [], 0
        for start, end, folded, _ in runs:
            pieces += (text[prev:start], folded)
            prev = end
        pieces.append(text[prev:])
        folded_text = "".join(pieces).lower()
    else:
        folded_text = text.lower()
    if not folded_text.isascii() or "`" in folded_text:
        for char in set(tables.one_to_one_re.findall(folded_text)):
            folded_text = folded_text.replace(char, tables.one_to_one[char])
    if "  " in folded_text:  # never expected; the slow road is always right
        return _normalize_slow(text, tables)
    if any(run[3] is not None for run in runs):
        return Normalized(folded_text, _offset_map(runs, len(text), len(folded_text)), text)
    return Normalized(folded_text, range(len(folded_text) + 1), text)


def normalize_term(term: str) -> str:
    """The normalized form of a dictionary term, exactly as `normalize` renders it inside a text."""
    return normalize(term).text.strip(" ")
