"""What the fuzzer (tests/test_fuzz_parsers.py) found in the t.me page parser, pinned on a real capture:
a post whose `<time datetime>` leaves Python's calendar once moved to UTC (9999-12-31T23:59:59-23:59)
raised OverflowError out of `parse_page`, so the poll failed outside SourceError and every post of
the page was lost. The post is now kept, undated."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from workers.sources.telegram.html import parse_page
from workers.sources.telegram.web import post_to_item

CAPTURE = Path(__file__).resolve().parents[3] / "fixtures" / "telegram" / "message_text.html"


@pytest.mark.parametrize("stamp", ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59"])
def test_a_date_past_the_calendar_leaves_the_post_undated_not_lost(stamp):
    body = CAPTURE.read_bytes()
    (clean,) = parse_page(body).posts
    assert clean.date is not None and clean.text
    hostile = re.sub(rb'datetime="[^"]*"', b'datetime="' + stamp.encode() + b'"', body, count=1)
    (post,) = parse_page(hostile).posts
    assert (post.id, post.text, post.date) == (clean.id, clean.text, None)
    item = post_to_item(post, "chan")
    assert item.url == clean.permalink and item.published is None
