"""Issue 14, done-when 3: one visit reported by outlets in en, fr, ru and ar, worded independently, through
RSS and Telegram → ONE alert email for the founding rule, listing the other outlets with their languages.

The real reports of Lavrov's arrival in Bamako on 2023-02-07 (tests/data/collected/visits.jsonl: Sputnik in
English, abamako in French, lenta.ru in Russian, Al-Akhbar (Mauritania, dateline Bamako) in Arabic) as four
RSS feeds, and the seed post (the Asharq Al-Awsat re-post, tests/data/seed/, in English) on a public Telegram
channel page: five reports, all on loopback. Real `newswatch run`, real Redis, real aiosmtpd, the shipped
founding rule (config/rules/sahel.yaml), the full classifier, extractor and event clusterer. One outlet
publishes first; the other four a little later. The desk's email channel sends a digest every 20 s, so the
email goes out once every outlet has reported, and "also reported by" is read at send time from the event's
reports. (Al-Akhbar tells the visit in two sentences, the host's naming the guest only as «نظيره الروسي», his
Russian counterpart: one occasion of the report, so no other report can join a side event of it.)"""
import html
import json
from datetime import datetime, timezone
from email.utils import format_datetime

import pytest
import yaml

from newswatch.pipeline.event_reports import event_reports
from newswatch.store.state import State
from tests.e2e.conftest import (ROOT, TELEGRAM_CHANNEL, deliveries, email_channel, telegram_page_with_seed,
                                wait_until)
from tests.support.http_server import LocalHTTPServer, Response

VISITS = (ROOT / "tests" / "data" / "collected" / "visits.jsonl").read_text(encoding="utf-8").splitlines()
# source id -> (0-based index of its line in visits.jsonl, i.e. line number - 1; the hour of 2023-02-07 it was
# published); the fifth report is the Telegram post (intl-affairs, 09:00)
OUTLETS = {"sputnik": (1, 6), "abamako": (73, 7), "lenta": (236, 8), "alakhbar": (151, 10)}
LANGS = {"sputnik": "en", "abamako": "fr", "lenta": "ru", "alakhbar": "ar", "intl-affairs": "en"}   # the seed post is in English
ARABIC = ("alakhbar", "ar")
RULE = "russian-official-visits-sahel-capital"


@pytest.fixture(scope="module")
def shared_state_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("state")   # the classifier's index cache, built once for both orders


def feed(source_id: str, with_report: bool) -> bytes:
    line, hour = OUTLETS[source_id]
    report = json.loads(VISITS[line])
    item = ""
    if with_report:
        published = datetime(2023, 2, 7, hour, tzinfo=timezone.utc)
        item = (f"<item><title>{html.escape(report['title'] or '')}</title><link>{html.escape(report['source'])}</link>"
                f"<guid>{html.escape(report['source'])}</guid><pubDate>{format_datetime(published)}</pubDate>"
                f"<description>{html.escape(report['text'])}</description></item>")
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>{source_id}</title>'
            f"<link>https://{source_id}.example/</link><description>news</description>{item}</channel></rss>"
            ).encode()


def write_config(tmp_path, redis_url, key_prefix, http, smtp, state_dir):
    path = tmp_path / "newswatch.yaml"
    path.write_text(yaml.safe_dump({
        "redis_url": redis_url, "key_prefix": key_prefix, "state_dir": str(state_dir), "max_age": "off",
        "archive": {"url": f"sqlite:///{tmp_path / 'archive.db'}"},     # this test's own archive
        "rules": [str(ROOT / "config" / "rules" / "sahel.yaml")],
        "sources": [{"id": "intl-affairs", "type": "telegram", "channel": f"https://t.me/{TELEGRAM_CHANNEL}",
                     "base_url": http.base_url, "interval": "2s"}]
                   + [{"id": s, "type": "rss", "url": http.url(f"/{s}.xml"), "interval": "2s"} for s in OUTLETS],
        "channels": [email_channel(smtp, digest="20s"), {"id": "console", "type": "stdout", "min_severity": "critical"}],
        "delivery": {"retry_backoff": "1s", "redeliver_after": "5s"}}, sort_keys=False))
    return path


