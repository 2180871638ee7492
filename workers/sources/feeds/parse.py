"""Feed bytes to `Item`s: a fast lxml path for well-formed feeds, feedparser for the rest.

The fast path reads well-formed RSS 2.0/0.9x, RDF (RSS 0.9/1.0) and Atom 1.0
with lxml. Anything it is not sure of (XML errors, bytes that are not in the
declared encoding, an HTTP charset that disagrees with the document, a DTD
declaring entities, an unknown root) goes to feedparser (feed_fallback.py), which
reads broken markup and hard encodings. A document meant as UTF-8 with a few bad
bytes is first repaired as UTF-8 (encoding.py), so feedparser never reads it as
another charset. An HTML DOCTYPE (XHTML's) before an rss/feed/RDF root is no HTML page.

Both paths reduce an entry to a `RawEntry` of plain strings, and `build_item`
alone turns that into an `Item`, so the two agree item for item; the tests
check it on every real feed we keep. The fast path also makes feedparser's
per-element repairs (`repair_mojibake`). Known, documented difference:
feedparser files <media:description> photo captions under summary/content,
so on its path a caption longer than the description becomes the text; the
fast path uses media:description only when there is no other text.
"""
from __future__ import annotations

import codecs
import logging
import re
from dataclasses import dataclass
from html.entities import html5 as HTML5_ENTITIES
from urllib.parse import urljoin

from lxml import etree

from newswatch.model.item import Item
from newswatch.logs import fields
from newswatch.text import repair_mojibake
from workers.sources.feeds.entry import (NOT_HTML_PAGE, FeedMeta, FeedParseError, RawEntry, build_item,
                                        normalize_lang, parse_date)
from workers.sources.feeds.encoding import repair_utf8
from workers.sources.feeds.fallback import parse_with_feedparser

__all__ = ["FeedParseError", "ParsedFeed", "parse_feed", "parse_date", "normalize_lang"]

log = logging.getLogger(__name__)

ATOM = "http://www.w3.org/2005/Atom"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RSS_NAMESPACES = ("", "http://purl.org/rss/1.0/", "http://my.netscape.com/rdf/simple/0.9/")
DC = "http://purl.org/dc/elements/1.1/"
ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
MEDIA_NAMESPACES = ("http://search.yahoo.com/mrss/", "http://search.yahoo.com/mrss")

_XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=False,
                              remove_comments=True, remove_pis=True, load_dtd=False)
_HTML_START = re.compile(rb"^(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*"
                         rb"<(?:!doctype\s+html|html)[\s>]", re.IGNORECASE | re.DOTALL)
