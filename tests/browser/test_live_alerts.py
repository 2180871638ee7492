"""Issue 15, done-when 1: a real feed served on 127.0.0.1 gets the seed story while the alerts page is open
in a real browser: the alert appears without a reload within 2 s of being stored, with Lavrov (who), Bamako
(where) and the visit (what) highlighted and the email channel `sent`. Real `newswatch run` (its web child
on web.port), real Redis, real aiosmtpd, Debian's chromium. The page is photographed into docs/ for README."""
from __future__ import annotations

import time

from tests.browser.conftest import DOCS, api, get
from tests.e2e.conftest import SEED_URL, email_channel, feed_with_seed, wait_until, write_config
from tests.support.http_server import LocalHTTPServer
from tests.support.redis_server import free_port
from tests.support.smtp_server import LocalSMTPServer

FEED = "aljazeera_all__3f9eeff5039a008d.xml"
RULE = [{"id": "lavrov-visits-sahel-capital", "title": "Lavrov visits a Sahel capital", "severity": "high",
         "when": {"all": [{"actor": "lavrov"}, {"place": {"region": "sahel", "kind": "capital"}},
                          {"topic": {"name": "visit"}}]},
         "notify": ["desk-email"]}]
# when the browser saw each alert article appear (Date.now(), ms), kept by the page itself
WATCH = """() => { window.__loadedOnce = (window.__loadedOnce || 0) + 1; window.__seen = {};
  new MutationObserver(ms => ms.forEach(m => m.addedNodes.forEach(n => {
    if (n.dataset && n.dataset.alert && !(n.dataset.alert in window.__seen)) window.__seen[n.dataset.alert] = Date.now();
  }))).observe(document.getElementById('alerts'), {childList: true}); }"""


def test_the_seed_alert_appears_live_with_its_evidence_and_the_email_sent(tmp_path, procs, redis_url, key_prefix,
                                                                         rdb, data_dir, page):
    body = (data_dir / "feeds" / "world-2026-02" / FEED).read_bytes()
    with LocalHTTPServer() as http, LocalSMTPServer() as smtp:
        route = http.feed("/world.xml", body)            # the real feed, before the seed story
        port = free_port()
        cfg = write_config(tmp_path, {
            "redis_url": redis_url, "key_prefix": key_prefix, "max_age": "off", "state_dir": str(tmp_path / "state"),
            "archive": {"url": f"sqlite:///{tmp_path / 'archive.db'}"},
            "web": {"port": port},
            "sources": [{"id": "world", "type": "rss", "url": http.url("/world.xml"), "interval": "1s"}],
            "channels": [email_channel(smtp)],
            "delivery": {"retry_backoff": "1s", "redeliver_after": "5s"}}, rules=RULE)
        run = procs("run", "-c", str(cfg), web=True)
        base = f"http://127.0.0.1:{port}"
        wait_until(lambda: get(f"{base}/api/status")[0] == 200, 40, "the desk on web.port", procs=[run])
        wait_until(lambda: api(f"{base}/api/sources")["sources"]["world"]["status"] == "ok", 60,
                   "the first poll of the feed", procs=[run])
        assert api(f"{base}/api/alerts")["alerts"] == []

        page.goto(f"{base}/alerts")
        page.evaluate(WATCH)
        route.body, route.etag = feed_with_seed(data_dir, name=FEED), '"with-seed"'   # the seed story comes in

        def stored():
            found = [(a, s) for a, s in rdb.zrange(f"{key_prefix}:alerts", 0, -1, withscores=True)]
            return found[0] if found else None
        alert_id, stored_at = wait_until(stored, 60, "the alert stored", procs=[run])
        seen_ms = wait_until(lambda: page.evaluate(f"window.__seen[{alert_id!r}]"), 10, "the alert on the page")
        assert seen_ms / 1000 - stored_at <= 2.0, f"shown {seen_ms / 1000 - stored_at:.2f}s after it was stored"

        article = page.locator(f"#alert-{alert_id}")
        assert SEED_URL in article.locator(".link a").first.inner_text()
        marks = {role: article.locator(f"mark.role-{role}").all_inner_texts() for role in ("who", "where", "what")}
        assert any("Lavrov" in m for m in marks["who"]), marks
        assert any("Bamako" in m for m in marks["where"]), marks
        assert any("visit" in m.lower() for m in marks["what"]), marks
        email = page.locator(f"#alert-{alert_id} tr.delivery[data-channel=desk-email] td.status")
        wait_until(lambda: email.inner_text() == "sent", 30, "the email channel shown as sent", procs=[run])
        assert len(smtp.messages) == 1
        assert page.evaluate("window.__loadedOnce") == 1      # the same page all along: no reload
        assert page.locator("#live-state").inner_text() == "live"

        DOCS.mkdir(exist_ok=True)
        page.screenshot(path=str(DOCS / "web-alerts.png"), full_page=False)
        article.screenshot(path=str(DOCS / "web-alert-evidence.png"))
        assert (DOCS / "web-alerts.png").stat().st_size > 10_000
        assert run.terminate() == 0
