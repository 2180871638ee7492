"""`newswatch test-rule --since` replays rules over the archive, on both backends (issue 13, done-when 2):
an archive filled from real feeds through the real pipeline (real Redis, the real classifier, each
feed served by a loopback HTTP server and polled as its own source) gives, replayed, the same lines
as `test-rule --input` over the same feed files: the same ids, the same matches, the same evidence.

The feeds: the 18 world-news feeds of February 2026 (tests/data/feeds/world-2026-02, 591 items, with
natural cross-source duplicates) and one feed made of the 297 real excerpts of
tests/data/collected/visits.jsonl (Russian visits to Sahel capitals and their look-alikes, in en/fr/ar/ru).
The rules: the founding ones (config/rules/sahel.yaml) and a set written here over what the world
feeds are about (regions, countries, topics, keywords, near).
"""
from __future__ import annotations

import contextlib
import html
import io
import json
import socket
import uuid
from datetime import datetime, timezone
from email.utils import format_datetime
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa
import yaml

from tests.support.archive_db import BACKENDS, backend_url
from tests.support.http_server import LocalHTTPServer
from workers.cli import main
from workers.polling import poll_once
from workers.registry import load_config
from workers.runtime import Runtime

ROOT = Path(__file__).resolve().parents[2]
WORLD = ROOT / "tests" / "data" / "feeds" / "world-2026-02"
VISITS = ROOT / "tests" / "data" / "collected" / "visits.jsonl"
SAHEL_RULES = ROOT / "config" / "rules" / "sahel.yaml"
SINCE = "2000-01-01"          # every item of these feeds (published 2017-2026, or fetched now)

WORLD_RULES = """
- id: middle-east-military
  title: Military news about the Middle East
  severity: low
  when: {all: [{region: middle-east}, {topic: military}]}
  notify: [console]
- id: ukraine-talks
  title: Talks on Ukraine
  severity: medium
  when: {all: [{country: UA}, {keywords: [talks, peace, negotiations, ceasefire]}]}
  notify: [console]
- id: africa-security
  title: Security in Africa, in one sentence
  severity: medium
  when: {near: {scope: sentence, all: [{place: {region: africa}}, {topic: security}]}}
  notify: [console]
- id: official-visits
  title: An official visits somewhere
  severity: info
  when: {near: {within: 12, all: [{actor: {role: official}}, {topic: {name: visit, modality: happened}}]}}
  notify: [console]
- id: elections-not-in-america
  title: Elections outside the Americas
  severity: info
  when: {all: [{topic: elections}, {none: [{region: americas}]}]}
  notify: [console]
"""


def visits_feed() -> bytes:
    """The collected excerpts as one RSS feed: each its own item (guid: its line), its page as the link."""
    rows = [json.loads(line) for line in VISITS.read_text(encoding="utf-8").splitlines() if line.strip()]
    entries = []
    for n, row in enumerate(rows):
        date = ""
        if row["published"]:
            day = datetime.fromisoformat(row["published"]).replace(hour=12, tzinfo=timezone.utc)
            date = f"<pubDate>{format_datetime(day)}</pubDate>"
        entries.append(f"<item><guid isPermaLink=\"false\">visits-{n}</guid><title>{html.escape(row['title'] or '')}"
                       f"</title><link>{html.escape(row['source'])}</link>{date}"
                       f"<description>{html.escape(row['text'])}</description></item>")
    return ("<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel><title>Collected visits"
            "</title><link>https://example.org/</link>" + "".join(entries) + "</channel></rss>").encode("utf-8")


@pytest.fixture(scope="module")
def feeds(tmp_path_factory) -> dict[str, Path]:
    """source id -> its feed file: the world feeds as they are, and the visits feed."""
    folder = tmp_path_factory.mktemp("feeds")
    (folder / "visits.xml").write_bytes(visits_feed())
    out = {path.name.split("__")[0].replace("_", "-"): path for path in sorted(WORLD.glob("*.xml"))}
    out["visits"] = folder / "visits.xml"
    return out


