"""parse_feed on the real feeds in tests/data/feeds, and on made-up broken ones."""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from pathlib import Path

import pytest
from lxml import etree

from workers.sources.feeds.parse import FeedParseError, normalize_lang, parse_date, parse_feed

DATA = Path(__file__).resolve().parents[3] / "data"
WORLD = sorted((DATA / "feeds" / "world-2026-02").glob("*.xml"))
EDGE = sorted(p for p in (DATA / "feeds" / "edge-cases").iterdir() if p.name != "SOURCES.tsv")
ALL_FEEDS = WORLD + EDGE
FIELDS = ("id", "title", "text", "url", "guid", "published", "author", "lang")
MOJIBAKE = ("Ã", "Ð", "â€", "Â", "\ufffd", "Ø§")
# Not valid UTF-8 and no XML declaration: the fast path must hand it to feedparser.
NEEDS_FEEDPARSER = {"rss-parser__uolNoticias.rss"}
# feedparser files a <media:description> (a photo caption) under the entry's summary or
# content, where it can't be told from the article's own description; when the caption
# is the longer text, the feedparser path reports the caption. The fast path keeps
# media:description as a fallback only, which is right. These are all such items.
CAPTION_DIFFERENCES = {
    "nyt_world__78f77fae2e1ffc14.xml": 12,
    "restofworld__14333881097406c7.xml": 1,
    "feed-rs__atom_mediarss_newscred_1.xml": 1,
}


def edge(name: str) -> bytes:
    return (DATA / "feeds" / "edge-cases" / name).read_bytes()


def rss(items: str, root_attrs: str = "") -> bytes:
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0" {root_attrs}><channel>'
            f"<title>Test feed</title><link>https://example.com/</link>{items}"
            "</channel></rss>").encode()


def test_the_data_is_there():
    assert len(WORLD) == 18
    assert len(EDGE) == 14


@pytest.mark.parametrize("path", ALL_FEEDS, ids=lambda p: p.name)
def test_every_feed_parses_with_items_and_clean_titles(path):
    feed = parse_feed(path.read_bytes(), "src")
    assert feed.items
    assert feed.parser == ("feedparser" if path.name in NEEDS_FEEDPARSER else "fast")
    for item in feed.items:
        assert item.id and item.source_id == "src"
        assert item.title or item.text
        assert not any(marker in item.title for marker in MOJIBAKE), item.title
        assert not any(marker in item.text for marker in MOJIBAKE), item.text[:200]
        assert item.published is None or item.published.tzinfo == timezone.utc
        assert item.url is None or item.url.startswith(("http://", "https://"))


def test_world_feeds_hold_591_items():
    assert sum(len(parse_feed(p.read_bytes(), p.stem).items) for p in WORLD) == 591
    assert sum(len(parse_feed(p.read_bytes(), p.stem, fast=False).items) for p in WORLD) == 591


def _media_captions(body: bytes) -> set[str]:
    root = etree.fromstring(body)
    return {" ".join(el.text.split()) for el in root.iter("{http://search.yahoo.com/mrss/}description")
            if el.text}


@pytest.mark.parametrize("path", ALL_FEEDS, ids=lambda p: p.name)
def test_fast_path_and_feedparser_give_the_same_items(path):
    body = path.read_bytes()
    fast, slow = parse_feed(body, "src", fast=True), parse_feed(body, "src", fast=False)
    assert slow.parser == "feedparser"
    assert (fast.title, fast.lang) == (slow.title, slow.lang)
    assert len(fast.items) == len(slow.items)
    captions = _media_captions(body) if path.name in CAPTION_DIFFERENCES else set()
    caption_diffs = 0
    for a, b in zip(fast.items, slow.items):
        differing = [f for f in FIELDS if getattr(a, f) != getattr(b, f)]
        if differing == ["text"] and b.text in captions and a.text not in captions:
            caption_diffs += 1
            continue
        assert not differing, {f: (getattr(a, f), getattr(b, f)) for f in differing}
    assert caption_diffs == CAPTION_DIFFERENCES.get(path.name, 0)


def test_windows_1251_feed_reads_as_cyrillic():
    feed = parse_feed(edge("miniflux__encoding_WINDOWS-1251.xml"), "ibash")
    first = feed.items[0]
    assert first.title == "Цитата #17703"
    assert first.text.startswith("xxx: есть у кого жаба программер\nxxx: кот немного пхп знает?")
    assert "бо'льшая свобода действий" in feed.items[1].text  # &#039; inside CDATA
    assert (feed.lang, first.lang) == ("ru", "ru")
    assert first.published == datetime(2018, 3, 21, 7, 27, 32, tzinfo=timezone.utc)


