from datetime import datetime, timezone

from newswatch.model.item import Item, canonical_url, fingerprint


def test_canonical_url_drops_tracking_and_fragment():
    assert canonical_url("HTTPS://WWW.Example.ORG:443/News/a?utm_source=x&id=5&fbclid=abc&gclid=1#top") == \
        "https://www.example.org/News/a?id=5"
    assert canonical_url("http://example.org") == "http://example.org/"
    assert canonical_url("http://example.org:8080/a?b=1&utm_medium=rss") == "http://example.org:8080/a?b=1"


def test_fingerprint_precedence():
    by_guid = fingerprint("s1", "12345", "https://x.org/a", "T", "text")
    assert by_guid == fingerprint("s1", "12345", "https://x.org/other", "T2", "other")
    assert by_guid != fingerprint("s2", "12345", "https://x.org/a", "T", "text")  # opaque guids are per source
    # a URL guid and the same link from another source are one item
    assert fingerprint("s1", "https://x.org/a?utm_source=rss", None, "", "") == fingerprint("s2", None, "https://x.org/a", "", "")
    # no guid, no url: normalized content
    assert fingerprint("s", None, None, "Lavrov  in BAMAKO", "x") == fingerprint("s", None, None, "lavrov in bamako", "X")
    assert fingerprint("s", None, None, "Lavrov in Bamako", "x") != fingerprint("s", None, None, "Lavrov in Niamey", "x")


def test_item_round_trip():
    item = Item(source_id="s", title="T", text="x", url="https://x.org/a#frag", guid=None,
                published=datetime(2026, 2, 10, 9, tzinfo=timezone.utc)).finish()
    assert item.url == "https://x.org/a" and item.id
    assert Item.from_dict(item.to_dict()) == item