@pytest.fixture(scope="module")
def shared(tmp_path_factory, feeds):
    """The state folder (the classifier's cache, built once for every test here) and the rule files."""
    folder = tmp_path_factory.mktemp("replay")
    (folder / "world-rules.yaml").write_text(WORLD_RULES, encoding="utf-8")
    return folder


def write_config(folder: Path, shared: Path, sources: dict[str, str], *, redis_url: str = "",
                 key_prefix: str = "nw", archive_url: str = "", secret: dict | None = None) -> Path:
    path = folder / "newswatch.yaml"
    path.write_text(yaml.safe_dump({
        "redis_url": redis_url, "key_prefix": key_prefix, "state_dir": str(shared / "state"), "max_age": "off",
        "rules": [str(SAHEL_RULES), str(shared / "world-rules.yaml")],
        "archive": {"url": archive_url},
        "sources": [{"id": sid, "type": "rss", "url": url} for sid, url in sources.items()],
        "channels": [{"id": "console", "type": "stdout", "min_severity": "critical"},
                     {"id": "desk-email", "type": "email", "host": "127.0.0.1", "port": 25, "security": "none",
                      "from": "alerts@newswatch.test", "to": ["desk@newswatch.test"], **(secret or {})}]},
        sort_keys=False))
    return path