def test_iso_8859_1_feed_with_declaration_reads_umlauts():
    feed = parse_feed(edge("miniflux__encoding_ISO-8859-1.xml"), "golem")
    titles = [item.title for item in feed.items]
    assert "iPhone Xr im Test: Apples günstigeres iPhone ist nicht günstig" in titles
    assert "Studie: Silicon Valley dient als rechte Hand des großen Bruders" in titles
    assert feed.items[0].text.startswith("Viele Spieler wünschen sich eine PC-Version")


def test_iso_8859_1_feed_with_declaration_jornal_de_noticias():
    feed = parse_feed(edge("rss-parser__encoding.rss"), "jn")
    assert feed.title == "Jornal de Notícias - Últimas Notícias"
    assert feed.items[0].title == "Mãe de utente é a nova presidente da Raríssimas"
    assert feed.items[0].text.startswith("Sónia Laygue, profissional na área da Recursos Humanos")
    assert feed.lang == "pt"


def test_latin_1_feed_without_declaration_goes_to_feedparser():
    feed = parse_feed(edge("rss-parser__uolNoticias.rss"), "uol")
    assert feed.parser == "feedparser"
    assert feed.items[0].title == "Ibope: Bolsonaro perde de Haddad, Ciro e Alckmin em simulações de 2º turno"
    assert feed.items[0].text.startswith("Líder na pesquisa Ibope de intenção de voto")
    # Portuguese weekday and month: "Seg, 24 Set 2018 19:42:40 -0300"
    assert feed.items[0].published == datetime(2018, 9, 24, 22, 42, 40, tzinfo=timezone.utc)
    assert feed.lang is None  # <language></language>


def test_italian_feeds_dates_cdata_and_double_escaping():
    messaggero = parse_feed(edge("feed-rs__rss_2.0_ilmessaggero.xml"), "msg").items[0]
    assert messaggero.title == "Missili Polonia, cosa è successo? Tensione Nato-Russia, Mosca: non siamo stati noi"
    assert messaggero.published == datetime(2022, 11, 15, 23, 38, 15, tzinfo=timezone.utc)  # "mer, 16 nov 2022"
    assert messaggero.lang == "it"  # <language>IT-it</language>
    giornale = parse_feed(edge("feed-rs__rss_2.0_ilgiornale.xml"), "gio").items[0]
    assert giornale.title == "Arrestato in Pakistan Shabbar Abbas. In Italia è accusato per l'omicidio di Saman"
    assert "In Italia l'uomo è accusato" in giornale.text and "d'onore" in giornale.text  # &amp;#39;
    assert giornale.text.startswith("È stato arrestato")  # the <figure><img> leaves no text
    assert giornale.published == datetime(2022, 11, 15, 20, 15, 4, tzinfo=timezone.utc)  # "... 20:15:04 Z"
    assert giornale.author == "Angela Leucci"  # from "redazione@ilgiornale-web.it (Angela Leucci)"


def test_urdu_right_to_left_feed():
    feed = parse_feed(edge("miniflux__urdu_UTF8.xml"), "bbcurdu")
    assert feed.items[0].title == (
        "امریکی عسکری امداد کی بندش کی وجوہات: انڈیا سے جنگ، جوہری پروگرام اور اب دہشت گردوں کی پشت پناہی")
    assert feed.lang == "ur"
    assert feed.items[0].url == "http://www.bbc.com/urdu/pakistan-42575603"


def test_rdf_feeds():
    heise = parse_feed(edge("miniflux__rdf_UTF8.xml"), "heise")
    assert [i.title for i in heise.items[:2]] == [
        "OLED-TVs: Vorsichtsmaßnahmen gegen Einbrennen", "Mega-Deal: IBM übernimmt Red Hat"]
    assert heise.items[0].published is None and heise.items[0].guid is None
    dw = parse_feed((DATA / "feeds/world-2026-02/dw_english_all__14dda539770f94e3.xml").read_bytes(), "dw")
    first = dw.items[0]
    assert first.title == "France arrests nine in right-wing activist's death"
    assert first.guid == first.url  # rdf:about, same as the link here
    assert first.guid.startswith("https://www.dw.com/en/france-arrests-nine")
    assert (dw.lang, first.lang) == (None, "en")  # only the items declare dc:language
    assert first.published == datetime(2026, 2, 18, 0, 15, tzinfo=timezone.utc)


