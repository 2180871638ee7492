from datetime import datetime, timezone

from newswatch.model.item import Item, ItemLimits, canonical_url, clip_utf8, fingerprint


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


def test_clip_cuts_title_and_text_to_utf8_bytes_with_one_ellipsis():
    item = Item(source_id="s", title="Лавров " * 1000, text="x" * 200_000, url="https://x.org/" + "a" * 9000).finish()
    before = item.id
    assert item.clip(ItemLimits()) == ["title", "text", "url"]
    assert len(item.title.encode()) <= 1000 and item.title.endswith("Лавров…")     # never half a character
    assert len(item.text.encode()) <= 100_000 and item.text.endswith("…") and item.text.count("…") == 1
    assert item.url is None and item.id == before
    assert item.clip(ItemLimits()) == []                                            # already within
    small = Item(source_id="s", title="Lavrov", text="in Bamako").finish()
    assert small.clip(ItemLimits(max_title=16, max_text=16)) == [] and small.title == "Lavrov"
    assert clip_utf8("é" * 10, 7) == "éé…"


def test_items_limits_in_the_config_take_sizes():
    from newswatch.config import Settings
    assert Settings(items={"max_title": "2KB", "max_text": "1MiB"}).items.limits == \
        ItemLimits(max_title=2000, max_text=1024 * 1024)
    assert Settings().items.limits == ItemLimits()