def run(*args: str) -> tuple[int, str]:
    """`newswatch ARGS` in this process: its exit code and stdout."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(list(args))
    return code, out.getvalue()


def lines(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines()]


@pytest.fixture(scope="module")
def from_input(tmp_path_factory, shared, feeds) -> dict[str, list[dict]]:
    """`test-rule --input` over each feed file: its lines, by source id (the same on every backend)."""
    folder = tmp_path_factory.mktemp("input")
    config = write_config(folder, shared, {sid: f"http://127.0.0.1:9/{sid}.xml" for sid in feeds},
                          archive_url=f"sqlite:///{folder / 'unused.sqlite3'}")
    out = {}
    for sid, path in feeds.items():
        code, stdout = run("test-rule", "-c", str(config), "--input", str(path))
        assert code == 0
        out[sid] = lines(stdout)
    return out


@pytest.fixture(scope="module", params=BACKENDS)
def filled(request, tmp_path_factory, shared, feeds, redis_url):
    """A config whose archive was filled by polling every feed, each from a loopback HTTP server, through
    the real pipeline (exact and story dedup, the classifier, rules, alerts, the archive queue)."""
    folder = tmp_path_factory.mktemp(f"filled-{request.param}")
    key_prefix = f"nwtest-{uuid.uuid4().hex[:10]}"
    with backend_url(request.param, folder) as url:
        rt = None
        try:
            with LocalHTTPServer() as http:   # stopped before the tests: replay forks its workers
                for sid, path in feeds.items():
                    http.feed(f"/{sid}.xml", path.read_bytes())
                config = write_config(folder, shared, {sid: http.url(f"/{sid}.xml") for sid in feeds},
                                      redis_url=redis_url, key_prefix=key_prefix,
                                      archive_url=url.render_as_string(hide_password=False))
                rt = Runtime(load_config(config), redis_url)
                for sid in feeds:
                    assert poll_once(rt, sid, lambda *a: None, force=True).status == "ok", sid
            while rt.archive_queue.waiting():
                rt.archiver.drain(force=True)
            yield config, rt
        finally:
            if rt is not None:
                rt.close()
            client = redis.Redis.from_url(redis_url)
            keys = list(client.scan_iter(f"{key_prefix}:*", count=1000))
            if keys:
                client.delete(*keys)


def rows(rt: Runtime, sql: str, **params) -> list:
    with rt.archive.engine.connect() as conn:
        return conn.execute(sa.text(sql), params).all()


def test_replay_gives_what_input_gives(filled, from_input, capsys):
    """Done-when 2: every archived item, once, oldest first, each line what `--input` printed for it;
    matched by two worker processes, or (`--jobs 1`) by this one, with the same output."""
    config, rt = filled
    code, stdout = run("test-rule", "-c", str(config), "--since", SINCE, "--jobs", "2")
    assert code == 0
    assert run("test-rule", "-c", str(config), "--since", SINCE, "--jobs", "1") == (0, stdout)
    replayed = lines(stdout)
    archived = rows(rt, "SELECT guid, fingerprint FROM items ORDER BY at, id")
    assert [r["id"] for r in replayed] == [guid or fp for guid, fp in archived]   # each once, oldest first
    assert len(replayed) == 879            # 888 items, 9 of them polled again from a second feed (exact dedup)
    expected: dict[str, dict] = {}
    for sid, records in from_input.items():   # in poll order: an item two feeds carry is archived as first seen
        for record in records:
            expected.setdefault(record["id"], record)
    assert set(expected) == {r["id"] for r in replayed}
    for record in replayed:
        assert record == expected[record["id"]]
    per_rule: dict[str, int] = {}
    for record in replayed:
        for match in record["matches"]:
            per_rule[match["rule"]] = per_rule.get(match["rule"], 0) + 1
    assert len(per_rule) == 7 and min(per_rule.values()) >= 10, per_rule   # every rule has something to compare
    assert per_rule["russian-official-visits-sahel-capital"] >= 60
    matched = sum(bool(r["matches"]) for r in replayed)
    assert f"879 archived item(s) replayed, {matched} matched" in capsys.readouterr().err


def blocks(text: str) -> list[str]:
    """`--format text` output cut into its items (each starts with an unindented title line)."""
    out: list[str] = []
    for line in text.splitlines():
        if line.startswith("  ") and out:
            out[-1] += "\n" + line
        else:
            out.append(line)
    return out


def test_one_source_explained_and_as_text(filled, feeds):
    """`--source ID` keeps that source's archived items; `--explain` and `--format text` print as with --input."""
    config, rt = filled
    visits = str(feeds["visits"])
    code, replayed = run("test-rule", "-c", str(config), "--since", SINCE, "--source", "visits", "--explain")
    assert code == 0
    code, given = run("test-rule", "-c", str(config), "--input", visits, "--source", "visits", "--explain")
    assert code == 0
    replayed_lines, given_lines = lines(replayed), lines(given)
    assert len(replayed_lines) == 297 and all("near_misses" in r for r in replayed_lines)
    assert sorted(replayed_lines, key=lambda r: r["id"]) == sorted(given_lines, key=lambda r: r["id"])
    code, replayed = run("test-rule", "-c", str(config), "--since", SINCE, "--source", "visits", "--format", "text")
    assert code == 0
    code, given = run("test-rule", "-c", str(config), "--input", visits, "--source", "visits", "--format", "text")
    assert code == 0
    assert sorted(blocks(replayed)) == sorted(blocks(given)) and len(blocks(given)) == 297
    assert "MATCH russian-official-visits-sahel-capital (high): event: visit (" in replayed


def test_until_closes_the_window(filled):
    config, rt = filled
    until = datetime(2024, 1, 1, tzinfo=timezone.utc)
    code, stdout = run("test-rule", "-c", str(config), "--source", "visits", "--until", "2024-01-01")
    assert code == 0
    want = rows(rt, "SELECT guid FROM items WHERE source = 'visits' AND at <= :t ORDER BY at, id", t=until.timestamp())
    assert [r["id"] for r in lines(stdout)] == [g for (g,) in want] and 20 < len(want) < 297