def test_atom_feeds():
    heise = parse_feed(edge("rss-parser__heise.atom"), "heise-dev").items[0]
    assert heise.title == "Java-Anwendungsserver: Red Hat gibt WildFly 10 frei"
    assert heise.text.startswith("Die nun verfügbare Version 10 des Enterprise-Java-Servers")
    assert heise.guid == "http://heise.de/-3088438"
    assert heise.published == datetime(2016, 2, 1, 16, 22, tzinfo=timezone.utc)
    media = parse_feed(edge("feed-rs__atom_mediarss_newscred_1.xml"), "newscred").items[0]
    assert (media.title, media.text, media.author) == ("The Day Off: Tampa", "Some text", "Some author")
    assert media.url == "http://www.example.com/the-day-off-tampa"


def test_podcast_itunes_summary_is_the_longer_text():
    item = parse_feed(edge("feed-rs__rss_2.0_bbc.xml"), "bbc").items[0]
    assert item.text == "Melvyn Bragg and guests discuss the man who, according to Machiavelli..."
    assert item.author == "BBC Radio 4"


def test_html_page_is_not_a_feed():
    page = b"<!DOCTYPE html>\n<html><head><title>Oops</title></head><body><p>Moved</p></body></html>"
    xhtml = b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body/></html>'
    late = b"<!-- cms --><div>banner</div><html><body>page</body></html>"
    for body in (page, xhtml, late):
        for fast in (True, False):
            with pytest.raises(FeedParseError) as err:
                parse_feed(body, "src", fast=fast)
            assert "HTML page" in err.value.reason


XHTML_DOCTYPE = (b'<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
                 b'"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n')


def test_a_feed_behind_an_xhtml_doctype_is_read_and_an_xhtml_page_still_is_not():
    feed = rss("<item><title>Lavrov&nbsp;in Bamako</title><link>https://example.com/1</link>"
               "<description>Sergey Lavrov arrived.</description></item>")
    feed = feed.replace(b"?>", b"?>\n" + XHTML_DOCTYPE, 1)
    page = b'<?xml version="1.0"?>\n' + XHTML_DOCTYPE + b'<html xmlns="http://www.w3.org/1999/xhtml"><body/></html>'
    for fast in (True, False):
        [item] = parse_feed(feed, "src", fast=fast).items
        assert (item.title, item.url) == ("Lavrov in Bamako", "https://example.com/1")
        with pytest.raises(FeedParseError, match="HTML page"):
            parse_feed(page, "src", fast=fast)


def test_utf8_with_one_stray_latin1_byte_stays_utf8_with_the_byte_replaced(caplog):
    body = rss("<item><title>Лавров прибыл в Бамако</title><link>https://example.com/1</link>"
               "<description>Министр иностранных дел Сергей Лавров посетил кафе CAFE_BYTE в Бамако.</description>"
               "</item>").replace(b"CAFE_BYTE", "café".encode("latin-1"))
    for fast, content_type in ((True, None), (False, None), (True, "application/rss+xml; charset=utf-8")):
        with caplog.at_level(logging.INFO):
            [item] = parse_feed(body, "src", fast=fast, content_type=content_type).items
        assert item.title == "Лавров прибыл в Бамако"
        assert "Сергей Лавров посетил кафе caf\ufffd в Бамако" in item.text
    assert "feed_utf8_repaired" in caplog.text


@pytest.mark.parametrize("body", [b"", b"   \n\t  "])
def test_empty_body(body):
    with pytest.raises(FeedParseError) as err:
        parse_feed(body, "src")
    assert err.value.reason == "empty body"


@pytest.mark.parametrize("body", [
    b'{"items": [1, 2, 3]}',
    b"\x00\x01 binary",
    b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><<<junk>>> & </channel></rss>',
    b'<?xml version="1.0"?><rss version="2.0"><channel><title>T &bogus;</title><item><title/></item></channel></rss>',
])
def test_broken_xml_feedparser_cannot_rescue(body):
    for fast in (True, False):
        with pytest.raises(FeedParseError) as err:
            parse_feed(body, "src", fast=fast)
        assert err.value.reason.startswith("malformed XML and feedparser found no entries: ")


