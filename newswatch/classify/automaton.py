"""One Aho-Corasick automaton for every dictionary name, and word-bounded hits in a text.

Terms and texts are matched in normalized form (`normalize.py`) through a
"word view" of the same length, in which every character that is not a letter
or digit (`str.isalnum`) is a space. Each term is stored as " view " (one
space either side), and the text's view is padded with a space either side,
so every match the automaton reports is word-bounded already: «придумали»
never yields «мали», "Chadian" never yields "chad", and "l'Algérie" yields
"algerie". Inside a term, punctuation only has to be non-alphanumeric in the
text too ("guinea-bissau" matches "Guinea Bissau"), and a term's leading or
trailing punctuation ("u.s.") is added to the hit when the text has it.

Arabic attaches proclitics to the word (و ف ب ل ك, and the article ال with
them). For Arabic text, the view is matched again with each length of
proclitic blanked out at the start of Arabic words, so «وباماكو», «بباماكو»,
«للنيجر» and «والنيجر» find «باماكو», «نيجر» and «النيجر»; the hit records the
proclitic it skipped.

Among overlapping hits the earliest start wins, then the longest.
"""
from __future__ import annotations

import hashlib
import logging
import os
import pickle
import re
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, cast

import ahocorasick
from typing_extensions import TypeVar

from newswatch.classify.normalize import Normalized, OffsetMap, normalize_term
from newswatch.classify.packed import PackedPayloads, PackedStrings, Table
from newswatch.logs import fields

log = logging.getLogger(__name__)
P = TypeVar("P", default=Any)  # what a term is registered with (the classifier's: classify.model.Payload)

_FORMAT = "newswatch-termindex-3"  # bump when the key view, normalization or pickle layout changes
PACK_FROM = 10_000  # terms: an index this big keeps its terms and payloads packed (packed.py)
_NON_WORD = re.compile(r"[^\w ]")  # "_" is \w but not alphanumeric: replaced separately
_EDGE = re.compile(r"([\W_]*)(.*?)([\W_]*)", re.DOTALL)
_ARABIC = "\u0621-\u064a\u066e\u066f\u0671-\u06d3\u06d5\u06ee\u06ef\u06fa-\u06fc\u06ff"
_HAS_ARABIC = re.compile(f"[{_ARABIC}]")
PROCLITICS = ("و", "ف", "ب", "ل", "ك", "وب", "ول", "فب", "فل", "وك",
              "ال", "وال", "بال", "فال", "كال", "لل", "ولل", "فلل", "وبال")
# One pattern per proclitic length (the article alone apart): at the start of a word, followed by at least two
# Arabic letters. A scan blanks its proclitics at the start of every word, so the article must not share one
# with «لل»: «للولايات المتحدة» would lose the article of «المتحدة» too, and «ولايات المتحده» never be found.
_PROCLITIC_RES = tuple(
    (size, re.compile(f"(?<!\\w)(?:{'|'.join(group)})(?=[{_ARABIC}]{{2}})"))
    for size in sorted({len(p) for p in PROCLITICS})
    for group in ([p for p in PROCLITICS if len(p) == size and p != "ال"], ["ال"] if size == 2 else [])
    if group
)


@dataclass(frozen=True, slots=True)
class Hit(Generic[P]):
    """One dictionary term found in a text."""

    start: int  # span in the original text
    end: int
    nstart: int  # span in the normalized text
    nend: int
    surface: str  # original[start:end]
    term: str  # the normalized dictionary form that matched
    payloads: tuple[P, ...]  # everything registered for that term
    proclitic: str = ""  # Arabic proclitic before the hit ("و", "وب", "بال"), "" otherwise


# ASCII text is translated as bytes: `bytes.translate` costs about a tenth of `str.translate`.
_ASCII_VIEW = bytes(i if chr(i).isalnum() else 32 for i in range(256))


def word_view(text: str) -> str:
    """`text` with every character that is not a letter or digit replaced by a space (same length)."""
    if text.isascii():
        return text.encode("ascii").translate(_ASCII_VIEW).decode("ascii")
    if "_" in text:
        text = text.replace("_", " ")
    return _NON_WORD.sub(" ", text)


def _padded_view(text: str) -> str:
    """" {word_view(text)} ", kept for the last two texts: the classifier's automaton and the event
    cues' scan the same normalized title and text in turn (the text is checked by identity)."""
    for seen, view in _VIEWS:
        if seen is text:
            return view
    view = f" {word_view(text)} "
    _VIEWS[:] = [(text, view), *_VIEWS[:1]]
    return view


_VIEWS: list[tuple[str, str]] = []