def test_story_prints_every_report(filled, capsys):
    """Two desks' reports of one event (ABC News and NDTV on Iran closing the Strait of Hormuz) are one
    story: `newswatch story` gives both, by the story id or by either report's id."""
    config, rt = filled
    reports = {source: fp for fp, source in rows(
        rt, "SELECT fingerprint, source FROM items WHERE lower(title) LIKE '%strait of hormuz%' "
            "AND source IN ('abcnews-international', 'ndtv')")}
    assert set(reports) == {"abcnews-international", "ndtv"}
    code, stdout = run("story", "-c", str(config), reports["ndtv"], "--format", "json")
    assert code == 0
    got = lines(stdout)
    assert [r["source"] for r in got] == ["abcnews-international", "ndtv"]   # oldest first
    assert [r["item_id"] for r in got] == [reports["abcnews-international"], reports["ndtv"]]
    assert {r["story_id"] for r in got} == {reports["abcnews-international"]}
    assert got[1]["title"] == "Iran Temporarily Closes Strait Of Hormuz Amid US Nuclear Talks"
    assert got[1]["url"].startswith("https://www.ndtv.com/world-news/iran-temporarily-closes")
    assert got[1]["lang"] == "en" and got[1]["when"] == datetime.fromtimestamp(got[1]["at"], timezone.utc).isoformat()
    capsys.readouterr()
    code, text = run("story", "-c", str(config), reports["abcnews-international"])
    assert code == 0
    assert len(text.splitlines()) == 2 and "abcnews-international" in text.splitlines()[0]
    assert "Iran Temporarily Closes Strait Of Hormuz" in text.splitlines()[1] and " en " in text.splitlines()[1]
    assert "2 report(s) from 2 source(s)" in capsys.readouterr().err
    assert run("story", "-c", str(config), "0" * 24)[0] == 2
    assert "no story, event or item '000000000000000000000000' in the archive" in capsys.readouterr().err


@pytest.fixture
def small(tmp_path, shared, archive_url):
    """A config over an archive (either backend) holding one classified item and one unclassified."""
    from newswatch.archive.database import Archive
    from newswatch.archive.records import decode, item_entry
    from newswatch.classify.model import Facts
    from newswatch.model.item import Item
    config = write_config(tmp_path, shared, {"wire": "http://127.0.0.1:9/wire.xml"},
                          archive_url=archive_url.render_as_string(hide_password=False),
                          secret={"username": "desk", "password": "${UNSET_IN_THIS_TEST}"})   # dry runs: no secret needed
    classified = Item("wire", "Report", "Text.", url="https://example.org/1", guid="wire-1").finish()
    classified.facts = Facts(lang="en")
    too_old = Item("wire", "Old report", "Text.", url="https://example.org/2").finish()
    archive = Archive(archive_url)
    archive.write([decode(item_entry(classified)), decode(item_entry(too_old))])
    archive.close()
    return config


@pytest.mark.parametrize("args, code, message", [
    (["--input", "feed.xml", "--since", "7d"], 2, "--input (a feed) or --since/--until (the archive), not both"),
    (["--since", "last week"], 2, "--since: 'last week' is neither a duration (7d, 12h) nor a date"),
    (["--since", "2026-02-10", "--until", "2026-02-01"], 2, "--since (2026-02-10) is later than --until (2026-02-01)"),
    (["--since", "7d", "--source", "nosuch"], 2, "--source: no source 'nosuch' in"),
    ([], 2, "--input or --since is required (unless --schema-only)"),
    (["--since", "7d", "--jobs", "0"], 2, "--jobs: 0 is not a number of processes (1 or more)"),
    (["--since", "7d"], 0, "1 archived item(s) replayed, 0 matched; 1 archived unclassified, skipped"),
])
def test_what_replay_refuses_and_what_it_says(small, capsys, args, code, message):
    assert run("test-rule", "-c", str(small), *args)[0] == code
    assert message in capsys.readouterr().err


def test_a_story_of_one_report(small):
    code, stdout = run("test-rule", "-c", str(small), "--since", "7d")
    [line] = lines(stdout)
    assert code == 0 and line == {"id": "wire-1", "url": "https://example.org/1", "title": "Report", "matches": []}
    code, stdout = run("story", "-c", str(small), "--format", "json", "wire-1")   # a guid is no item id
    assert code == 2 and stdout == ""
    [(fingerprint, story)] = [(r["item_id"], r["story_id"]) for r in lines(run(
        "search", "-c", str(small), "report", "--format", "json")[1]) if r["title"] == "Report"]
    code, stdout = run("story", "-c", str(small), "--format", "json", fingerprint)
    assert code == 0 and [r["item_id"] for r in lines(stdout)] == [fingerprint] == [story]


