"""Hot reload of rule files, end to end: a real `newswatch run`, real Redis, a loopback feed whose items
change, the stdout channel. Edited, added and broken rule files, without a restart."""
import html
import json
import time
from datetime import datetime, timezone
from email.utils import format_datetime

import yaml

from tests.e2e.conftest import Proc, wait_until
from tests.support.http_server import LocalHTTPServer

SECRET = "hunter2-rule-secret-5c1f"
RELOAD_WITHIN = 10.0


def feed(*items: tuple[str, str]) -> bytes:
    """An RSS 2.0 feed of (guid, title) items, all published now."""
    now = format_datetime(datetime.now(timezone.utc))
    body = "".join(f"<item><title>{html.escape(title)}</title><link>https://news.example/{guid}</link>"
                   f"<guid isPermaLink=\"false\">{guid}</guid><pubDate>{now}</pubDate>"
                   f"<description>{html.escape(title)}.</description></item>" for guid, title in items)
    return (f"<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel><title>World</title>"
            f"<link>https://news.example/</link><description>test</description>{body}</channel></rss>").encode()


def watch_rule(*places: str, **extra) -> list[dict]:
    return [{"id": "lavrov-visit", "title": "Lavrov visits", "severity": "high",
             "when": {"all": [{"keywords": ["Lavrov"]}, {"keywords": list(places)}]},
             "notify": ["console"], **extra}]


def alerts(run) -> list[dict]:
    return [json.loads(line) for line in run.stdout().splitlines() if line.startswith("{")]


def test_edited_added_and_broken_rule_files_while_running(tmp_path, redis_url, key_prefix):
    rules = tmp_path / "rules"
    rules.mkdir()
    main = rules / "main.yaml"
    main.write_text(yaml.safe_dump(watch_rule("Niamey")))
    items = [("a1", "Lavrov arrives in Bamako")]
    with LocalHTTPServer() as http:
        http.feed("/world.xml", feed(*items))
        cfg = tmp_path / "newswatch.yaml"
        cfg.write_text(yaml.safe_dump({
            "redis_url": redis_url, "key_prefix": key_prefix, "max_age": "48h", "classify": {"enabled": False},
            "sources": [{"id": "world", "type": "rss", "url": http.url("/world.xml"), "interval": "1s"}],
            "channels": [{"id": "console", "type": "stdout"}], "rules": ["rules/*.yaml"]}, sort_keys=False))
        run = Proc(tmp_path, "run", "-c", str(cfg), env={"NWTEST_RULE_SECRET": SECRET})
        try:
            _exercise(run, http, rules, items)
        finally:
            run.kill()


def _exercise(run, http, rules, items: list) -> None:
    main = rules / "main.yaml"

    def serve(guid: str, title: str) -> None:
        items.append((guid, title))
        http.feed("/world.xml", feed(*items))

    def alert_for(guid: str, timeout: float = RELOAD_WITHIN) -> dict:
        found = wait_until(lambda: [a for a in alerts(run) if a["url"].endswith("/" + guid)], timeout,
                           f"the alert for {guid}", procs=[run])
        return found[0]

    # 1. the first rules do not match item a1
    wait_until(lambda: "poll_done source_id=world items=1 new=1" in run.stderr(), 60, "the first poll",
               procs=[run])
    assert alerts(run) == []

    # 2. the rule is edited to match: in force within 10 s, and a new item alerts
    edited = time.monotonic()
    main.write_text(yaml.safe_dump(watch_rule("Bamako")))
    wait_until(lambda: run.stderr().count("rules_reloaded") == 1, RELOAD_WITHIN, "rules_reloaded",
               procs=[run])
    serve("a2", "Lavrov meets the junta in Bamako")
    alert = alert_for("a2")
    assert time.monotonic() - edited < 2 * RELOAD_WITHIN
    assert alert["rule"] == "lavrov-visit" and "Bamako" in alert["explanation"]
    assert "rules_reloaded rules=1 enabled=1" in run.stderr()

    # 3. a new file matching the glob counts too
    (rules / "extra.yaml").write_text(yaml.safe_dump([{"id": "niamey", "title": "Niamey",
                                                       "when": {"keywords": ["Niamey"]},
                                                       "notify": ["console"]}]))
    wait_until(lambda: run.stderr().count("rules_reloaded") == 2, RELOAD_WITHIN, "the added file",
               procs=[run])
    serve("a3", "Talks resume in Niamey")
    assert alert_for("a3")["rule"] == "niamey"

    # 4. a file that no longer validates is rejected, with its errors, and the rules in force go on
    main.write_text(yaml.safe_dump(watch_rule("Bamako", severity="${NWTEST_RULE_SECRET}")
                                   + [{"id": "broken", "title": "Broken", "when": {"keyword": ["x"]},
                                       "notify": ["console"]}]))
    line = wait_until(lambda: [ln for ln in run.stderr().splitlines() if "rules_reload_failed" in ln],
                      RELOAD_WITHIN, "rules_reload_failed", procs=[run])[0]
    assert "errors=2" in line and "kept_rules=2" in line
    assert f"{main}:" in line and "[0].severity" in line and "unknown condition 'keyword'" in line
    assert SECRET not in run.stderr() and SECRET not in run.stdout()
    serve("a4", "Lavrov leaves Bamako")
    assert alert_for("a4")["rule"] == "lavrov-visit"
    time.sleep(3)   # further checks: the broken file is reported once, not every few seconds
    assert run.stderr().count("rules_reload_failed") == 1
    assert run.stderr().count("rules_reloaded") == 2

    # 5. fixed again: reloaded; nothing alerted twice, item a1 never (it was seen under the old rules)
    main.write_text(yaml.safe_dump(watch_rule("Bamako", "Niamey")))
    wait_until(lambda: run.stderr().count("rules_reloaded") == 3, RELOAD_WITHIN, "the fixed file",
               procs=[run])
    assert sorted(a["url"].rsplit("/", 1)[1] for a in alerts(run)) == ["a2", "a3", "a4"]
    assert run.terminate() == 0
