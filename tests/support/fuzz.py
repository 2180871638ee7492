"""Hypothesis strategies for tests/test_fuzz_parsers.py: real inputs, mutated the way hostile or
broken ones are (byte flips, truncation, deletion, duplication, insertion of a hostile snippet).

`mutated(seeds, snippets)` draws one real document and applies up to five mutations; `prolog`
snippets (DOCTYPEs) go right after the XML declaration, where a parser reads them. The snippets
are what servers, proxies and attackers actually send: entities (undeclared, numeric out of
range, billion laughs, external files), huge attributes, deep nesting, wrong encodings.
"""
from __future__ import annotations

import copy
import os
import re
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[2]

# CI: a fixed set of examples (derandomized, no example database), so a run is repeatable and stays
# well under a minute. NEWSWATCH_FUZZ=long explores new random inputs for as long as you like.
_LONG = os.environ.get("NEWSWATCH_FUZZ") == "long"
TEST_TIMEOUT = 0 if _LONG else 120   # seconds per test (pytest-timeout; 0: none): CI's run takes ~10 s each


def fuzz_settings(examples: int) -> settings:
    return settings(max_examples=examples * 50 if _LONG else examples, deadline=None, database=None,
                    derandomize=not _LONG,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much])


PER_CALL = timedelta(seconds=2)     # the time bound every input must parse in


def read_all(folder: Path, pattern: str) -> list[bytes]:
    files = sorted(p for p in folder.glob(pattern) if p.is_file())
    assert files, f"no real data in {folder} matching {pattern}"
    return [p.read_bytes() for p in files]


_LAUGHS = (b'<!DOCTYPE lolz [<!ENTITY lol "lol">'
           + b"".join(b'<!ENTITY lol%d "%s">' % (n, (b"&lol%d;" % (n - 1) if n > 1 else b"&lol;") * 10)
                      for n in range(1, 10)) + b"]>")

FEED_PROLOGS = [
    _LAUGHS,
    b'<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
    b'<!DOCTYPE rss [<!ENTITY % dtd SYSTEM "http://127.0.0.1:9/evil.dtd"> %dtd;]>',
    b'<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
    b'"http://my.netscape.com/publish/formats/rss-0.91.dtd">',
    b'<!DOCTYPE rss [<!ENTITY a "' + b"A" * 50_000 + b'">]>',
    b"<!DOCTYPE html>",
    b'<?xml version="1.0" encoding="utf-16"?>',
    b'<?xml version="1.0" encoding="bogus-8"?>',
    b"<?xml-stylesheet href='x.xsl' type='text/xsl'?>",
]

FEED_SNIPPETS = [
    b"&nbsp;", b"&amp;", b"&bogus;", b"&lol9;", b"&xxe;", b"&a;", b"&#0;", b"&#x0;", b"&#xD800;", b"&#1114112;",
    b"&#99999999999999999999;", b"&lt;script&gt;alert(1)&lt;/script&gt;", b"<![CDATA[", b"]]>", b"<!--", b"-->",
    b"\x00", b"\xff\xfe", b"\xef\xbb\xbf", b"\xc3", b"\xed\xa0\x80", b"\xf4\x90\x80\x80",
    b"<item><title>t</title><link>http://127.0.0.1/x</link></item>", b"<entry><title>t</title></entry>",
    b"</channel>", b"</item>", b"<html><body>", b'<x a="' + b"A" * 200_000 + b'"/>', b"B" * 300_000,
    b"<b>" * 300, b"<div>" * 3000, b'<a href="javascript:alert(1)">x</a>', b'<link href="http://[::1"/>',
    b'xml:base="http://[bad" ', b"<guid isPermaLink='false'>\x01</guid>",
    b"<pubDate>Mon, 99 Foo 99999 99:99:99 +9999</pubDate>", b"<dc:date>0000-00-00T00:00:00Z</dc:date>",
    b"<pubDate>Fri, 31 Dec 9999 23:59:59 -2359</pubDate>", b"<updated>9999-12-31T23:59:59-23:59</updated>",
    b"<title>" + "\u202e\u0000\ufeff".encode() + b"</title>", "Лавров в Бамако".encode("cp1251"),
]