def test_an_unreachable_archive_is_exit_1_without_its_password(tmp_path, shared, capsys):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = write_config(tmp_path, shared, {}, archive_url=f"postgresql://nw:canary-pw-never-shown@127.0.0.1:{port}/a")
    for args in (["test-rule", "--since", "7d"], ["story", "abc"]):
        assert run(*args, "-c", str(config))[0] == 1
        err = capsys.readouterr().err
        assert "postgresql+psycopg://nw:***@127.0.0.1" in err and "canary-pw-never-shown" not in err


def test_text_past_the_archive_cut_is_read_by_facts_not_by_words(tmp_path, shared, archive_url, capsys):
    """The archive keeps an item's first 20 KB of text (schema.TEXT_MAX_BYTES) and the classifier's Facts
    of all of it. A rule over facts (the founding rule) replays as it matched; a keyword that stands only
    past the cut is not seen by replay: README "Replaying rules"."""
    from newswatch.archive.database import Archive
    from newswatch.archive.records import decode, item_entry
    from newswatch.archive.schema import TEXT_MAX_BYTES
    from newswatch.classify.classifier import Classifier
    from newswatch.model.item import Item
    (shared / "tail-rule.yaml").write_text(
        "- {id: tail-word, title: Tail, when: {keywords: [Zanzibar-lighthouse]}, notify: [console]}\n")
    # one long opening sentence (events are read from a text's first sentences, extract.LEAD_SENTENCES)
    filler = "Markets were calm and nothing else happened that day, " * (TEXT_MAX_BYTES // 50) + "and so it went. "
    text = filler + ("Russian Foreign Minister Sergei Lavrov arrived in Bamako on Monday for talks. "
                     "Zanzibar-lighthouse.")
    item = Item("wire", "A long day", text, url="https://example.org/long", guid="long-1").finish()
    item.facts = Classifier.from_config_dir(Path(__file__).resolve().parents[2] / "newswatch" / "classify" / "data",
                                            cache_dir=shared / "state" / "cache").classify(item.title, item.text,
                                                                                   published=item.fetched_at.date())
    archive = Archive(archive_url)
    archive.write([decode(item_entry(item))])
    archive.close()
    config = write_config(tmp_path, shared, {"wire": "http://127.0.0.1:9/wire.xml"},
                          archive_url=archive_url.render_as_string(hide_password=False))
    feed = tmp_path / "long.jsonl"
    feed.write_text(json.dumps({"id": "long-1", "title": item.title, "summary": text, "url": item.url}) + "\n")
    rules = [str(SAHEL_RULES), str(shared / "tail-rule.yaml")]
    code, given = run("test-rule", *rules, "-c", str(config), "--input", str(feed))
    assert code == 0
    code, replayed = run("test-rule", *rules, "-c", str(config), "--since", SINCE)
    assert code == 0
    [given_line], [replayed_line] = lines(given), lines(replayed)
    assert [m["rule"] for m in given_line["matches"]] == ["russian-official-visits-sahel-capital", "tail-word"]
    # the same evidence, past the cut; the words themselves are not archived there, so a participant's
    # span shows the name the event gives it ("Sergey Lavrov" for "Sergei Lavrov")
    [replayed_match], given_match = replayed_line["matches"], given_line["matches"][0]
    assert [dict(e, matched=None) for e in replayed_match["evidence"]] == \
        [dict(e, matched=None) for e in given_match["evidence"]]
    assert [e["matched"] for e in replayed_match["evidence"]][:3] == ["arrived", "Sergey Lavrov", "Bamako"]
    assert [e["matched"] for e in given_match["evidence"]][:3] == ["arrived", "Sergei Lavrov", "Bamako"]
    assert given_line["matches"][0]["evidence"][0]["start"] > TEXT_MAX_BYTES
