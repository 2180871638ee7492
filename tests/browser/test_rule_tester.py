"""Issue 15, done-when 2: in the rule tester a user types a rule, runs it over the archive, sees matches (the
evidence marked by role) and a near miss naming its failing clause, saves it, and the running daemon alerts
on the next matching item: a new item of the real feed, published after the save. Real `newswatch run` (its
web child on web.port), a real feed on 127.0.0.1, real Redis, real aiosmtpd, Debian's chromium. The tester
is photographed into docs/web-rule-tester.png for README."""
from __future__ import annotations

import time

from tests.browser.conftest import DOCS, api, get
from tests.e2e.conftest import SEED_URL, email_channel, feed_with_seed, wait_until, write_config
from tests.support.http_server import LocalHTTPServer
from tests.support.redis_server import free_port
from tests.support.smtp_server import LocalSMTPServer

FEED = "aljazeera_all__3f9eeff5039a008d.xml"
RULE_ID = "russia-at-war-or-visiting-sahel"
RULE = f"""- id: {RULE_ID}
  title: Russia at war, or a Russian official in a Sahel capital
  severity: high
  when:
    any:
      - event: {{type: visit, who: {{nationality: RU, role: official}}, where: {{region: sahel, kind: capital}}}}
      - all: [{{country: RU}}, {{topic: military}}]
  notify: [desk-email]
"""
NEVER = "- id: placeholder\n  title: Nothing yet\n  when: {keywords: [zzqx-never-said]}\n  notify: [desk-email]\n"


def test_a_rule_typed_run_over_the_archive_and_saved_alerts_on_the_next_item(tmp_path, procs, redis_url, key_prefix,
                                                                            rdb, data_dir, page):
    body = (data_dir / "feeds" / "world-2026-02" / FEED).read_bytes()
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "placeholder.yaml").write_text(NEVER)
    with LocalHTTPServer() as http, LocalSMTPServer() as smtp:
        route = http.feed("/world.xml", body)            # the real feed (February 2026), before the seed story
        port = free_port()
        cfg = write_config(tmp_path, {
            "redis_url": redis_url, "key_prefix": key_prefix, "max_age": "off", "state_dir": str(tmp_path / "state"),
            "rules": ["rules/*.yaml"], "archive": {"url": f"sqlite:///{tmp_path / 'archive.db'}"},
            "web": {"port": port},
            "sources": [{"id": "world", "type": "rss", "url": http.url("/world.xml"), "interval": "1s"}],
            "channels": [email_channel(smtp)],
            "delivery": {"retry_backoff": "1s", "redeliver_after": "5s"}}, rules=[])
        run = procs("run", "-c", str(cfg), web=True)
        base = f"http://127.0.0.1:{port}"
        wait_until(lambda: get(f"{base}/api/status")[0] == 200, 40, "the desk on web.port", procs=[run])
        wait_until(lambda: api(f"{base}/api/status")["archive"]["items"] >= 20, 90, "the feed archived", procs=[run])

        page.goto(f"{base}/rules/test")
        page.fill("#rule-yaml", RULE)                     # typed into the tester
        page.fill("input[name=days]", "400")              # the feed's items are from February 2026
        page.click("#run")
        page.wait_for_selector("#result")
        counts = page.locator("#counts").inner_text()
        assert "1 matched" in counts and "stopped" not in counts, counts
        match = page.locator("article.trial-match").first
        assert "Deadly explosion rocks Russian military site" in match.locator("h3").inner_text()
        marks = {role: match.locator(f"mark.role-{role}").all_inner_texts() for role in ("where", "what")}
        assert "Russian" in marks["where"] and marks["what"], marks     # Russia (where), the military (what)
        near = page.locator("article.near-miss", has_text="Russia-Ukraine war: List of key events")
        assert "when.any[1].all[1].topic: did not hold" in near.locator("ul.failed").all_inner_texts()[0]
        DOCS.mkdir(exist_ok=True)
        page.screenshot(path=str(DOCS / "web-rule-tester.png"), full_page=True)
        assert (DOCS / "web-rule-tester.png").stat().st_size > 10_000

        page.click("#save")
        page.wait_for_selector("#saved")
        saved_at = time.time()
        assert (tmp_path / "rules" / f"{RULE_ID}.yaml").read_text() == RULE
        wait_until(lambda: "rules_reloaded" in run.stderr(), 10, "the daemon reloading its rules", procs=[run])
        assert time.time() - saved_at < 5
        assert api(f"{base}/api/alerts")["alerts"] == []         # the archived items were matched when they came

        route.body, route.etag = feed_with_seed(data_dir, name=FEED), '"with-seed"'   # published after the save
        alerts = wait_until(lambda: api(f"{base}/api/alerts")["alerts"], 60, "the alert", procs=[run])
        assert [(a["rule"], a["url"]) for a in alerts] == [(RULE_ID, SEED_URL)]
        wait_until(lambda: len(smtp.messages) == 1, 30, "the email", procs=[run])
        assert "Russia at war, or a Russian official in a Sahel capital" in str(smtp.messages[0])
        assert run.terminate() == 0
