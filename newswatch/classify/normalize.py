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
from collections.abc import Iterable
from functools import cache

from newswatch.classify.offsets import Normalized as Normalized, OffsetMap as OffsetMap  # part of this module's API

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
# A run folded one character at a time: (start, end, folded text, offsets in the run or None when 1:1).
_Run = tuple[int, int, str, list[int] | None]
# What the rules below do to ASCII: white space other than " " becomes " ", "`" becomes "'" (and
# `str.lower`); test_normalize checks this table against the per-character rules.
_MAX_ASCIIFIED = 16  # distinct non-ASCII characters `asciified` replaces before it gives up
_ASCII_FOLD = bytes(32 if chr(i) in "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f" else 39 if chr(i) == "`" else i
                    for i in range(256))  # a `bytes.translate` table (ASCII texts are translated as bytes)


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


def _char_class(code_points: Iterable[int]) -> str:
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
        # Characters that fold to one ASCII character ("’" -> "'", "é" -> "e", no-break space -> " "):
        # replaced up front, they leave an ASCII text for the fast road (`asciified`).
        self.to_ascii = {char: folded for char, folded in self.fold.items()
                         if len(folded) == 1 and folded.isascii() and not char.isascii()}
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


def _fold_run(text: str, start: int, end: int, tables: _Tables) -> _Run:
    piece = text[start:end]
    if piece.isspace():
        return start, end, " ", (None if end - start == 1 else [0])
    out, local = _fold_chars(piece, tables)
    return start, end, out, (None if len(out) == len(piece) and local == list(range(len(piece))) else local)


def _special_runs(text: str, tables: _Tables) -> list[_Run]:
    """Runs of characters that need folding one by one, widened over neighbouring spaces."""
    if "  " in text:
        spans = sorted([m.span() for m in tables.special_re.finditer(text)]
                       + [m.span() for m in _SPACE_RUN.finditer(text)])
    else:
        spans = [m.span() for m in tables.special_re.finditer(text)]
    runs: list[_Run] = []
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


def _offset_map(runs: list[_Run], n_original: int, n_normalized: int) -> OffsetMap:
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


def asciified(text: str, to_ascii: dict[str, str]) -> str | None:
    """`text` with each non-ASCII character replaced by the one ASCII character it folds to, when
    every one of them does (news in English: "’", "“", "—", "é", no-break spaces); else None."""
    for _ in range(_MAX_ASCIIFIED):
        try:
            text.encode("ascii")  # finds the first non-ASCII character at C speed
            return text
        except UnicodeEncodeError as exc:
            char = text[exc.start]
            if char not in to_ascii:
                return None
            text = text.replace(char, to_ascii[char])
    return text if text.isascii() else None


def _normalize_ascii(text: str, original: str) -> Normalized:
    """The rules for an ASCII `text` (or one `asciified` from `original`, character for character):
    white space becomes " ", runs of it collapse to their first character, "`" becomes "'"."""
    folded = text.encode("ascii").translate(_ASCII_FOLD).lower().decode("ascii")
    if "  " not in folded:  # no run of white space: every character stays where it was
        return Normalized(folded, range(len(folded) + 1), original)
    pieces, out, src = [], [0], [0]
    n, prev, at = len(folded), 0, folded.find("  ")
    while at != -1:
        stop = at + 2
        while stop < n and folded[stop] == " ":
            stop += 1
        pieces.append(folded[prev:at + 1])  # the run's first space stays, mapped to itself
        out.append(out[-1] + at + 1 - prev)
        src.append(stop)
        prev, at = stop, folded.find("  ", stop)
    pieces.append(folded[prev:])
    folded = "".join(pieces)
    return Normalized(folded, OffsetMap(out, src, [1] * len(out), len(folded) + 1, n), original)


def ascii_folds() -> dict[str, str]:
    """Each non-ASCII character of the Basic Multilingual Plane that folds to one ASCII character."""
    return (_TABLES or _tables()).to_ascii


def normalize(text: str) -> Normalized:
    """Normalize `text` for matching; see the module docstring for the rules."""
    if text.isascii():  # most news text: white space and "`" are all there is to fold
        return _normalize_ascii(text, text)
    tables = _TABLES or _tables()
    replaced = asciified(text, tables.to_ascii)
    if replaced is not None:
        return _normalize_ascii(replaced, text)
    if "\u0306" in text:  # a decomposed "й" needs its base letter: take the slow road
        return _normalize_slow(text, tables)
    runs = _special_runs(text, tables)
    if runs:
        pieces: list[str] = []
        prev = 0
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
