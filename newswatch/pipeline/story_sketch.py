"""The words a story is recognised by, and their sketch (newswatch/pipeline/stories.py stores and compares them).

The lead of an item (its title and the first `lead_words` words of its text) without what
reposts add or change: agency tags "(AFP)", URLs, "read more in our Telegram channel", bylines,
datelines, "BREAKING:" flags, Arabic letter variants (`fingerprint_text`, `words`, `lead`). It is
cut into word 3-grams; the `size` smallest 47-bit hashes of those shingles are the sketch
(bottom-k, `sketch`). `url_anchor` is the canonical URL's hash; `pack` the stored form of a sketch.
"""
from __future__ import annotations

import base64
import hashlib
import re
import unicodedata

from newswatch.model.item import Item

SHINGLE = 3  # words per shingle: two words are a topic ("nuclear talks"), three are wording
_MASK64 = 2 ** 64 - 1

# --- text -> fingerprint ---------------------------------------------------------------------
_AGENCIES = (r"AFP|AP|Reuters|dpa|ANSA|EFE|Xinhua|TASS|RIA Novosti|Interfax|Anadolu|PTI|IANS|UNI|"
             r"Bloomberg|KUNA|WAM|SPA|MENA|APS|MAP|NNA|IRNA|Yonhap|Kyodo|رويترز|فرانس برس|أ ف ب|الأناضول")
_AGENCY = re.compile(rf"\((?:{_AGENCIES})\)\.?", re.IGNORECASE)
_URL = re.compile(r"(?:https?://|www\.|t\.me/)\S+", re.IGNORECASE)
_SHORTCODE = re.compile(r"\[[a-z][\w-]*(?:\s[^\]\n]{0,200})?\]")  # [time-brightcove not-tgx="true"]
_BOILER = ("read more", "read also", "more news", "subscribe", "follow us", "join us", "join our", "continue reading",
           "sign up", "click here", "image credit", "(image credit", "photo credit", "подпис", "читайте",
           "смотрите также", "اشترك", "تابعونا", "تابعوا", "للمزيد")  # lines that start so are not news
_TAIL = re.compile(r"(?im)(?:^|(?<=[.!?…»\"”]))[ \t]*(?:read more|more news|subscribe|follow us|join us)\b"
                   r"[^\n]{0,200}\Z")  # "... Bamako. read more in our Telegram-channel" at the very end
_BYLINE = re.compile(r"^\s*By [^\n]{1,80}\n\s*\n?")
_LEAD = re.compile(r"^\s*(?:\[[^\]\n]{1,40}\]\s*)?([^\n]{0,80}?)\s*(?:\s[-—–]{1,2}|:)\s+")
_TITLE_FLAG = re.compile(r"(?i)^\W*(?:breaking|update \d*|urgent|exclusive|срочно|молния|عاجل)\b\s*[:\-—–|]*\s*")
_CJK = r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_WORD = re.compile(r"[^\W_]+")
_CJK_RUN = re.compile(rf"[{_CJK}]+")


def _mark_ranges() -> str:
    """A character class of the marks (Mn, Mc, Me) and format characters (Cf) of the BMP: accents,
    Arabic harakat, Indic vowel signs, soft hyphens, zero-width joiners."""
    ranges, start = [], None
    for c in range(0x10001):
        mark = c < 0x10000 and unicodedata.category(chr(c)) in ("Mn", "Mc", "Me", "Cf")
        if mark and start is None:
            start = c
        elif not mark and start is not None:
            ranges.append(f"{re.escape(chr(start))}-{re.escape(chr(c - 1))}")
            start = None
    return "[" + "".join(ranges) + "]"


_MARKS = re.compile(_mark_ranges())
_ARABIC = re.compile("[\u0640\u0649\u06cc\u0629\u06a9]")
_ARABIC_FOLD = {0x0640: None, 0x0649: "ي", 0x06CC: "ي", 0x0629: "ه", 0x06A9: "ك"}  # tatweel, ى ی ة ک


def _is_dateline(head: str, tagged: bool) -> bool:
    """"KHARTOUM", "DUBAI, Feb 17 (Reuters)", "JERUSALEM / ISLAMABAD", "(AFP)", "[Capital FM] Nairobi"."""
    if _AGENCY.search(head) or (not head.strip() and tagged):
        return True
    first = head.split(",")[0]
    letters = [c for c in first if c.isalpha()]
    if len(letters) >= 2 and all(c.isupper() for c in letters):
        return True
    return tagged and len(head.split()) <= 3