def the_alert(rdb, key_prefix) -> dict:
    alerts = [json.loads(rdb.get(k)) for k in rdb.scan_iter(f"{key_prefix}:alert:*")]
    found = [a for a in alerts if a.get("rule_id") == RULE]
    assert len(found) == 1, [(a["source_id"], a["event_id"], a["story_id"], a["created_at"]) for a in found]
    return found[0]


def assert_one_email_listing_the_others(smtp, first: str) -> None:
    """ONE email for the founding rule, a digest of one member (the alert from `first`) whose "also
    reported by" names every other outlet with its language, the Arabic one by name (unless it is
    `first`, the email's own source)."""
    assert len(smtp.messages) == 1, [m["Subject"] for m in smtp.messages]
    msg = smtp.messages[0]
    assert "Russian official visits a Sahel capital" in msg["Subject"]
    body = msg.get_body(("plain",)).get_content()
    [line] = [ln for ln in body.splitlines() if "also reported by: " in ln]   # the digest's one member
    assert line.startswith("• ") and RULE not in line, line
    listed = line.split("also reported by: ", 1)[1].split(", ")
    assert sorted(listed) == sorted(f"{s} ({lang})" for s, lang in LANGS.items() if s != first), line
    assert ("alakhbar (ar)" in listed) if first != "alakhbar" else ("alakhbar" not in line), line


@pytest.mark.parametrize("first", ["intl-affairs", "lenta"])
def test_one_visit_from_five_outlets_in_four_languages_is_one_email_listing_the_others(
        first, tmp_path, procs, redis_url, key_prefix, rdb, data_dir, shared_state_dir):
    from tests.support.smtp_server import LocalSMTPServer
    published = datetime(2023, 2, 7, 9, tzinfo=timezone.utc)
    with LocalHTTPServer() as http, LocalSMTPServer() as smtp:
        page = Response(body=telegram_page_with_seed(data_dir, published=published),
                        headers={"Content-Type": "text/html; charset=utf-8"})
        empty_page = Response(body=telegram_page_with_seed(data_dir, with_post=False),
                              headers={"Content-Type": "text/html; charset=utf-8"})
        http.route(f"/s/{TELEGRAM_CHANNEL}", page if first == "intl-affairs" else empty_page)
        feeds = {s: http.feed(f"/{s}.xml", feed(s, s == first)) for s in OUTLETS}
        cfg = write_config(tmp_path, redis_url, key_prefix, http, smtp, shared_state_dir)
        run = procs("run", "-c", str(cfg))
        state = State(rdb, key_prefix)
        wait_until(lambda: any(rdb.scan_iter(f"{key_prefix}:alert:*")), 90, f"the alert from {first}", procs=[run])
        alert = the_alert(rdb, key_prefix)
        assert alert["source_id"] == first and alert["event_id"], alert
        # the other four outlets publish their own reports of the visit
        for s, route in feeds.items():
            if s != first:
                route.body, route.etag = feed(s, True), '"with-report"'
        if first != "intl-affairs":
            http.route(f"/s/{TELEGRAM_CHANNEL}", page)
        wait_until(lambda: len(event_reports(state, alert["event_id"])) >= 5, 60,
                   "five reports recorded on the event", procs=[run])
        reports = event_reports(state, alert["event_id"])
        print("event reports:", [(r["source_id"], r["lang"]) for r in reports])
        assert {(r["source_id"], r["lang"]) for r in reports} == set(LANGS.items()) and len(reports) == 5
        assert ARABIC in {(r["source_id"], r["lang"]) for r in reports}
        assert {r["lang"] for r in reports} == {"en", "fr", "ru", "ar"}
        assert reports[0]["source_id"] == first
        wait_until(lambda: smtp.messages, 60, "the digest email", procs=[run])
        wait_until(lambda: all(d.get("status") in ("sent", "digested") for d in deliveries(rdb, key_prefix).values()),
                   20, "deliveries settled", procs=[run])
        assert run.terminate() == 0
        assert the_alert(rdb, key_prefix)["id"] == alert["id"]           # still one alert for the founding rule
        assert_one_email_listing_the_others(smtp, first)
        # `newswatch alerts`: the alert's event with every report, outlet and language
        listing = procs("alerts", "-c", str(cfg), "--format", "json", name="alerts")
        assert listing.proc.wait(30) == 0, listing.stderr()
        [row] = [r for r in map(json.loads, listing.stdout().splitlines()) if r["rule"] == RULE]
        assert row["event"]["id"] == alert["event_id"]
        assert {(r["source_id"], r["lang"]) for r in row["event"]["reports"]} == set(LANGS.items())
        assert ARABIC in {(r["source_id"], r["lang"]) for r in row["reported_by"]}
        assert {(r["source_id"], r["lang"]) for r in row["reported_by"]} == {(s, l) for s, l in LANGS.items() if s != first}
        # `newswatch items`: each fetched item with its event (from the archive) and the event's reports
        items = procs("items", "-c", str(cfg), "--source", "lenta", name="items")
        assert items.proc.wait(60) == 0, items.stderr()
        [lenta] = [json.loads(line) for line in items.stdout().splitlines()]
        assert lenta["seen"] is True and lenta["event"]["id"] == alert["event_id"], lenta
        assert lenta["event"]["type"] == "visit" and len(lenta["event"]["reports"]) == 5
        # `newswatch story EVENT_ID`: every report of the event from the archive, with outlet and language
        story = procs("story", "-c", str(cfg), alert["event_id"], "--format", "json", name="story")
        assert story.proc.wait(60) == 0, story.stderr()
        archived = [json.loads(line) for line in story.stdout().splitlines()]
        assert {(r["source"], r["lang"]) for r in archived} == set(LANGS.items()) and len(archived) == 5
        assert {r["event_id"] for r in archived} == {alert["event_id"]}

