"""The whole system on feeds carrying what the fuzzer found (tests/test_fuzz_parsers.py): one item's
date past the calendar, a character reference to no character, a control character in the HTML, a
link with a port past 65535. Before, each made the poll task fail outside the source's error path:
no alert, no health record, the source silent. Now every feed's alert arrives and each source is ok (story
and event grouping off: each feed's copy of the seed alerts on its own)."""
import re

from tests.e2e.conftest import email_channel, feed_with_seed, write_config
from tests.support.http_server import LocalHTTPServer
from tests.support.smtp_server import LocalSMTPServer

HOSTILE = {   # source id -> what goes into the first item after the seed (a real Al Jazeera one)
    "date": (rb"<pubDate>[^<]*</pubDate>", b"<pubDate>Fri, 31 Dec 9999 23:59:59 -2359</pubDate>"),
    "charref": (rb"<title>", b"<title>&#1114112; "),
    "control": (rb"<description>", b"<description>&lt;p&gt;a&amp;#1;b&lt;/p&gt;"),
    "port": (rb"<link>https://www\.aljazeera\.com", b"<link>https://www.aljazeera.com:99999"),
}


def hostile_feed(data_dir, source_id: str) -> bytes:
    body = feed_with_seed(data_dir, url=f"https://example.org/2026/lavrov-in-bamako-{source_id}")
    second = body.index(b"<item>", body.index(b"<item>") + 1)       # the item after the seed
    pattern, replacement = HOSTILE[source_id]
    head, tail = body[:second], body[second:]
    changed = re.sub(pattern, replacement.replace(b"\\", b"\\\\"), tail, count=1)
    assert changed != tail, source_id
    return head + changed


def test_hostile_feeds_still_alert_and_stay_healthy(tmp_path, procs, redis_url, key_prefix, data_dir, rdb):
    with LocalHTTPServer() as http, LocalSMTPServer() as smtp:
        for source_id in HOSTILE:
            http.feed(f"/{source_id}.xml", hostile_feed(data_dir, source_id))
        sources = [{"id": s, "type": "rss", "url": http.url(f"/{s}.xml"), "interval": "1m"} for s in HOSTILE]
        cfg = write_config(tmp_path, {"redis_url": redis_url, "key_prefix": key_prefix, "sources": sources,
                                      "stories": {"enabled": False}, "events": {"enabled": False},
                                      "channels": [email_channel(smtp)]})
        run = procs("run", "-c", str(cfg), "--once", "--timeout", "60s")
        assert run.proc.wait(120) == 0, run.stderr()[-3000:]
    subjects = sorted(m["Subject"] for m in smtp.messages)
    assert len(subjects) == len(HOSTILE) and all("Lavrov" in s for s in subjects), subjects
    for source_id in HOSTILE:
        health = rdb.hgetall(f"{key_prefix}:health:{source_id}")
        assert health.get("status") == "ok", (source_id, health)