class TermIndex(Generic[P]):
    """Every (term, payload) pair in one automaton; `find` returns word-bounded, non-overlapping hits."""

    def __init__(self, terms: Iterable[tuple[str, P]], *, normalized: bool = False) -> None:
        """Index (term, payload) pairs; a term's payloads are kept as registered, in order (duplicates too).
        Terms are normalized with `normalize_term` unless `normalized`; empty terms are skipped.
        From PACK_FROM terms on, the terms and (when they are tuples of str) the payloads are stored
        packed: the classifier's index in a few MB instead of 50 (the small indexes of the rules and
        the event cues stay plain lists, read on every hit)."""
        self._automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS)
        names: list[str] = []   # the normalized term, per term id
        grouped: list[list[P]] = []  # per term id, made tuples (`_payloads`) at the end
        self._edges: list[tuple[str, str] | None] = []  # (leading, trailing) punctuation of the term
        self._sizes: list[int] = []  # length of the stored view, without its two spaces
        ids: dict[str, int] = {}
        for term, payload in terms:
            term = term.strip(" ") if normalized else normalize_term(term)
            edge = _EDGE.fullmatch(term)
            assert edge is not None  # the pattern matches every string
            lead, core, trail = edge.groups()
            if not core:
                continue
            key = word_view(core)
            tid = ids.get(key)
            if tid is None:
                tid = ids[key] = len(names)
                names.append(term)
                grouped.append([])
                self._edges.append((lead, trail) if lead or trail else None)
                self._sizes.append(len(key))
                self._automaton.add_word(f" {key} ", tid)
            grouped[tid].append(payload)
        del ids
        self._terms: Table[str] = names
        self._payloads: Table[tuple[P, ...]] = [tuple(p) for p in grouped]
        if len(names) >= PACK_FROM:
            self._terms = PackedStrings(names)
            if PackedPayloads.fits(grouped):
                self._payloads = cast("Table[tuple[P, ...]]", PackedPayloads(cast(Any, grouped)))
        if names:
            self._automaton.make_automaton()

    def __len__(self) -> int:
        return len(self._terms)

    def find(self, norm: Normalized) -> list[Hit[P]]:
        """Leftmost-longest, non-overlapping, word-bounded hits of the index's terms in `norm`."""
        return [self.hit(norm, nstart, nend, tid) for nstart, nend, tid in self.find_spans(norm)]

    def find_spans(self, norm: Normalized, end: int | None = None) -> list[tuple[int, int, int]]:
        """What `find` returns, as bare (nstart, nend, term id) in the normalized text: for callers
        that drop most hits by their term before building a `Hit` (see `hit`, `payloads`). `end`: only
        the normalized text before it is read (a word boundary: the start of a sentence)."""
        spans, taken_until = [], -1
        for nstart, neg_end, tid in self._candidates(norm, end):
            if nstart >= taken_until:
                taken_until = -neg_end
                spans.append((nstart, taken_until, tid))
        return spans

    def payloads(self, tid: int) -> tuple[P, ...]:
        return self._payloads[tid]

    def term(self, tid: int) -> str:
        return self._terms[tid]

    def has_edges(self, tid: int) -> bool:
        """Whether the term has leading or trailing punctuation ("u.s."), which `locate` may add."""
        return self._edges[tid] is not None

    def find_all(self, norm: Normalized) -> list[Hit[P]]:
        """Every word-bounded hit, overlapping ones too, leftmost then longest first (for callers
        that share one automaton between independent term sets and choose among hits per set)."""
        return [self.hit(norm, nstart, -neg_end, tid) for nstart, neg_end, tid in self._candidates(norm)]

    def _candidates(self, norm: Normalized, stop: int | None = None) -> list[tuple[int, int, int]]:
        """Sorted (nstart, -nend, term id) of every match (in the text before `stop`), with Arabic
        proclitics blanked out too."""
        text = norm.text if stop is None else norm.text[:stop]
        if not len(self._terms) or not text:
            return []
        view = _padded_view(text)
        sizes = self._sizes
        # Each (end, term) comes once from one scan; only the proclitic scans below repeat some.
        candidates = [(end - sizes[tid] - 1, 1 - end, tid) for end, tid in self._automaton.iter(view)]
        if not text.isascii() and _HAS_ARABIC.search(text):
            found = set(candidates)
            for size, pattern in _PROCLITIC_RES:
                stripped, count = pattern.subn(" " * size, view)
                if count:
                    found |= self._matches(stripped)
            candidates = list(found)
        candidates.sort()
        return candidates

    def _matches(self, view: str) -> set[tuple[int, int, int]]:
        """(nstart, -nend, term id) of every match: sorting puts leftmost, then longest, first."""
        sizes = self._sizes
        return {(end - sizes[tid] - 1, 1 - end, tid) for end, tid in self._automaton.iter(view)}

    def hit(self, norm: Normalized, nstart: int, nend: int, tid: int) -> Hit[P]:
        """The `Hit` of term `tid` at normalized [nstart, nend) (one of `find_spans`)."""
        start, end, nstart, nend, proclitic = self.locate(norm, nstart, nend, tid)
        return Hit(start, end, nstart, nend, norm.original[start:end], self._terms[tid],
                   self._payloads[tid], proclitic)

    def locate(self, norm: Normalized, nstart: int, nend: int, tid: int) -> tuple[int, int, int, int, str]:
        """(start, end, nstart, nend, proclitic) of the `Hit` that `hit` would build, without building it."""
        text = norm.text
        edges = self._edges[tid]
        if edges:
            lead, trail = edges
            if lead and text.endswith(lead, 0, nstart):
                nstart -= len(lead)
            if trail and text.startswith(trail, nend):
                nend += len(trail)
        proclitic = ""
        if nstart and text[nstart - 1].isalnum():
            word_start = nstart - 1
            while word_start and text[word_start - 1].isalnum():
                word_start -= 1
            proclitic = text[word_start:nstart]
        offsets = norm.offsets
        if type(offsets) is range:  # nothing moved: the normalized span is the original one
            return nstart, nend, nstart, nend, proclitic
        start, end = offsets.span(nstart, nend) if type(offsets) is OffsetMap else norm.span(nstart, nend)
        return start, end, nstart, nend, proclitic

    # --- persistence ------------------------------------------------------------------------

    def save(self, path: str | os.PathLike[str]) -> None:
        """Save the index to `path` and the automaton beside it (`automaton_path`), each atomically
        (a temporary file in the same folder, then a rename). The automaton is written by pyahocorasick
        itself, straight to its file: pickling it made a copy of it in memory first (30 MB for the
        classifier's, on top of the build's peak), and reading it back that way costs more too."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        automaton_path, size = self.automaton_path(path), None
        if len(self._terms):   # an empty automaton was never made (make_automaton): nothing to write
            _write_atomic(automaton_path, lambda tmp: self._automaton.save(tmp))
            size = automaton_path.stat().st_size
        state = (_FORMAT, size, self._terms, self._payloads, self._edges, self._sizes)

        def dump(tmp: str) -> None:
            with open(tmp, "wb") as out:
                pickle.dump(state, out, protocol=pickle.HIGHEST_PROTOCOL)
        _write_atomic(path, dump)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> TermIndex[P]:
        """An index saved by `save`; ValueError when the file is not one (or from another version), or
        when its automaton's file is missing, of another size or unreadable (OSError, ValueError)."""
        # The automaton first: its load needs about 25 MB for a while (pyahocorasick's buffers) beyond the
        # 33 MB it keeps, and with less else resident then, that transient sets no peak: a process that loads
        # the classifier peaks 13 MB lower (VmHWM 149 -> 136 MB; `newswatch classify`, a replay). A busy
        # worker's peak comes later, from its work (BENCHMARKS.md section 13.3, session 9).
        automaton_path = cls.automaton_path(Path(path))
        automaton = None
        if automaton_path.exists():
            on_disk = automaton_path.stat().st_size
            automaton = ahocorasick.load(str(automaton_path), pickle.loads)
        with open(path, "rb") as src:
            state = pickle.load(src)
        if not (isinstance(state, tuple) and len(state) == 6 and state[0] == _FORMAT):
            raise ValueError(f"{path}: not a term index of format {_FORMAT}")
        index = cls.__new__(cls)
        (_, size, index._terms, index._payloads, index._edges, index._sizes) = state
        if size is None:
            index._automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS)
            return index
        if automaton is None:
            raise FileNotFoundError(f"{automaton_path}: the automaton of {path} is missing")
        if on_disk != size:
            raise ValueError(f"{automaton_path}: not the automaton of {path} (size)")
        index._automaton = automaton
        return index

    @staticmethod
    def automaton_path(path: Path) -> Path:
        """Where `save` writes the automaton of an index saved to `path`."""
        return path.with_name(path.stem + ".automaton")

    @staticmethod
    def cache_path(key_material: bytes, cache_dir: Path) -> Path:
        return Path(cache_dir) / f"{hashlib.sha256(key_material).hexdigest()}.pkl"

    @classmethod
    def cached(cls, key_material: bytes, build: Callable[[], Iterable[tuple[str, P]]], cache_dir: Path,
               *, normalized: bool = False) -> TermIndex[P]:
        """Load cache_dir/<sha256(key_material)>.pkl, else build, save and return the index.

        A missing, unreadable, corrupt or outdated cache file is rebuilt; failing
        to write the cache only logs a warning. Put everything the terms depend on
        (table files, their versions) in `key_material`.
        """
        path = cls.cache_path(key_material, cache_dir)
        if path.exists():
            try:
                return cls.load(path)
            except Exception as exc:  # noqa: BLE001 - corrupt, truncated, other version: rebuild it
                log.warning(fields("term_index_cache_unusable", path=path, error=f"{type(exc).__name__}: {exc}"))
        index = cls(build(), normalized=normalized)
        try:
            index.save(path)
        except Exception as exc:  # noqa: BLE001 - read-only folder, unpicklable payload: works uncached
            log.warning(fields("term_index_cache_not_written", path=path, error=exc))
        return index


def _write_atomic(path: Path, write: Callable[[str], object]) -> None:
    """`write(temporary path)` in `path`'s folder, then rename it to `path` (two writers: each renames a whole file)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
