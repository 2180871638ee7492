"""The seed scenario of issue 5: the Lavrov-in-Bamako post arrives from a public Telegram channel
(`mode: web`, the t.me/s page served on loopback) and the original story from an RSS feed, in either
order, a minute apart → exactly one alert email, and the story lists both sources.

Real `newswatch run`, real Redis, real aiosmtpd, the shipped founding rule (config/rules/sahel.yaml)
and the full classifier."""
import html
import json
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
import yaml

from newswatch.store.state import State
from newswatch.pipeline.stories import story_reports
from tests.e2e.conftest import (ROOT, TELEGRAM_CHANNEL, deliveries, email_channel, telegram_page_with_seed,
                                wait_until)
from tests.support.http_server import LocalHTTPServer, Response

ORIGINAL_URL = "https://english.aawsat.com/world/lavrov-bamako-first-visit"
ORIGINAL_TITLE = "Lavrov in Bamako: Russia steps up its policy in West Africa"


@pytest.fixture(scope="module")
def shared_state_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("state")   # the classifier's index cache, built once for both tests


def original_feed(data_dir, with_story: bool, published: datetime) -> bytes:
    """A real feed (Al Jazeera, tests/data/feeds) plus, when asked, the original story the channel re-posted:
    the same text under the newspaper's own headline, without the channel's "read more" line."""
    body = (data_dir / "feeds" / "world-2026-02" / "aljazeera_all__3f9eeff5039a008d.xml").read_bytes()
    if not with_story:
        return body
    lines = (data_dir / "seed" / "lavrov-bamako-telegram-post.txt").read_text(encoding="utf-8").strip().split("\n")
    text = "\n".join(line for line in lines[1:] if not line.startswith("read more in our Telegram"))
    item = (f"<item><title>{html.escape(ORIGINAL_TITLE)}</title><link>{ORIGINAL_URL}?utm_source=rss</link>"
            f"<pubDate>{format_datetime(published)}</pubDate><description>{html.escape(text)}</description></item>")
    at = body.index(b"<item>")
    return body[:at] + item.encode() + body[at:]


def write_config(tmp_path, redis_url, key_prefix, http, smtp, state_dir):
    path = tmp_path / "newswatch.yaml"
    path.write_text(yaml.safe_dump({
        "redis_url": redis_url, "key_prefix": key_prefix, "state_dir": str(state_dir), "max_age": "48h",
        "rules": [str(ROOT / "config" / "rules" / "sahel.yaml")],
        "sources": [{"id": "intl-affairs", "type": "telegram", "channel": f"https://t.me/{TELEGRAM_CHANNEL}",
                     "base_url": http.base_url, "interval": "2s"},
                    {"id": "aawsat", "type": "rss", "url": http.url("/world.xml"), "interval": "2s"}],
        "channels": [email_channel(smtp), {"id": "console", "type": "stdout", "min_severity": "critical"}],
        "delivery": {"retry_backoff": "1s", "redeliver_after": "5s"}}, sort_keys=False))
    return path


def one_story_two_sources(rdb, key_prefix) -> tuple[str, list[dict]]:
    [alert_key] = [k for k in rdb.scan_iter(f"{key_prefix}:alert:*")]
    alert = json.loads(rdb.get(alert_key))
    return alert, story_reports(State(rdb, key_prefix), alert["story_id"])


@pytest.mark.parametrize("first", ["telegram", "rss"])
def test_seed_story_from_telegram_and_rss_alerts_once(first, tmp_path, procs, redis_url, key_prefix, data_dir,
                                                      rdb, shared_state_dir):
    from tests.support.smtp_server import LocalSMTPServer
    now = datetime.now(timezone.utc)
    tg_time, rss_time = (now - timedelta(minutes=1), now) if first == "telegram" else (now, now - timedelta(minutes=1))
    with LocalHTTPServer() as http, LocalSMTPServer() as smtp:
        page = Response(body=telegram_page_with_seed(data_dir, published=tg_time),
                        headers={"Content-Type": "text/html; charset=utf-8"})
        empty_page = Response(body=telegram_page_with_seed(data_dir, with_post=False),
                              headers={"Content-Type": "text/html; charset=utf-8"})
        feed = http.feed("/world.xml", original_feed(data_dir, first == "rss", rss_time))
        http.route(f"/s/{TELEGRAM_CHANNEL}", page if first == "telegram" else empty_page)
        cfg = write_config(tmp_path, redis_url, key_prefix, http, smtp, shared_state_dir)
        run = procs("run", "-c", str(cfg))
        wait_until(lambda: smtp.messages, 90, f"the alert from the {first} copy", procs=[run])
        msg = smtp.messages[0]
        assert "Russian official visits a Sahel capital" in msg["Subject"]
        # a minute later (by its date) the other copy arrives from the other source
        if first == "telegram":
            feed.body, feed.etag = original_feed(data_dir, True, rss_time), '"with-story"'
        else:
            http.route(f"/s/{TELEGRAM_CHANNEL}", page)
        wait_until(lambda: len(one_story_two_sources(rdb, key_prefix)[1]) >= 2, 60,
                   "the second copy recorded on the story", procs=[run])
        alert, reports = one_story_two_sources(rdb, key_prefix)
        assert {r["source_id"] for r in reports} == {"intl-affairs", "aawsat"}
        assert reports[0]["source_id"] == ("intl-affairs" if first == "telegram" else "aawsat")
        assert any(r["url"] == f"https://t.me/{TELEGRAM_CHANNEL}/4242" for r in reports)
        # the later copy matched the rule too, and its alert was held back as the same story
        wait_until(lambda: "alert_suppressed reason=realert" in run.stderr(), 30, "the copy's alert suppressed",
                   procs=[run])
        wait_until(lambda: all(d.get("status") == "sent" for d in deliveries(rdb, key_prefix).values()), 20,
                   "deliveries settled", procs=[run])
        assert run.terminate() == 0
        assert len(smtp.messages) == 1, [m["Subject"] for m in smtp.messages]
        assert alert["rule_id"] == "russian-official-visits-sahel-capital"
        # `newswatch alerts` shows the one alert and the story's other source
        listing = procs("alerts", "-c", str(cfg), "--format", "json", name="alerts")
        assert listing.proc.wait(30) == 0
        [row] = [json.loads(line) for line in listing.stdout().splitlines()]
        other = "aawsat" if first == "telegram" else "intl-affairs"
        assert [r["source_id"] for r in row["reported_by"]] == [other]
        # `newswatch items` fetches again and says, per item, whether it was seen and its story's reports
        for source_id, link in (("intl-affairs", f"https://t.me/{TELEGRAM_CHANNEL}/4242"), ("aawsat", ORIGINAL_URL)):
            items = procs("items", "-c", str(cfg), "--source", source_id, name=f"items-{source_id}")
            assert items.proc.wait(60) == 0, items.stderr()
            [seed] = [i for i in map(json.loads, items.stdout().splitlines()) if (i["url"] or "").startswith(link)]
            assert seed["seen"] is True and seed["story"]["id"] == alert["story_id"]
            assert {r["source_id"] for r in seed["story"]["reports"]} == {"intl-affairs", "aawsat"}
