"""OPML, the feed readers' list of feeds: read one into RSS sources, write the RSS sources as one.

Reading is bounded and offline: at most MAX_OPML_BYTES and MAX_FEEDS, nesting at most MAX_DEPTH; a DOCTYPE
(and so any entity declaration, internal or external) is refused before anything could expand or fetch it
(the standard library's expat, with the declaration handlers raising). Every problem is an OpmlError that
says what is wrong and where (line)."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit
from xml.etree import ElementTree
from xml.parsers import expat

MAX_OPML_BYTES = 2 * 1024 * 1024
MAX_FEEDS = 2000
MAX_DEPTH = 32
MAX_ID = 64


class OpmlError(ValueError):
    """An OPML file that cannot be imported: the message says why (and at which line)."""


@dataclass(frozen=True)
class Feed:
    title: str
    url: str


def parse_opml(data: bytes) -> list[Feed]:
    """The feeds (outlines with an xmlUrl) of an OPML document, in document order."""
    if len(data) > MAX_OPML_BYTES:
        raise OpmlError(f"the OPML file is larger than {MAX_OPML_BYTES // 1024} KiB")
    parser = expat.ParserCreate()
    feeds: list[Feed] = []
    stack: list[str] = []

    def where() -> str:
        return f"line {parser.CurrentLineNumber}"

    def refuse_doctype(*_: Any) -> None:
        raise OpmlError(f"{where()}: a DOCTYPE is not allowed in OPML here (no entities, nothing fetched)")

    def start(name: str, attrs: dict[str, str]) -> None:
        if not stack and name != "opml":
            raise OpmlError(f"{where()}: the root element is <{name}>, not <opml>")
        stack.append(name)
        if len(stack) > MAX_DEPTH:
            raise OpmlError(f"{where()}: outlines nested deeper than {MAX_DEPTH}")
        url = next((v for k, v in attrs.items() if k.lower() == "xmlurl"), "").strip()
        if name != "outline" or not url:
            return
        if not re.match(r"^https?://[^\s/]+", url, re.IGNORECASE):
            raise OpmlError(f"{where()}: xmlUrl {url[:200]!r} is not an http(s) URL")
        if len(feeds) >= MAX_FEEDS:
            raise OpmlError(f"more than {MAX_FEEDS} feeds in one OPML file")
        title = (attrs.get("title") or attrs.get("text") or "").strip()
        feeds.append(Feed(" ".join(title.split())[:300], url[:2000]))

    parser.StartDoctypeDeclHandler = refuse_doctype
    parser.EntityDeclHandler = refuse_doctype
    parser.StartElementHandler = start
    parser.EndElementHandler = lambda _name: stack.pop()
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise OpmlError(f"not well-formed XML: {expat.ErrorString(exc.code)} at line {exc.lineno}, "
                        f"column {exc.offset}") from None
    if not feeds:
        raise OpmlError("no feeds in this OPML file (no <outline> with an xmlUrl)")
    return feeds


def to_opml(feeds: list[Feed], title: str = "newswatch sources") -> bytes:
    """An OPML 2.0 document listing the feeds (escaped by ElementTree)."""
    root = ElementTree.Element("opml", version="2.0")
    head = ElementTree.SubElement(root, "head")
    ElementTree.SubElement(head, "title").text = title
    body = ElementTree.SubElement(root, "body")
    for feed in feeds:
        ElementTree.SubElement(body, "outline", type="rss", text=feed.title, title=feed.title, xmlUrl=feed.url)
    ElementTree.indent(root)
    document: bytes = ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)
    return document + b"\n"


def slug(text: str) -> str:
    """"Al Jazeera – All News" -> "al-jazeera-all-news": ASCII letters, digits and dashes."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:MAX_ID].strip("-")


def source_id(feed: Feed, taken: set[str]) -> str:
    """An id for the feed's source, from its title (else its URL's host and path), not in `taken`."""
    parts = urlsplit(feed.url)
    base = slug(feed.title) or slug(f"{parts.hostname or ''} {parts.path}") or "feed"
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base[:MAX_ID - len(str(n)) - 1]}-{n}"
    return candidate


def normalized_url(url: str) -> str:
    """What makes two feed URLs the same feed: scheme and host case-insensitive, no trailing slash."""
    parts = urlsplit(url.strip())
    return f"{parts.scheme.lower()}://{(parts.netloc or '').lower()}{parts.path.rstrip('/')}" + (
        f"?{parts.query}" if parts.query else "")


def entries_from_feeds(feeds: list[Feed], ids: set[str], urls: set[str], interval: str = "5m"
                       ) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """`sources:` entries (type rss) for the feeds whose URL is not among `urls`, with ids unique against
    `ids`; and the feeds skipped, each with its reason."""
    taken, seen = set(ids), {normalized_url(u) for u in urls}
    entries, skipped = [], []
    for feed in feeds:
        key = normalized_url(feed.url)
        if key in seen:
            skipped.append({"url": feed.url, "title": feed.title, "reason": "a source already reads this URL"})
            continue
        seen.add(key)
        new_id = source_id(feed, taken)
        taken.add(new_id)
        entries.append({"id": new_id, "type": "rss", "url": feed.url, "interval": interval})
    return entries, skipped
