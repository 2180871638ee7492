"""The shared half of feed parsing: an entry's plain strings (`RawEntry`) to an `Item`.

Both parsers in `parse.py` reduce an entry to a `RawEntry`, and `build_item`
alone turns that into an `Item`, so the two paths agree item for item.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin

from feedparser.datetimes import _parse_date as feedparser_parse_date

from newswatch.model.item import Item
from newswatch.text import clean_title, html_to_text, plain_text

_HTTP = ("http://", "https://")
NOT_HTML_PAGE = "not a feed: the server sent an HTML page"


class FeedParseError(Exception):
    """The body is not a feed we can read; `reason` says why, for the source's health record."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(slots=True)
class FeedMeta:
    title: str | None = None
    link: str | None = None
    lang: str | None = None
    base: str | None = None  # what relative entry links resolve against

    def normalized(self, base_url: str | None) -> "FeedMeta":
        link = absolute_link(self.link, base_url)
        return FeedMeta(clean_title(self.title) or None, link, normalize_lang(self.lang), base_url or link)


@dataclass(slots=True)
class RawEntry:
    """One entry in the feed's own strings: what both parsers hand to `build_item`."""

    title: str | None = None
    title_is_html: bool = True
    bodies: list[tuple[str, bool]] = field(default_factory=list)  # (markup or text, declared plain)
    link: str | None = None
    guid: str | None = None
    guid_is_link: bool = False
    published: str | None = None
    updated: str | None = None
    authors: list[str] = field(default_factory=list)
    lang: str | None = None


# --- the shared half: plain strings to an Item ------------------------------------------

_LANG_NAMES = {"eng": "en", "english": "en", "fra": "fr", "fre": "fr", "french": "fr", "deu": "de",
               "ger": "de", "german": "de", "spa": "es", "spanish": "es", "por": "pt", "ita": "it",
               "rus": "ru", "ara": "ar", "zho": "zh", "chi": "zh", "jpn": "ja", "urd": "ur", "hin": "hi",
               "tur": "tr", "fas": "fa", "per": "fa", "ukr": "uk", "pol": "pl", "nld": "nl", "dut": "nl"}
# Month names feeds use instead of English in RFC 822 dates (it, pt, es, fr, de, nl).
_MONTHS = {"gen": "Jan", "ene": "Jan", "janv": "Jan", "jän": "Jan", "fev": "Feb", "fév": "Feb",
           "févr": "Feb", "mär": "Mar", "mrz": "Mar", "mars": "Mar", "abr": "Apr", "avr": "Apr",
           "mag": "May", "mai": "May", "mei": "May", "giu": "Jun", "juin": "Jun", "lug": "Jul",
           "juil": "Jul", "ago": "Aug", "août": "Aug", "set": "Sep", "sept": "Sep", "ott": "Oct",
           "out": "Oct", "okt": "Oct", "dic": "Dec", "dez": "Dec", "déc": "Dec"}
_LOCAL_RFC822 = re.compile(r"^(?:[^\W\d]+\.?,?\s+)?(\d{1,2})\s+([^\W\d]+)\.?\s+(\d{4})\s+(.*)$")
_EMAIL_THEN_NAME = re.compile(r"^\S+@\S+\s*\((.+)\)$")
_NAME_THEN_EMAIL = re.compile(r"^(.+?)\s*[<(]\s*\S+@\S+?\s*[>)]$")
_ENTITY_IN_URL = re.compile(r"&([A-Za-z0-9_]+);")
_SLASHES_AFTER_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+-.]*://)(/*)(.*?)")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def normalize_lang(value: str | None) -> str | None:
    """'en-US', 'en_us', 'IT-it', 'eng' -> 'en', 'it'; None when it names no language we know."""
    primary = re.split(r"[-_\s]", value.strip().lower(), maxsplit=1)[0] if value else ""
    if len(primary) == 2 and primary.isascii() and primary.isalpha():
        return primary
    return _LANG_NAMES.get(primary)


def _local_rfc822(value: str) -> datetime | None:
    """'Seg, 24 Set 2018 19:42:40 -0300': weekday and month not in English."""
    match = _LOCAL_RFC822.match(value)
    if not match:
        return None
    day, month, year, rest = match.groups()
    return parsedate_to_datetime(f"{day} {_MONTHS.get(month.lower(), month[:3].title())} {year} {rest}")


def parse_date(value: str | None) -> datetime | None:
    """A feed date as aware UTC, None when missing or unreadable; a date without zone is UTC."""
    value = value.strip() if value else ""
    parsed = None
    for parse in (parsedate_to_datetime, datetime.fromisoformat, _local_rfc822):
        try:
            parsed = parse(value) if value else None
        except (TypeError, ValueError, IndexError, OverflowError):
            continue
        if parsed is not None:
            break
    else:
        struct = feedparser_parse_date(value) if value else None  # the odd formats it knows
        try:
            return datetime(*struct[:6]).replace(tzinfo=timezone.utc) if struct else None
        except ValueError:
            return None
    try:
        return parsed.replace(tzinfo=timezone.utc) if parsed.tzinfo is None else parsed.astimezone(timezone.utc)
    except OverflowError:   # 9999-12-31T23:59-23:59 is past the last date Python knows once in UTC
        return None


def _author(names: list[str]) -> str | None:
    """'a@b.c (Jane Doe)' and 'Jane Doe <a@b.c>' -> 'Jane Doe'; several authors joined by ', '."""
    out: list[str] = []
    for raw in names:
        name = clean_title(raw)
        match = _EMAIL_THEN_NAME.match(name) or _NAME_THEN_EMAIL.match(name)
        name = match.group(1).strip() if match else name
        if name and name not in out:
            out.append(name)
    return ", ".join(out) or None


def absolute_link(link: str | None, base: str | None) -> str | None:
    """An http(s) URL or None: escaped '&' undone (as feedparser does), relative links resolved."""
    link = link.strip() if link else ""
    if not link:
        return None
    link = _ENTITY_IN_URL.sub(r"&\1", link.replace("&amp;", "&"))
    link = _SLASHES_AFTER_SCHEME.sub(r"\1\3", link)
    if not link.startswith(_HTTP) and base and not _SCHEME.match(link):
        try:
            link = urljoin(base, link)
        except ValueError:
            return None
    return link if link.startswith(_HTTP) else None


def build_item(raw: RawEntry, source_id: str, meta: FeedMeta) -> Item | None:
    """The one place an entry becomes an `Item`, whichever parser read it. None for an empty entry."""
    title = clean_title(raw.title, is_html=raw.title_is_html)
    texts = [plain_text(body) if plain else html_to_text(body) for body, plain in raw.bodies if body]
    text = max(texts, key=len, default="")  # full content when it says more than the summary
    url = absolute_link(raw.link, meta.base)
    if not (title or text or url):
        return None
    return Item(
        source_id=source_id, title=title, text=text, url=url, guid=(raw.guid or "").strip() or None,
        published=parse_date(raw.published) or parse_date(raw.updated),
        lang=normalize_lang(raw.lang) or meta.lang, author=_author(raw.authors),
    ).finish()


# --- the fast path: lxml on well-formed feeds ----------------------------------------------