def test_broken_but_rescuable_feed_falls_back_to_feedparser(caplog):
    body = rss("<item><title>A&nbsp;B &amp; C</title><link>https://example.com/a?x=1&y=2</link>"
               "<description>x &mdash; y</description></item>")  # &nbsp; undefined, bare &
    with caplog.at_level(logging.WARNING, logger="workers.sources.feeds.parse"):
        feed = parse_feed(body, "broken-src")
    assert feed.parser == "feedparser"
    assert [(i.title, i.url, i.text) for i in feed.items] == [("A B & C", "https://example.com/a?x=1&y=2", "x — y")]
    assert any("feed_bozo_accepted" in r.getMessage() and "source_id=broken-src" in r.getMessage()
               for r in caplog.records)


@pytest.mark.parametrize("cut", [300, 1 / 3, 1 / 2, -30])
def test_truncated_feed_is_an_error_even_where_feedparser_would_keep_entries(cut):
    # The entries before the cut would parse, but the last one is cut short, and once stored its
    # id would shut out the whole story on the next, complete poll. So: fail, poll again.
    body = (DATA / "feeds/world-2026-02/nyt_world__78f77fae2e1ffc14.xml").read_bytes()
    body = body[:cut] if isinstance(cut, int) else body[: int(len(body) * cut)]
    for fast in (True, False):
        with pytest.raises(FeedParseError) as err:
            parse_feed(body, "nyt", fast=fast)
        assert err.value.reason == "truncated feed: the document ends before </rss>"


def test_truncated_rdf_and_atom_name_their_root():
    with pytest.raises(FeedParseError, match="before </rdf:RDF>"):
        parse_feed(edge("miniflux__rdf_UTF8.xml")[:5000], "s")
    with pytest.raises(FeedParseError, match="before </feed>"):
        parse_feed(edge("rss-parser__heise.atom")[:5000], "s")


def test_empty_channel_is_an_empty_list_not_an_error():
    for fast in (True, False):
        feed = parse_feed(rss(""), "quiet", fast=fast)
        assert (feed.items, feed.title) == ([], "Test feed")


def test_http_charset_that_disagrees_goes_to_feedparser():
    body = edge("miniflux__encoding_WINDOWS-1251.xml")
    assert parse_feed(body, "s", content_type="application/rss+xml; charset=windows-1251").parser == "fast"
    feed = parse_feed(body, "s", content_type="text/xml; charset=utf-8")
    assert feed.parser == "feedparser"
    assert feed.items[0].title == "Цитата #17703"
    nyt = (DATA / "feeds/world-2026-02/nyt_world__78f77fae2e1ffc14.xml").read_bytes()
    feed = parse_feed(nyt, "s", content_type="text/xml; charset=iso-8859-1")
    assert feed.parser == "feedparser"
    assert feed.items[0].title == "Trump Said He’d End the War in Ukraine in a Day. It’s Harder Than He Thought."


def test_body_is_never_taken_for_a_file_name(tmp_path):
    feed_file = tmp_path / "feed.xml"
    feed_file.write_bytes(rss("<item><title>secret</title></item>"))
    with pytest.raises(FeedParseError):
        parse_feed(str(feed_file).encode(), "src", fast=False)


def test_relative_links_resolve_against_xml_base_then_base_url():
    items = ("<item><title>A</title><link>/a/1</link><guid isPermaLink='false'>1</guid></item>"
             "<item xml:base='https://cdn.example.org/sec/'><title>B</title><link>b/2</link></item>")
    for fast in (True, False):
        got = [i.url for i in parse_feed(rss(items), "s", base_url="https://feeds.example.net/rss", fast=fast).items]
        assert got == ["https://feeds.example.net/a/1", "https://cdn.example.org/sec/b/2"]
        got = [i.url for i in parse_feed(rss(items), "s", fast=fast).items]
        assert got[0] == "https://example.com/a/1"  # no base_url: the channel link


def test_guid_link_and_text_details():
    items = ("<item><title>Don&amp;amp;#8217;t</title><guid>https://example.com/p/1?utm_source=rss</guid>"
             "<dc:creator>Ann</dc:creator><dc:creator>Bob</dc:creator><pubDate>garbage</pubDate></item>"
             "<item><title>Empty guid</title><guid isPermaLink='false'>  </guid><link>https://example.com/2</link>"
             "</item><item></item>")
    for fast in (True, False):
        feed = parse_feed(rss(items, root_attrs='xmlns:dc="http://purl.org/dc/elements/1.1/"'), "s", fast=fast)
        first, second = feed.items  # the empty <item> is dropped
        assert first.title == "Don’t"
        assert first.url == "https://example.com/p/1"  # permalink guid as link, tracking dropped
        assert first.author == "Ann, Bob" and first.published is None
        assert (second.guid, second.url) == (None, "https://example.com/2")