_FEED_ROOTS = frozenset({b"rss", b"feed", b"rdf"})   # under an HTML DOCTYPE, these roots are still a feed
_ROOT_START = re.compile(rb"^(?:\xef\xbb\xbf)?\s*(?:<\?.*?\?>\s*|<!--.*?-->\s*|<!DOCTYPE[^\[>]*(?:\[.*?\])?\s*>\s*)*"
                         rb"<([A-Za-z_][\w.:-]*)", re.DOTALL)
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([^\"';\s]+)", re.IGNORECASE)
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml", "html", "xhtml"})
_HTTP = ("http://", "https://")


@dataclass(slots=True)
class ParsedFeed:
    items: list[Item]
    parser: str  # "fast" or "feedparser"
    title: str | None = None
    lang: str | None = None  # feed-declared language as a two-letter code, None when unknown


def _entry_roles() -> dict[str, str]:
    """Lower-cased element name -> its part in an entry (feedparser lower-cases names too)."""
    roles: dict[str, str] = {}
    for ns in RSS_NAMESPACES:
        p = "{%s}" % ns if ns else ""
        roles |= {p + "title": "title", p + "link": "link", p + "description": "body", p + "guid": "guid",
                  p + "pubdate": "published", p + "author": "author", p + "language": "lang"}
    a = "{%s}" % ATOM.lower()
    roles |= {a + "title": "title", a + "link": "atom_link", a + "content": "body", a + "summary": "body",
              a + "id": "guid", a + "published": "published", a + "issued": "published",
              a + "updated": "updated", a + "author": "atom_author",
              "{http://purl.org/rss/1.0/modules/content/}encoded": "body", "{%s}title" % DC: "title",
              "{%s}description" % DC: "body", "{%s}date" % DC: "updated", "{%s}creator" % DC: "author",
              "{%s}language" % DC: "lang", "{http://purl.org/dc/terms/}issued": "published",
              "{http://purl.org/dc/terms/}modified": "updated", "{%s}author" % ITUNES: "author",
              "{%s}summary" % ITUNES: "body"}
    return roles | {"{%s}%s" % (m, n): "media" for m in MEDIA_NAMESPACES
                    for n in ("title", "description", "content", "group")}


_ROLES = _entry_roles()


def _inner_markup(el) -> str:
    """An element's content as a string: its text, or text and children serialised."""
    if not len(el):
        return el.text or ""
    head = (el.text or "").replace("&", "&amp;").replace("<", "&lt;")
    return head + "".join(etree.tostring(child, encoding="unicode") for child in el)


def _is_plain(el, is_atom: bool) -> bool:
    return is_atom and el.get("type", "text") in ("text", "plain", "text/plain")


def _body(el, is_atom: bool) -> str:
    if is_atom and el.get("type") == "xhtml" and len(el) == 1 and not (el.text or "").strip():
        return _inner_markup(el[0])  # the wrapping <div>
    return _inner_markup(el)


def _uri(el, value: str) -> str:
    """Resolve a relative link against xml:base, as feedparser does."""
    value = value.strip()
    if value and "://" not in value[:12] and el.base:
        try:
            return urljoin(el.base, value)
        except ValueError:
            pass
    return value


def _read_child(raw: RawEntry, role: str, child, is_atom: bool, media: list[tuple[str, str, bool]]) -> None:
    if role == "body":
        raw.bodies.append((_body(child, is_atom), _is_plain(child, is_atom)))
    elif role == "title" and not (raw.title or "").strip():  # the first non-empty one, as in feedparser
        raw.title, raw.title_is_html = _inner_markup(child), not _is_plain(child, is_atom)
    elif role == "link" and child.get("href") is None:
        raw.link = _uri(child, _inner_markup(child))
    elif role == "atom_link" and child.get("href") and child.get("rel", "alternate") == "alternate" \
            and child.get("type", "text/html").lower() in _HTML_TYPES:
        raw.link = _uri(child, child.get("href"))
    elif role == "guid":  # a permalink guid (the default) is resolved like a link
        permalink = next((v for k, v in child.attrib.items() if k.lower() == "ispermalink"), "true") == "true"
        raw.guid = _uri(child, child.text or "") if permalink else (child.text or "").strip()
        raw.guid_is_link = permalink
    elif role in ("published", "updated", "lang"):
        setattr(raw, role, child.text)
    elif role == "author":
        raw.authors.append(_inner_markup(child))
    elif role == "atom_author":
        raw.authors.append(child.findtext("{%s}name" % ATOM) or child.findtext("{%s}email" % ATOM) or "")
    elif role == "media":  # media:title / media:description, at any depth: fallbacks only
        for sub in child.iter():
            local = sub.tag.rsplit("}", 1)[-1].lower() if isinstance(sub.tag, str) else ""
            if local in ("title", "description") and sub.text:
                media.append((local, sub.text, _is_plain(sub, is_atom)))


def _read_entry(el, is_atom: bool) -> RawEntry:
    raw = RawEntry(guid=el.get("{%s}about" % RDF))
    media: list[tuple[str, str, bool]] = []  # (title or description, text, declared plain)
    for child in el:
        role = _ROLES.get(child.tag.lower()) if isinstance(child.tag, str) else None
        if role:
            _read_child(raw, role, child, is_atom, media)
    if raw.link is None and raw.guid_is_link and raw.guid and raw.guid.startswith(_HTTP):
        raw.link = raw.guid
    if not (raw.title or "").strip():
        raw.title, raw.title_is_html = next(((t, not p) for kind, t, p in media if kind == "title"), (None, True))
    raw.bodies = raw.bodies or [(t, p) for kind, t, p in media if kind == "description"]
    raw.title, raw.link, raw.guid = repair_mojibake(raw.title), repair_mojibake(raw.link), repair_mojibake(raw.guid)
    # repair_mojibake gives None only for None: `or ""` just tells mypy these stay str
    raw.bodies = [(repair_mojibake(body) or "", plain) for body, plain in raw.bodies]
    raw.authors = [repair_mojibake(a) or "" for a in raw.authors]
    return raw


def _charset_disagrees(content_type: str | None, declared: str | None) -> bool:
    match = _CHARSET.search(content_type or "")
    if match is None:
        return False
    try:
        return codecs.lookup(match.group(1)).name != codecs.lookup(declared or "utf-8").name
    except LookupError:
        return True


def _resolve_entity_refs(dtd, root) -> bool:
    """Under a DOCTYPE, undeclared references (&nbsp; with the RSS 0.91 DTD) stay in the tree as
    nodes: put their HTML meaning in their place. False when one is unknown or the document
    declares entities of its own (feedparser then; note feedparser silently drops the former)."""
    if dtd is None:
        return True
    if any(True for _ in dtd.iterentities()):
        return False
    for ref in list(root.iter(etree.Entity)):
        value = HTML5_ENTITIES.get(ref.name + ";")
        if value is None:
            return False
        parent, previous, text = ref.getparent(), ref.getprevious(), value + (ref.tail or "")
        if previous is not None:
            previous.tail = (previous.tail or "") + text
        else:
            parent.text = (parent.text or "") + text
        parent.remove(ref)
    return True


def _channel_meta(channel, root, is_atom: bool) -> FeedMeta:
    ns = channel.tag[: channel.tag.index("}") + 1] if channel.tag[0] == "{" else ""
    link = None if is_atom else channel.findtext(ns + "link")
    for el in channel.iterfind("{%s}link" % ATOM):
        if not link and el.get("rel", "alternate") == "alternate" and el.get("href"):
            link = el.get("href")
    lang = (channel.findtext(ns + "language") or channel.findtext("{%s}language" % DC)
            or root.get("{http://www.w3.org/XML/1998/namespace}lang"))
    return FeedMeta(repair_mojibake(channel.findtext(ns + "title")), repair_mojibake(link), lang)


def _parse_fast(body: bytes, content_type: str | None) -> tuple[FeedMeta, list[RawEntry]] | None:
    """Meta and entries of a well-formed feed, or None when feedparser should take over."""
    try:
        root = etree.fromstring(body, _XML_PARSER)
    except (etree.XMLSyntaxError, ValueError) as exc:
        log.debug(fields("feed_fast_path_declined", reason=exc))
        return None
    docinfo = root.getroottree().docinfo
    if _charset_disagrees(content_type, docinfo.encoding) or not _resolve_entity_refs(docinfo.internalDTD, root):
        return None
    tag = root.tag.lower() if isinstance(root.tag, str) else ""
    if tag.rsplit("}", 1)[-1] == "html":
        raise FeedParseError(NOT_HTML_PAGE)
    if tag == "{%s}feed" % ATOM.lower():
        return _channel_meta(root, root, True), [_read_entry(e, True) for e in root.iterfind("{%s}entry" % ATOM)]
    if tag == "rss":
        channel = root.find("channel")
        items = [] if channel is None else [_read_entry(e, False) for e in channel.iterfind("item")]
        if channel is None or (not items and root.find(".//item") is not None):
            return None  # items outside the channel: a dialect feedparser knows
        return _channel_meta(channel, root, False), items
    if tag == "{%s}rdf" % RDF:
        for ns in RSS_NAMESPACES[1:]:
            channel = root.find("{%s}channel" % ns)
            if channel is not None:
                items = [_read_entry(e, False) for e in root.iterfind("{%s}item" % ns)]
                return _channel_meta(channel, root, False), items
    return None


def _feed_root(body: bytes) -> bool:
    """Whether the root element (after any DOCTYPE, such as an XHTML one) is rss, feed or rdf:RDF."""
    match = _ROOT_START.match(body[:8192])
    return match is not None and match.group(1).lower().rsplit(b":", 1)[-1] in _FEED_ROOTS


def _missing_root_end(body: bytes) -> str | None:
    """The root element's name when the body ends before its end tag: the download was cut short.

    Only judged for ASCII-compatible bodies (the root start tag found as bytes).
    """
    match = _ROOT_START.match(body[:8192])
    if match is None or b"</" + match.group(1) in body[-1024:]:
        return None
    return match.group(1).decode("ascii")


# --- the entry point -------------------------------------------------------------------------

def parse_feed(body: bytes, source_id: str, *, content_type: str | None = None,
               base_url: str | None = None, fast: bool = True) -> ParsedFeed:
    """Items of a fetched feed body; FeedParseError when it is no usable feed.

    `content_type` is the HTTP Content-Type (its charset is checked against the
    document), `base_url` the feed's URL (relative links resolve against it,
    else against the feed's own link). `fast=False` forces feedparser.
    """
    if not body or body.isspace():
        raise FeedParseError("empty body")
    if _HTML_START.match(body[:2048]) and not _feed_root(body):
        raise FeedParseError(NOT_HTML_PAGE)
    parsed, parser, error, broken = (_parse_fast(body, content_type) if fast else None), "fast", None, False
    repaired = repair_utf8(body, content_type) if parsed is None else None
    if repaired is not None:      # UTF-8 with a few bad bytes: read as UTF-8, not as another charset
        body, bad = repaired
        log.info(fields("feed_utf8_repaired", source_id=source_id, replaced=bad))
        parsed = _parse_fast(body, content_type) if fast else None
    if parsed is None:
        root = _missing_root_end(body)
        if root:  # feedparser would keep the entries before the cut, the last one cut short
            raise FeedParseError(f"truncated feed: the document ends before </{root}>")
        *parsed, error, broken = parse_with_feedparser(body, content_type)
        parser = "feedparser"
    meta, raws = parsed
    meta = meta.normalized(base_url)
    items = [item for raw in raws if (item := build_item(raw, source_id, meta)) is not None]
    if broken and not items:
        raise FeedParseError(f"malformed XML and feedparser found no entries: {error}")
    if error:
        log.warning(fields("feed_bozo_accepted", source_id=source_id, items=len(items), error=error))
    if len(raws) > len(items):
        log.info(fields("feed_entries_dropped", source_id=source_id, dropped=len(raws) - len(items),
                        reason="no title, text or link"))
    return ParsedFeed(items=items, parser=parser, title=meta.title, lang=meta.lang)
