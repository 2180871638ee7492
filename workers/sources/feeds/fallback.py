"""The fallback of feed parsing: feedparser reads what the fast lxml path (parse.py) is not
sure of (broken markup, hard encodings, unknown dialects), and its entries are reduced to the
same `RawEntry` strings, so `build_item` makes the same items from either path.

feedparser's loose parser turns `&#NNN;` into `chr(NNN)` unchecked: one reference past U+10FFFF,
to a surrogate, or too long for a C int made it raise ValueError / OverflowError /
UnicodeEncodeError, and the whole feed was lost, with the source's health never told. Such a
reference now stands for U+FFFD, as in HTML. An XML declaration naming a garbled encoding
(UnicodeDecodeError or ValueError in feedparser's sniffing) loses that declaration instead of the
feed. Whatever else feedparser raises on a hostile document becomes a FeedParseError (the source's
health records it)."""
from __future__ import annotations

import io
import logging
import re

import feedparser

from newswatch.logs import fields
from workers.sources.feeds.entry import NOT_HTML_PAGE, FeedMeta, FeedParseError, RawEntry

log = logging.getLogger(__name__)

_HTTP = ("http://", "https://")
_CHAR_REF = re.compile(rb"&#(?:[xX]([0-9a-fA-F]+)|([0-9]+));")
_DECLARED_ENCODING = re.compile(rb"""^(\xef\xbb\xbf)?(\s*<\?xml\b[^>]*?)\s+encoding\s*=\s*(["'])(.*?)\3""", re.DOTALL)
_ENCODING_NAME = re.compile(rb"[A-Za-z][A-Za-z0-9._:-]{0,39}")
_REPLACEMENT_REF = b"&#xFFFD;"


def _without_garbled_encoding(body: bytes) -> bytes:
    """An XML declaration whose encoding is no encoding name (`encoding="utf-\\x008"`, bytes past
    ASCII) made feedparser raise: drop the pseudo-attribute, so the encoding is sniffed instead."""
    match = _DECLARED_ENCODING.match(body[:1024])
    if match is None or _ENCODING_NAME.fullmatch(match.group(4)):
        return body
    return body[:match.end(2)] + body[match.end():]


def _valid_code_point(match: re.Match[bytes]) -> bytes:
    """A numeric character reference, or U+FFFD's when it names no character (NUL, a surrogate,
    past U+10FFFF): what an HTML parser reads there."""
    digits = match.group(1) or match.group(2)
    if len(digits.lstrip(b"0")) > 8:       # past U+10FFFF whatever the digits (and no int of 10,000 digits)
        return _REPLACEMENT_REF
    code = int(digits, 16 if match.group(1) else 10)
    return match.group(0) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else _REPLACEMENT_REF


def _entry_from_feedparser(entry, is_atom: bool) -> RawEntry:
    """The strings the fast path reads, taken from a feedparser entry."""
    get = dict.get  # plain lookups: FeedParserDict answers some missing keys with others

    def plain(detail) -> bool:
        return is_atom and (detail or {}).get("type") == "text/plain"

    bodies = [(c.get("value") or "", plain(c)) for c in get(entry, "content", ())]
    if get(entry, "summary"):
        bodies.append((entry["summary"], plain(get(entry, "summary_detail"))))
    link = get(entry, "link")
    if link and get(entry, "guidislink") and not link.startswith(_HTTP):
        link = None  # feedparser made a guid that is no URL the link
    return RawEntry(
        title=get(entry, "title"), title_is_html=not plain(get(entry, "title_detail")), bodies=bodies,
        link=link, guid=get(entry, "id"), published=get(entry, "published"), updated=get(entry, "updated"),
        authors=[a.get("name") or a.get("email") or "" for a in get(entry, "authors", ())],
        lang=get(entry, "language"),
    )


def parse_with_feedparser(body: bytes, content_type: str | None):
    """Meta, entries, feedparser's complaint (or None), and whether the complaint is a broken document."""
    # BytesIO, never bytes: feedparser takes a bytes argument for a file name first.
    # No sanitising or URI rewriting: we only take text out of the HTML and resolve links ourselves.
    headers = {"content-type": content_type} if content_type else {}
    body = _without_garbled_encoding(body)
    if b"&#" in body:
        body = _CHAR_REF.sub(_valid_code_point, body)
    try:
        result = feedparser.parse(io.BytesIO(body), response_headers=headers,
                                  sanitize_html=False, resolve_relative_uris=False)
    except Exception as exc:   # feedparser's bug on a hostile document: the feed is unreadable, not the worker
        log.warning(fields("feedparser_crashed", error=type(exc).__name__, detail=str(exc)[:200]))
        raise FeedParseError(f"feedparser cannot read the document ({type(exc).__name__}: {str(exc)[:200]})") from None
    version, entries = result.get("version") or "", result.get("entries") or []
    error = result.get("bozo_exception") if result.get("bozo") else None
    # read fine, only not as announced (charset, media type): not a broken document
    broken = error is not None and not isinstance(error, (feedparser.CharacterEncodingOverride,
                                                          feedparser.NonXMLContentType))
    if not entries and not version:
        if b"<html" in body[:4096].lower():
            raise FeedParseError(NOT_HTML_PAGE)
        if not broken:
            raise FeedParseError("not a feed: no RSS, RDF or Atom document found")
    feed = result.get("feed") or {}
    meta = FeedMeta(feed.get("title"), feed.get("link"), feed.get("language"))
    raws = [_entry_from_feedparser(e, version.startswith("atom")) for e in entries]
    return meta, raws, (str(error) if error is not None else None), broken
