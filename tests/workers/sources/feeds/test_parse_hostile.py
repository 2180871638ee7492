"""What the fuzzer (tests/test_fuzz_parsers.py) found in feed parsing, pinned on real feeds.

Each of these made `parse_feed` raise something other than FeedParseError, so the poll task
failed without the source's health being told, and every item of the feed was lost:

- a numeric character reference that names no character (`&#1114112;`, `&#xD800;`,
  `&#99999999999999999999;`) on feedparser's path: ValueError / UnicodeEncodeError / OverflowError;
- a date that leaves Python's range once moved to UTC (`Fri, 31 Dec 9999 23:59:59 -2359`):
  OverflowError on both paths;
- a C0 control character in an item's HTML (`&#1;`, a vertical tab pasted from a word processor):
  lxml's ValueError in html_to_text, on both paths;
- a link or guid with a port past 65535 or not a number: ValueError in canonical_url;
- an XML declaration whose encoding name is garbled: ValueError / UnicodeDecodeError in feedparser.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from workers.sources.feeds.parse import parse_feed

FEED = Path(__file__).resolve().parents[3] / "data" / "feeds" / "world-2026-02" / "npr_world__7be307059415227d.xml"


def real_feed() -> bytes:
    body = FEED.read_bytes()
    assert parse_feed(body, "npr").items, "the real feed must parse as it is"
    return body


def first(element: bytes, body: bytes, replacement: bytes) -> bytes:
    """The body with the content of the first item's `element` replaced."""
    match = re.search(rb"(?s)<item>.*?<" + element + rb">([^<]*)</" + element + rb">", body)
    assert match, element
    return body[:match.start(1)] + replacement + body[match.end(1):]


@pytest.mark.parametrize("reference", [b"&#1114112;", b"&#x110000;", b"&#xD800;", b"&#99999999999999999999;", b"&#0;"])
def test_a_reference_to_no_character_costs_one_character_not_the_feed(reference):
    clean = parse_feed(real_feed(), "npr")
    body = first(b"title", real_feed(), b"Sahel " + reference + b" summit")
    parsed = parse_feed(body, "npr")
    assert parsed.parser == "feedparser"                     # lxml refuses the reference: the fallback reads it
    assert len(parsed.items) == len(clean.items)
    assert parsed.items[0].title == "Sahel \ufffd summit"      # as an HTML parser reads it
    assert [i.title for i in parsed.items[1:]] == [i.title for i in clean.items[1:]]


@pytest.mark.parametrize("fast", [True, False])
@pytest.mark.parametrize("date", [b"Fri, 31 Dec 9999 23:59:59 -2359", b"0001-01-01T00:00:00+23:59"])
def test_a_date_past_the_calendar_leaves_the_item_undated_not_lost(date, fast):
    clean = parse_feed(real_feed(), "npr", fast=fast)
    parsed = parse_feed(first(b"pubDate", real_feed(), date), "npr", fast=fast)
    assert len(parsed.items) == len(clean.items)
    dated = [i.published for i in parsed.items]
    assert sum(d is None for d in dated) <= 1 and dated[1:] == [i.published for i in clean.items[1:]]


@pytest.mark.parametrize("fast", [True, False])
@pytest.mark.parametrize("control", [b"&#1;", b"\x0b", b"&#31;"])
def test_a_control_character_in_the_html_is_a_space(control, fast):
    clean = parse_feed(real_feed(), "npr", fast=fast)
    body = real_feed().replace(b"<content:encoded><![CDATA[", b"<content:encoded><![CDATA[<p>Talks in Bamako"
                               + control + b"ended</p>", 1)
    parsed = parse_feed(body, "npr", fast=fast)
    assert parsed.items[0].text.startswith("Talks in Bamako ended\n\n")
    assert parsed.items[0].text.endswith(clean.items[0].text)
    assert len(parsed.items) == len(clean.items)


@pytest.mark.parametrize("fast", [True, False])
@pytest.mark.parametrize("url", [b"https://www.npr.org:99999/2026/02/17/story", b"https://www.npr.org:80a/story"])
def test_a_link_with_an_impossible_port_keeps_its_item(url, fast):
    """Found by the long fuzz run: canonical_url raised ValueError on a port past 65535 or not a number."""
    clean = parse_feed(real_feed(), "npr", fast=fast)
    body = first(b"guid", first(b"link", real_feed(), url), url)
    parsed = parse_feed(body, "npr", fast=fast)
    assert len(parsed.items) == len(clean.items)
    assert parsed.items[0].url == url.decode() and parsed.items[0].id not in {i.id for i in clean.items}


@pytest.mark.parametrize("garbled", [b"utf-\x008", b"utf-\xc38", b"ISO-8859-\x850"])
def test_a_garbled_encoding_name_loses_the_declaration_not_the_feed(garbled):
    """Found by the long fuzz run: feedparser's encoding sniffing raised ValueError (a NUL) or
    UnicodeDecodeError (bytes past ASCII) on the declaration's encoding name."""
    clean = parse_feed(real_feed(), "npr")
    body = real_feed()
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    parsed = parse_feed(body.replace(b"UTF-8", garbled, 1), "npr")
    assert [i.title for i in parsed.items] == [i.title for i in clean.items]
