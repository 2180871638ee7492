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

import html
import json
from datetime import datetime, timezone
from email.utils import format_datetime
from pathlib import Path

import pytest
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
                 key_prefix: str = "nw", archive_url: str = "") -> Path:
    path = folder / "newswatch.yaml"
    path.write_text(yaml.safe_dump({
        "redis_url": redis_url, "key_prefix": key_prefix, "state_dir": str(shared / "state"), "max_age": "off",
        "rules": [str(SAHEL_RULES), str(shared / "world-rules.yaml")],
        "archive": {"url": archive_url},
        "sources": [{"id": sid, "type": "rss", "url": url} for sid, url in sources.items()],
        "channels": [{"id": "console", "type": "stdout", "min_severity": "critical"},
                     {"id": "desk-email", "type": "email", "host": "127.0.0.1", "port": 25, "security": "none",
                      "from": "alerts@newswatch.test", "to": ["desk@newswatch.test"]}]}, sort_keys=False))
    return path


@pytest.fixture(scope="module")
def from_input(tmp_path_factory, shared, feeds) -> dict[str, list[dict]]:
    """`test-rule --input` over each feed file: its lines, by source id (the same on every backend)."""
    folder = tmp_path_factory.mktemp("input")
    config = write_config(folder, shared, {sid: f"http://127.0.0.1:9/{sid}" for sid in feeds},
                          archive_url=f"sqlite:///{folder / 'unused.sqlite3'}")
    out: dict[str, list[dict]] = {}
    capture = folder / "out.jsonl"
    for sid, path in feeds.items():
        with open(capture, "w", encoding="utf-8") as handle:
            import contextlib
            with contextlib.redirect_stdout(handle):
                assert main(["test-rule", "-c", str(config), "--input", str(path)]) == 0
        out[sid] = [json.loads(line) for line in capture.read_text(encoding="utf-8").splitlines()]
    return out


@pytest.fixture(params=BACKENDS)
def filled(request, tmp_path, shared, feeds, redis_url, key_prefix):
    """A config whose archive was filled by polling every feed through the real pipeline."""
    with backend_url(request.param, tmp_path) as url, LocalHTTPServer() as http:
        for sid, path in feeds.items():
            http.feed(f"/{sid}.xml", path.read_bytes())
        config = write_config(tmp_path, shared, {sid: http.url(f"/{sid}.xml") for sid in feeds},
                              redis_url=redis_url, key_prefix=key_prefix,
                              archive_url=url.render_as_string(hide_password=False))
        rt = Runtime(load_config(config), redis_url)
        try:
            for sid in feeds:
                report = poll_once(rt, sid, lambda *a: None, force=True)
                assert report.status.value == "ok", report
            while rt.archive_queue.waiting():
                rt.archiver.drain(force=True)
            yield config, rt
        finally:
            rt.close()


def archived_ids(rt: Runtime) -> set[str]:
    with rt.archive.engine.connect() as conn:
        return {row.guid or row.fingerprint for row in conn.execute(sa.text("SELECT guid, fingerprint FROM items"))}


def test_replay_gives_what_input_gives(filled, from_input, capsys):
    config, rt = filled
    assert main(["test-rule", "-c", str(config), "--since", SINCE]) == 0
    out = capsys.readouterr()
    replayed = [json.loads(line) for line in out.out.splitlines()]
    by_id = {r["id"]: r for r in replayed}
    assert len(by_id) == len(replayed) == len(archived_ids(rt)) and set(by_id) == archived_ids(rt)
    expected = {r["id"]: r for lines in from_input.values() for r in lines}
    from collections import Counter
    print(Counter(m["rule"] for r in replayed for m in r["matches"]))
    with rt.archive.engine.connect() as conn:
        for row in conn.execute(sa.text("SELECT story_id, count(*) AS n, count(DISTINCT source) AS s FROM items GROUP BY story_id HAVING count(*) > 1 ORDER BY n DESC")):
            print(row)
            for r in conn.execute(sa.text("SELECT source, lang, title, url, at FROM items WHERE story_id = :s"), {"s": row.story_id}):
                print("   ", r)
    for rid, record in by_id.items():
        assert record == expected[rid], rid