PAGE_SNIPPETS = [
    b'<div class="tgme_widget_message" data-post="chan/123">', b'<div class="tgme_widget_message" data-post="x/-1">',
    b'<div class="tgme_widget_message" data-post="chan/999999999999">', b"</div>", b"</div></div></div>",
    b'<div class="tgme_widget_message_text js-message_text">', b'<div class="tgme_channel_history">',
    b'<div class="tgme_page">', b'<time datetime="2024-13-45T99:99:99+99:00">',
    b'<time datetime="9999-12-31T23:59:59-23:59">', b'<time datetime="0001-01-01T00:00:00+23:59">',
    b'<span class="tgme_widget_message_views">1e309K</span>', b'<span class="tgme_widget_message_views">nan</span>',
    b'<a class="tgme_widget_message_photo_wrap" href="https://t.me/c/99999999999?single">',
    b'<div class="tgme_widget_message_poll"><div class="tgme_widget_message_poll_option">',
    b'<a class="tgme_widget_message_forwarded_from_name" href="javascript:x">', b"<br>" * 5000,
    b'<a class="tgme_widget_message_reply">', b'<a class="tgme_widget_message_link_preview">',
    b'<i class="emoji" style="background-image:url(\'//telegram.org/img/emoji/40/F09F8E89.png\')">'
    b"<b>\xf0\x9f\x8e\x89</b></i>",
    b'<meta charset="utf-16">', b'<div class="x" data-post="' + b"A" * 200_000 + b'">', b"<b>" * 3000,
    b"<span>" * 20_000, b"&#0;", b"&#x110000;", b"\x00", b"\xc3", b"<![CDATA[", b"<script>", b"<!--",
]

DATES = [b"Fri, 31 Dec 9999 23:59:59 -2359", b"9999-12-31T23:59:59-23:59", b"0001-01-01T00:00:00+23:59",
         b"Mon, 01 Jan 0001 00:00:00 +2359", b"99999-01-01", b"Mon, 99 Foo 99999 99:99:99 +9999", b"2026-02-30",
         b"1e309", b"-1", b"", b"   ", b"2026-02-10T10:00:00+25:00", b"\xff\xfe", b"9" * 5000]
URLS = [b"http://[::1", b"javascript:alert(1)", b"http://exa mple.com/\x00", b"//", b"http://" + b"a" * 70_000,
        b"http://xn--/", b"http://127.0.0.1:99999/", b"http://[fe80::1%25eth0]/", b"file:///etc/passwd",
        b"http://example.com/?utm_source=x&amp;fbclid=1", b"&#x110000;", b"", b"   ", b"http://\xc3\x28/"]
TEXTS = [b"", b"&amp;amp;amp;", b"<![CDATA[<b>x</b>]]>", b"\xe2\x80\xae\x00", b"T" * 100_000, b"&#0;"]
# (a value in the document, what to put there instead): where a value reaches code of ours
FEED_FIELDS = [(re.compile(rb"<(?:pubDate|dc:date|updated|published)>([^<]*)<"), DATES),
               (re.compile(rb"<link>([^<]*)</link>|href=\"([^\"]*)\"|<guid[^>]*>([^<]*)</guid>"), URLS),
               (re.compile(rb"<title>([^<]*)</title>|<description>([^<]*)</description>"), TEXTS)]
PAGE_FIELDS = [(re.compile(rb'datetime="([^"]*)"'), DATES),
               (re.compile(rb'data-post="([^"]*)"'), [b"chan/0", b"chan/-1", b"chan/99999999999999999999", b"/1",
                                                      b"a" * 65 + b"/1", b"chan/1/2", b""]),
               (re.compile(rb'message_views">([^<]*)<'), [b"1e309K", b"nan", b"inf", b"-5", b"1.1.1M", b"9" * 400]),
               (re.compile(rb'href="([^"]*)"'), URLS),
               (re.compile(rb"(?s)js-message_text[^>]*>(.*?)</div>"), TEXTS)]

PAGE_ENCODINGS = [None, "utf-8", "latin-1", "utf-16", "windows-1251", "bogus-charset", "utf-7"]

