"""A rule regex with catastrophic backtracking (`(a+)+$`) and a feed serving the title it explodes on:
the daemon keeps working, and a fresh source's alert arrives while the hostile item is being served.
(With Python's `re` the match held the GIL for hours: every thread of the worker stopped.)"""
import html
import time
from datetime import datetime, timezone
from email.utils import format_datetime

from tests.e2e.conftest import LAVROV_RULE, email_channel, seed_item_xml, wait_until, write_config
from tests.support.http_server import LocalHTTPServer
from tests.support.smtp_server import LocalSMTPServer

HOSTILE_TITLE = "a" * 40 + "!"
REDOS_RULE = {"id": "redos", "title": "A pattern that backtracks", "severity": "low",
              "when": {"regex": "(a+)+$"}, "notify": ["desk-email"]}


def rss(*items: str) -> bytes:
    return ("<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>t</title>"
            f"<link>http://127.0.0.1/</link><description>d</description>{''.join(items)}</channel></rss>").encode()


def hostile_item() -> str:
    url = "http://127.0.0.1/hostile/1"
    return (f"<item><title>{html.escape(HOSTILE_TITLE)}</title><link>{url}</link><guid>{url}</guid>"
            f"<pubDate>{format_datetime(datetime.now(timezone.utc))}</pubDate>"
            f"<description>{HOSTILE_TITLE}</description></item>")


def test_a_backtracking_regex_does_not_stop_the_worker(tmp_path, procs, redis_url, key_prefix, data_dir):
    with LocalHTTPServer() as http, LocalSMTPServer() as smtp:
        http.feed("/hostile.xml", rss(hostile_item()))
        fresh = http.feed("/fresh.xml", rss())                       # nothing yet
        sources = [{"id": "hostile", "type": "rss", "url": http.url("/hostile.xml"), "interval": "1s"},
                   {"id": "fresh", "type": "rss", "url": http.url("/fresh.xml"), "interval": "1s"}]
        cfg = write_config(tmp_path, {"redis_url": redis_url, "key_prefix": key_prefix, "max_age": "48h",
                                      "sources": sources, "channels": [email_channel(smtp)]},
                           rules=LAVROV_RULE + [REDOS_RULE])
        run = procs("run", "-c", str(cfg))
        # the hostile item has been fetched, and handed to the rules
        wait_until(lambda: len(http.requests_for("/hostile.xml")) >= 1, 60, "the hostile feed polled", procs=[run])
        time.sleep(3)
        fresh.body, fresh.etag = rss(seed_item_xml(data_dir)), '"with-seed"'
        served_at = time.monotonic()
        wait_until(lambda: smtp.messages, 30, "the fresh source's alert", procs=[run])
        assert time.monotonic() - served_at < 30
        assert [m["Subject"].split(":")[0] for m in smtp.messages] == \
            ["[newswatch] Russian official visits a Sahel capital"]    # (a+)+$ does not match "aaa…!"
        polls = len(http.requests_for("/hostile.xml"))
        wait_until(lambda: len(http.requests_for("/hostile.xml")) > polls, 15, "the hostile feed polled again",
                   procs=[run])
        assert "poll_done source_id=hostile" in run.stderr()
        assert run.terminate() == 0
