"""OPML in and out: 50 real feeds (tests/data/feeds' titles and links) import as RSS sources with unique ids
from their titles, known URLs are skipped and reported, the export lists them again; OPML that is not safe
or not OPML is refused with a message saying why, and nothing is saved."""
from __future__ import annotations

import pytest
import yaml

from newswatch.config.local_sources import local_path
from newswatch.config.opml import Feed, OpmlError, parse_opml, slug, source_id, to_opml
from newswatch.config.source_edits import SourceEdits
from tests.support.opml_feeds import opml_of_real_feeds, real_feeds
from workers.cli import main
from workers.registry import load_config, registry

BASE = "http://127.0.0.1:8765"


def url_of(n: int, name: str) -> str:
    return f"{BASE}/feeds/{n}/{name}"


@pytest.fixture
def cfg(tmp_path):
    (tmp_path / "rules.yaml").write_text("[]\n")
    path = tmp_path / "newswatch.yaml"
    path.write_text(yaml.safe_dump({"rules": ["rules.yaml"], "sources": [
        {"id": "already", "type": "rss", "url": url_of(3, real_feeds_names()[3])}]}))
    return path


def real_feeds_names() -> list[str]:
    from pathlib import Path
    return [name for name, *_ in real_feeds(Path(__file__).resolve().parents[2] / "data")]


def test_fifty_real_feeds_import_and_export_round_trip(cfg, data_dir):
    document = opml_of_real_feeds(data_dir, url_of, 50)
    feeds = parse_opml(document)
    assert len(feeds) == 50 and feeds[0].title and all(f.url.startswith(BASE) for f in feeds)
    edits = SourceEdits(cfg, registry())
    report = edits.import_opml(document, interval="10m")
    assert len(report.added) == 49 and len(set(report.added)) == 49
    assert report.skipped == [{"url": url_of(3, real_feeds_names()[3]), "title": feeds[3].title,
                               "reason": "a source already reads this URL"}]
    titles = {f.url: f.title for f in feeds}
    config = load_config(cfg)
    assert len(config.settings.sources) == 50
    by_url = {s.url: s for s in config.settings.sources}   # type: ignore[attr-defined]
    assert by_url[feeds[0].url].id == slug(feeds[0].title) and by_url[feeds[0].url].interval == 600
    assert by_url[feeds[32].url].id == slug(titles[feeds[32].url]) + "-2"   # the same title, a second time
    again = edits.import_opml(document)
    assert again.added == [] and len(again.skipped) == 50

    exported = parse_opml(edits.export_opml())
    assert sorted(f.url for f in exported) == sorted(f.url for f in feeds)
    assert {f.title for f in exported} == {s.id for s in config.settings.sources}


def test_cli_import_and_export(cfg, data_dir, tmp_path, capsys, monkeypatch):
    opml = tmp_path / "feeds.opml"
    opml.write_bytes(opml_of_real_feeds(data_dir, url_of, 50))
    assert main(["sources", "import", str(opml), "-c", str(cfg)]) == 0
    out = capsys.readouterr().out
    assert "49 sources added, 1 skipped" in out and f"skipped {url_of(3, real_feeds_names()[3])}" in out
    assert main(["sources", "export", str(tmp_path / "out.opml"), "-c", str(cfg)]) == 0
    assert len(parse_opml((tmp_path / "out.opml").read_bytes())) == 50
    assert main(["sources", "export", "-", "-c", str(cfg)]) == 0
    assert capsys.readouterr().out.count("<outline ") == 50
    assert main(["sources", "list", "-c", str(cfg)]) == 0
    assert capsys.readouterr().out.count("\n") == 50
    (tmp_path / "bad.opml").write_text("<opml><body><outline xmlUrl='file:///etc/passwd'/></body></opml>")
    assert main(["sources", "import", str(tmp_path / "bad.opml"), "-c", str(cfg)]) == 1
    assert "xmlUrl 'file:///etc/passwd' is not an http(s) URL" in capsys.readouterr().err


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<opml><body><outline title="&lol2;" xmlUrl="http://example.org/a"/></body></opml>"""
EXTERNAL = b"""<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>
<opml><body><outline title="&e;" xmlUrl="http://example.org/a"/></body></opml>"""


@pytest.mark.parametrize("document, message", [
    (BILLION_LAUGHS, "line 2: a DOCTYPE is not allowed"),
    (EXTERNAL, "a DOCTYPE is not allowed"),
    (b"<opml><body><outline xmlUrl='http://a/x'></body></opml>", "not well-formed XML: mismatched tag at line 1"),
    (b"<rss><channel/></rss>", "the root element is <rss>, not <opml>"),
    (b"<opml><body><outline text='folder'/></body></opml>", "no feeds in this OPML file"),
    (b"<opml>" + b"<outline>" * 40 + b"</outline>" * 40 + b"</opml>", "nested deeper than 32"),
    (b"<opml>" + b" " * (2 * 1024 * 1024) + b"</opml>", "larger than 2048 KiB"),
])
def test_bad_opml_is_refused_with_its_reason_and_nothing_saved(cfg, document, message):
    with pytest.raises(OpmlError) as err:
        SourceEdits(cfg, registry()).import_opml(document)
    assert message in str(err.value)
    assert not local_path(cfg).exists()


def test_ids_from_titles_or_urls_are_unique_and_valid():
    taken = {"reuters"}
    assert source_id(Feed("Reuters", "https://r.example/a"), taken) == "reuters-2"
    assert source_id(Feed("Ежедневные новости", "https://news.example.ru/rss/all"), set()) == "news-example-ru-rss-all"
    assert source_id(Feed("", "https://x.example/"), set()) == "x-example"
    assert len(source_id(Feed("word " * 40, "https://x.example/"), set())) <= 64
    document = to_opml([Feed('A & B <"quoted">', "https://x.example/?a=1&b=2")])
    assert parse_opml(document) == [Feed('A & B <"quoted">', "https://x.example/?a=1&b=2")]
