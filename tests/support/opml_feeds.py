"""An OPML file of real feeds for the sources tests: the feed files of tests/data/feeds (their own titles, and
their links as htmlUrl), each served at a URL of its own (`url_of(n, file name)`, e.g. on a LocalHTTPServer).
There are 32 real feed files: for 50 outlines the list goes round again, the same feed (and title) at a
second URL, which is also what an import must give distinct ids."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree

import feedparser


def real_feeds(data_dir: Path) -> list[tuple[str, bytes, str, str]]:
    """(file name, bytes, title, link) of every feed file in tests/data/feeds, by name."""
    out = []
    for path in sorted(p for p in (data_dir / "feeds").rglob("*") if p.suffix in (".xml", ".rss", ".atom")):
        body = path.read_bytes()
        feed = feedparser.parse(body).feed
        out.append((path.name, body, " ".join(str(feed.get("title") or path.stem).split()), str(feed.get("link") or "")))
    return out


def opml_of_real_feeds(data_dir: Path, url_of: Callable[[int, str], str], count: int = 50) -> bytes:
    feeds = real_feeds(data_dir)
    root = ElementTree.Element("opml", version="1.0")
    ElementTree.SubElement(ElementTree.SubElement(root, "head"), "title").text = "real feeds"
    folder = ElementTree.SubElement(ElementTree.SubElement(root, "body"), "outline", text="News")
    for n in range(count):
        name, _, title, link = feeds[n % len(feeds)]
        ElementTree.SubElement(folder, "outline", type="rss", text=title, title=title, xmlUrl=url_of(n, name),
                               htmlUrl=link)
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)