_DECLARATION_END = re.compile(rb"^(?:\xef\xbb\xbf)?\s*<\?xml[^>]*\?>")


Fields = list[tuple["re.Pattern[bytes]", list[bytes]]]


def _replace_field(draw: st.DrawFn, data: bytes, fields: Fields) -> bytes:
    pattern, values = draw(st.sampled_from(fields))
    found = [m for _, m in zip(range(64), pattern.finditer(data))]
    if not found:
        return data
    match = draw(st.sampled_from(found))
    group = next(g for g in range(1, (pattern.groups or 0) + 1) if match.start(g) >= 0) if pattern.groups else 0
    return data[:match.start(group)] + draw(st.sampled_from(values)) + data[match.end(group):]


@st.composite
def mutated(draw: st.DrawFn, seeds: list[bytes], snippets: list[bytes], prologs: list[bytes] = (),
            fields: Fields = ()) -> bytes:
    """A seed with up to five mutations; `fields`: values put in place of a real one (a date, a link)."""
    data = draw(st.sampled_from(seeds))
    if prologs and draw(st.integers(0, 3)) == 0:
        end = _DECLARATION_END.match(data)
        cut = end.end() if end else 0
        data = data[:cut] + draw(st.sampled_from(prologs)) + data[cut:]
    only_fields = bool(fields) and draw(st.booleans())   # values only: the document stays well-formed, mostly
    for _ in range(draw(st.integers(1, 2) if only_fields else st.integers(0, 5))):
        at = draw(st.integers(0, len(data)))
        op = "field" if only_fields else draw(st.sampled_from(
            ("insert", "insert", "flip", "truncate", "delete", "duplicate", "random") + (("field",) if fields else ())))
        if op == "field":
            data = _replace_field(draw, data, list(fields))
        elif op == "insert":
            data = data[:at] + draw(st.sampled_from(snippets)) + data[at:]
        elif op == "flip" and data:
            at = min(at, len(data) - 1)
            data = data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1:]
        elif op == "truncate":
            data = data[:at]
        elif op in ("delete", "duplicate"):
            span = data[at:at + draw(st.integers(1, 4096))]
            data = data[:at] + data[at + len(span):] if op == "delete" else data[:at] + span * 2 + data[at + len(span):]
        elif op == "random":
            data = data[:at] + draw(st.binary(min_size=1, max_size=64)) + data[at:]
    return data


def parts(docs: list[object]) -> list[object]:
    """Every value inside the documents, scalars and containers: what a tree mutation swaps in."""
    found: list[object] = []
    stack = list(docs)
    while stack:
        node = stack.pop()
        found.append(node)
        stack.extend(node.values() if isinstance(node, dict) else node if isinstance(node, list) else ())
    return found


def _container(draw: st.DrawFn, doc: list | dict) -> tuple[list | dict, object]:
    """A container somewhere in `doc` and one of its keys (or indexes)."""
    node: list | dict = doc
    while True:
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        if not keys:
            return node, None
        key = draw(st.sampled_from(keys))
        child = node[key]  # type: ignore[index]
        if not isinstance(child, (list, dict)) or not child or draw(st.booleans()):
            return node, key
        node = child


@st.composite
def mutated_tree(draw: st.DrawFn, docs: list[object], leaves: st.SearchStrategy[object]) -> object:
    """A real document (parsed YAML) with one to four values replaced, deleted or repeated."""
    doc = copy.deepcopy(draw(st.sampled_from(docs)))
    for _ in range(draw(st.integers(1, 4))):
        if not isinstance(doc, (list, dict)) or not doc:
            break
        node, key = _container(draw, doc)
        op = draw(st.sampled_from(("replace", "replace", "delete", "repeat")))
        if key is None:
            continue
        if op == "replace":
            node[key] = copy.deepcopy(draw(leaves))  # type: ignore[index]   # never a shared part
        elif op == "delete":
            del node[key]  # type: ignore[arg-type]
        elif isinstance(node, list):
            node.insert(key, copy.deepcopy(node[key]))  # type: ignore[arg-type, call-overload]
    return doc