def _boilerplate(line: str) -> bool:
    line = line.lstrip(" \t•*-—>#").casefold()
    return line.startswith(_BOILER) or ("appeared first on" in line and line.startswith("the post"))


def _strip_lead(text: str) -> str:
    text = _BYLINE.sub("", text, count=1)
    match = _LEAD.match(text)
    if match and _is_dateline(match.group(1), text.lstrip().startswith("[")):
        text = text[match.end():]
    return text


def fingerprint_text(title: str, text: str, limit: int = 0) -> tuple[str, str]:
    """Title and text without what reposts add: datelines, agency credits, links, tails.
    `limit` > 0: only the text's first `limit` characters are wanted (its tail is not read)."""
    title, text = (title or "").strip(), text or ""
    first, _, rest = text.lstrip().partition("\n")
    head = title.rstrip("…").rstrip()
    if title and (first.strip() == title or (len(head) >= 20 and first.startswith(head))):
        text = rest  # a post titled by its first line (as Telegram sources do), maybe clipped
    title = _TITLE_FLAG.sub("", _AGENCY.sub(" ", title)).strip()
    cut = 0 < limit < len(text)
    text = text[:limit] if cut else text
    if "://" in text or "www." in text or "t.me/" in text:
        text = _URL.sub(" ", text)
    text = _SHORTCODE.sub(" ", text)
    text = "\n".join(line for line in text.split("\n") if not _boilerplate(line))
    text = (text if cut else _TAIL.sub("", text)).strip()
    return title, _AGENCY.sub(" ", _strip_lead(text))


def words(text: str, limit: int = 0) -> list[str]:
    """NFKC-style folding, casefold, accents and Arabic diacritics off; \\w words (one per CJK
    character). `limit` > 0: the first `limit` words are enough."""
    if limit and len(text) > limit * 10:  # ten characters a word is plenty; read on only if not
        found = words(text[:limit * 10])
        return found[:limit] if len(found) > limit else words(text)[:limit]
    if text.isascii():
        return _WORD.findall(text.lower())
    text = _MARKS.sub("", unicodedata.normalize("NFKD", text.casefold()))  # NFKD includes NFKC's folding
    if _ARABIC.search(text):
        text = text.translate(_ARABIC_FOLD)
    if _CJK_RUN.search(text):
        text = _CJK_RUN.sub(lambda m: " ".join(m.group()), text)
    return _WORD.findall(text)


def lead(title: str, text: str, lead_words: int = 40) -> tuple[list[str], list[str]]:
    """The words that fingerprint an item: its title's, and the first `lead_words` of its text."""
    title, text = fingerprint_text(title, text, limit=lead_words * 10 + 200)  # room for a byline, links
    return words(title), words(text, lead_words)


_WORD_HASHES: dict[str, int] = {}  # word -> 64-bit blake2b; cleared when large


def _word_hashes(seq: list[str]) -> list[int]:
    cache = _WORD_HASHES
    if len(cache) > 200_000:
        cache.clear()
    out = []
    for word in seq:
        value = cache.get(word)
        if value is None:
            value = cache[word] = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "big")
        out.append(value)
    return out


def sketch(item: Item, size: int = 24, lead_words: int = 40) -> tuple[list[int], int]:
    """The `size` smallest shingle hashes, ascending, and the number of distinct shingles. A
    shingle's hash is the top 47 bits of (a*K1 + b*K2 + c) mod 2^64 over its words' random 64-bit
    hashes: uniform, and independent for shingles that differ in a word."""
    hashes: set[int] = set()
    for seq in lead(item.title, item.text, lead_words):
        h = _word_hashes(seq)
        if 0 < len(h) < SHINGLE:
            h = [h[0], h[-1], len(h)]
        hashes.update(((a * 0x9E3779B97F4A7C15 + b * 0xC2B2AE3D27D4EB4F + c) & _MASK64) >> 17
                      for a, b, c in zip(h, h[1:], h[2:]))
    return sorted(hashes)[:size], len(hashes)


def url_anchor(url: str | None) -> int | None:
    return int.from_bytes(hashlib.blake2b(b"url\x00" + url.encode(), digest_size=8).digest(), "big") >> 17 \
        if url else None


def pack(values: list[int]) -> str:
    """The sketch as stored: 24 bits of each value in 4 characters (a chance match between two
    24-value sketches is 24*24/2^24 = 3e-5)."""
    packed = 0
    for value in values:
        packed = (packed << 24) | (value & 0xFFFFFF)
    return base64.urlsafe_b64encode(packed.to_bytes(3 * len(values), "big")).decode()
