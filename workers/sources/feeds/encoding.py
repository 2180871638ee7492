"""A feed meant as UTF-8 with a few bytes that are not: read as UTF-8, each bad sequence replaced.

One stray Latin-1 byte in a UTF-8 document makes the whole document invalid
UTF-8; feedparser then decodes it all as some other charset (windows-1252,
iso-8859-2), so every Cyrillic or Arabic word turns to mojibake ("Ð›Ð°Ð²Ñ€Ð¾Ð²")
and no rule finds it. `repair_utf8` decodes such a document as UTF-8 with
errors="replace" (the bad byte becomes U+FFFD) when it is meant as UTF-8 and
mostly is:

- neither its XML declaration nor the HTTP charset names another encoding
  (a declared windows-1251 or ISO-8859-1 feed is read in its charset, as before);
- at least 8 valid non-ASCII bytes per bad sequence: a real legacy-charset
  document without a declaration is almost all bad sequences, and is left to
  feedparser's guessing.
"""
from __future__ import annotations

import codecs
import re

_DECLARED = re.compile(rb"^(?:\xef\xbb\xbf)?\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._:-]+)[\"']",
                       re.IGNORECASE)
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([^\"';\s]+)", re.IGNORECASE)
_ASCII = bytes(range(128))
VALID_PER_BAD = 8


def _is_utf8(name: str | None) -> bool:
    if not name:
        return True                       # nothing declared: XML's default is UTF-8
    try:
        return codecs.lookup(name).name == "utf-8"
    except LookupError:
        return False


def repair_utf8(body: bytes, content_type: str | None = None) -> tuple[bytes, int] | None:
    """(the body as valid UTF-8, how many bad sequences were replaced), or None when there is nothing
    to repair or the body is not meant as UTF-8 (see the module's doc)."""
    try:
        body.decode("utf-8")
        return None
    except UnicodeDecodeError:
        pass
    declared = _DECLARED.match(body[:1024])
    charset = _CHARSET.search(content_type or "")
    if not _is_utf8(declared.group(1).decode("ascii") if declared else None) \
            or not _is_utf8(charset.group(1) if charset else None):
        return None
    text = body.decode("utf-8", "replace")
    bad = text.count("\ufffd") - body.count("\ufffd".encode("utf-8"))
    non_ascii = len(body.translate(None, _ASCII))
    if bad <= 0 or non_ascii - bad < VALID_PER_BAD * bad:
        return None
    return text.encode("utf-8"), bad