def test_five_outlets_polled_at_once_are_one_event_and_one_email(tmp_path, procs, redis_url, key_prefix, rdb,
                                                                  data_dir, shared_state_dir):
    """All five reports are there at the first poll, so the five polls run at the same time on the
    worker's threads and race in the event clusterer: still one event with five reports, one alert,
    one email. (The seed post and Al-Akhbar restate the visit in several sentences; each one's
    restatements are one event, so a report cannot join a side event of either and split the visit.)
    The email is a digest here too, so it goes out once every report is recorded and lists them all."""
    from tests.support.smtp_server import LocalSMTPServer
    published = datetime(2023, 2, 7, 9, tzinfo=timezone.utc)
    with LocalHTTPServer() as http, LocalSMTPServer() as smtp:
        http.route(f"/s/{TELEGRAM_CHANNEL}", Response(body=telegram_page_with_seed(data_dir, published=published),
                                                      headers={"Content-Type": "text/html; charset=utf-8"}))
        for s in OUTLETS:
            http.feed(f"/{s}.xml", feed(s, True))
        cfg = write_config(tmp_path, redis_url, key_prefix, http, smtp, shared_state_dir)
        run = procs("run", "-c", str(cfg))
        state = State(rdb, key_prefix)
        wait_until(lambda: any(rdb.scan_iter(f"{key_prefix}:alert:*")), 90, "the alert", procs=[run])
        alert = the_alert(rdb, key_prefix)
        wait_until(lambda: len(event_reports(state, alert["event_id"])) >= 5, 60,
                   "five reports recorded on the event", procs=[run])
        reports = event_reports(state, alert["event_id"])
        assert {(r["source_id"], r["lang"]) for r in reports} == set(LANGS.items()) and len(reports) == 5
        assert ARABIC in {(r["source_id"], r["lang"]) for r in reports}
        wait_until(lambda: smtp.messages, 60, "the digest email", procs=[run])
        wait_until(lambda: all(d.get("status") in ("sent", "digested") for d in deliveries(rdb, key_prefix).values()),
                   20, "deliveries settled", procs=[run])
        assert run.terminate() == 0
        assert the_alert(rdb, key_prefix)["id"] == alert["id"]     # no second alert for the founding rule
        alerts = [json.loads(rdb.get(k)) for k in rdb.scan_iter(f"{key_prefix}:alert:*")]
        assert sorted((a["rule_id"], a["event_id"]) for a in alerts) == [("digest", None), (RULE, alert["event_id"])]
        [digest] = [a for a in alerts if a["rule_id"] == "digest"]    # the email: a digest of that one alert
        assert [m["id"] for m in digest["digest_of"]] == [alert["id"]], digest["digest_of"]
        assert_one_email_listing_the_others(smtp, alert["source_id"])