def test_atom_text_title_keeps_angle_brackets():
    body = ('<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en-GB"><title>T</title>'
            '<entry><title type="text">Why &lt;b&gt; matters</title><id>tag:x,2024:1</id>'
            '<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>One</p><p>Two</p></div></content>'
            '<updated>2024-05-01T10:00:00+02:00</updated></entry></feed>').encode()
    for fast in (True, False):
        feed = parse_feed(body, "s", fast=fast)
        item = feed.items[0]
        assert (item.title, item.text, item.url, item.guid) == ("Why <b> matters", "One\n\nTwo", None, "tag:x,2024:1")
        assert item.published == datetime(2024, 5, 1, 8, 0, tzinfo=timezone.utc)
        assert feed.lang == item.lang == "en"


@pytest.mark.parametrize(("value", "expected"), [
    ("Tue, 17 Feb 2026 19:59:16 -0500", datetime(2026, 2, 18, 0, 59, 16, tzinfo=timezone.utc)),
    ("2026-02-17T17:36:36-0500", datetime(2026, 2, 17, 22, 36, 36, tzinfo=timezone.utc)),
    ("2026-02-18T00:15:00Z", datetime(2026, 2, 18, 0, 15, tzinfo=timezone.utc)),
    ("Mon, 16 Feb 2026 21:36:43 -0000", datetime(2026, 2, 16, 21, 36, 43, tzinfo=timezone.utc)),
    (" Wed, 18 Feb 2026 07:28:13 +0530 ", datetime(2026, 2, 18, 1, 58, 13, tzinfo=timezone.utc)),
    ("Seg, 24 Set 2018 19:42:40 -0300", datetime(2018, 9, 24, 22, 42, 40, tzinfo=timezone.utc)),
    ("gio, 12 gen 2023 08:00:00 +0100", datetime(2023, 1, 12, 7, 0, tzinfo=timezone.utc)),
    ("2024-05-01", datetime(2024, 5, 1, tzinfo=timezone.utc)),
    ("Κυρ, 11 Ιούλ 2004 12:00:00 EST", datetime(2004, 7, 11, 17, 0, tzinfo=timezone.utc)),  # feedparser's
    ("not a date", None), ("", None), (None, None),
])
def test_parse_date(value, expected):
    assert parse_date(value) == expected


NETSCAPE_DOCTYPE = ('<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
                    '"http://my.netscape.com/publish/formats/rss-0.91.dtd">')


def test_rss_091_doctype_html_entities_are_read_on_the_fast_path():
    body = (f'<?xml version="1.0"?>{NETSCAPE_DOCTYPE}<rss version="0.91"><channel><title>T</title>'
            "<item><title>Caf&eacute;&nbsp;au lait</title><link>https://example.com/1</link>"
            "<description>a &mdash; b</description></item></channel></rss>").encode()
    feed = parse_feed(body, "s")
    # feedparser (fast=False) silently drops these references: its expat parser skips them
    assert feed.parser == "fast"
    assert (feed.items[0].title, feed.items[0].text) == ("Café au lait", "a — b")


def test_documents_declaring_entities_go_to_feedparser_and_stay_safe():
    declared = ('<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY org "ACME">]><rss version="2.0"><channel><title>T</title>'
                "<item><title>News from &org;</title></item></channel></rss>")
    feed = parse_feed(declared.encode(), "s")
    assert (feed.parser, feed.items[0].title) == ("feedparser", "News from ACME")
    external = ('<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><rss version="2.0"><channel>'
                "<title>T</title><item><title>Leak &xxe; end</title></item></channel></rss>")
    assert parse_feed(external.encode(), "s").items[0].title == "Leak end"
    laughs = "".join(f'<!ENTITY {n} "{("&" + p + ";") * 10}">' for p, n in zip("abcdef", "bcdefg"))
    bomb = (f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa">{laughs}]><rss version="2.0"><channel><title>T</title>'
            "<item><title>Boom &g; end</title></item></channel></rss>")
    assert len(parse_feed(bomb.encode(), "s").items[0].title) < 100


@pytest.mark.parametrize(("value", "expected"), [
    ("en", "en"), ("en-US", "en"), ("en_us", "en"), ("IT-it", "it"), ("pt-pt", "pt"), ("eng", "en"),
    ("English", "en"), ("", None), (None, None), ("x-klingon", None), ("123", None),
])
def test_normalize_lang(value, expected):
    assert normalize_lang(value) == expected
