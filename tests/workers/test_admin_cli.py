"""`newswatch alerts`, `alerts retry`, `silence add|list|expire` and `status` against the real Redis."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from alerts.silences import Silences
from newswatch.model.alert import Alert
from newswatch.store.state import State, connect
from workers.cli import main
from alerts.store import AlertStore


@pytest.fixture
def cfg(tmp_path, redis_url, key_prefix):
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump([]))
    path = tmp_path / "newswatch.yaml"
    path.write_text(yaml.safe_dump({
        "redis_url": redis_url, "key_prefix": key_prefix, "rules": ["rules.yaml"],
        "sources": [{"id": "world", "type": "rss", "url": "http://127.0.0.1:9/feed.xml"}],
        "channels": [{"id": "out", "type": "stdout"}, {"id": "desk", "type": "stdout"}]}))
    return str(path)


@pytest.fixture
def st(redis_url, key_prefix):
    return State(connect(redis_url), key_prefix)


def make_alert(st, alert_id: str, title: str) -> None:
    alert = Alert(id=alert_id, rule_id="sahel-visit", rule_title="Visit", severity="high", item_id="i",
                  source_id="world", title=title, url="https://example.org/x", published=None, summary="",
                  channels=["out", "desk"])
    AlertStore(st).open_alert(alert.id, alert.to_dict(), ["out", "desk"], 300, rule_id="sahel-visit", story_id=alert_id,
                  realert=0)


def test_alerts_lists_deliveries_and_filters_by_status(cfg, st, capsys):
    make_alert(st, "a1", "Lavrov in Bamako")
    make_alert(st, "a2", "Goita in Moscow")
    AlertStore(st).update_delivery("a1", "out", "sent")
    AlertStore(st).update_delivery("a2", "desk", "failed", last_error="550 mailbox unavailable", failure="permanent")
    assert main(["alerts", "-c", cfg]) == 0
    out = capsys.readouterr().out
    assert "a1" in out and "Lavrov in Bamako" in out and "out: sent" in out
    assert "desk: failed (550 mailbox unavailable)" in out
    assert main(["alerts", "-c", cfg, "--status", "failed", "--format", "json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["alert_id"] for r in rows] == ["a2"]
    assert [e["status"] for e in rows[0]["deliveries"]["desk"]["log"]] == ["pending", "failed"]


def test_alerts_retry_reopens_the_failed_delivery_and_enqueues_it(cfg, st, capsys, redis_url, key_prefix):
    make_alert(st, "a2", "Goita in Moscow")
    AlertStore(st).update_delivery("a2", "desk", "failed", last_error="550", failure="permanent")
    AlertStore(st).update_delivery("a2", "out", "sent")
    queue = f"{key_prefix}:celery:{key_prefix}.deliver"
    before = st.r.llen(queue)
    assert main(["alerts", "retry", "a2", "-c", cfg]) == 0
    assert "re-sending a2 to desk" in capsys.readouterr().out
    assert AlertStore(st).delivery("a2", "desk")["status"] == "pending"
    assert AlertStore(st).delivery("a2", "out")["status"] == "sent"           # only the failed one
    assert st.r.llen(queue) == before + 1
    task = json.loads(st.r.lindex(queue, 0))
    assert task["headers"]["task"].endswith("deliver") and json.loads(
        __import__("base64").b64decode(task["body"]))[0] == ["a2", "desk"]
    assert main(["alerts", "retry", "nope", "-c", cfg]) == 1
    assert "no alert 'nope'" in capsys.readouterr().err


def test_silence_add_list_expire(cfg, capsys):
    assert main(["silence", "add", "sahel-*", "--for", "4h", "--reason", "Lavrov tour", "-c", cfg]) == 0
    silence_id = capsys.readouterr().out.split()[0]
    assert main(["silence", "list", "-c", cfg]) == 0
    out = capsys.readouterr().out
    assert silence_id in out and "active" in out and "sahel-*" in out and "Lavrov tour" in out
    assert main(["silence", "expire", silence_id, "-c", cfg]) == 0
    capsys.readouterr()
    assert main(["silence", "list", "-c", cfg]) == 0
    assert capsys.readouterr().out == ""
    assert main(["silence", "list", "--all", "-c", cfg]) == 0
    assert "expired" in capsys.readouterr().out
    assert main(["silence", "add", "x", "--for", "0s", "--reason", "r", "-c", cfg]) == 1
    assert "positive duration" in capsys.readouterr().err


@pytest.fixture
def cfg_with_rules(cfg):
    """`cfg` with two rules: sahel-visit and sahel-announced."""
    rules = [{"id": rule_id, "title": rule_id, "when": {"keywords": ["Bamako"]}, "notify": ["out"]}
             for rule_id in ("sahel-visit", "sahel-announced")]
    (Path(cfg).parent / "rules.yaml").write_text(yaml.safe_dump(rules))
    return cfg


def test_silence_add_refuses_an_unknown_channel_with_the_list(cfg_with_rules, st, capsys):
    assert main(["silence", "add", "sahel-*", "--for", "4h", "--reason", "r", "--channel", "dsek",
                 "-c", cfg_with_rules]) == 2
    err = capsys.readouterr().err
    assert err == ("newswatch silence add: --channel: unknown channel 'dsek' (did you mean 'desk'? "
                   "channels: out, desk)\n")
    assert Silences(st).all() == []                       # nothing added
    assert main(["silence", "add", "sahel-*", "--for", "4h", "--reason", "r", "--channel", "desk",
                 "-c", cfg_with_rules]) == 0
    assert capsys.readouterr().err == ""                   # a glob matching rules: no warning
    [added] = Silences(st).all()
    assert (added.rule, added.channel) == ("sahel-*", "desk")


def test_silence_add_warns_when_the_glob_matches_no_rule_and_adds_it(cfg_with_rules, st, capsys):
    assert main(["silence", "add", "sahel-vist", "--for", "1h", "--reason", "r", "-c", cfg_with_rules]) == 0
    out, err = capsys.readouterr()
    assert err.startswith("newswatch silence add: warning: 'sahel-vist' matches no rule of ")
    assert "(did you mean 'sahel-visit'? rules: sahel-announced, sahel-visit); adding it anyway" in err
    assert out.split()[0] == Silences(st).all()[0].id and "silences sahel-vist until" in out


def test_silence_add_says_which_durations_are_allowed(cfg_with_rules, st, capsys):
    assert main(["silence", "add", "sahel-*", "--for", "4x", "--reason", "r", "-c", cfg_with_rules]) == 2
    assert capsys.readouterr().err == ("newswatch silence add: --for: bad duration '4x': expected a number and a "
                                       "unit: 30s, 10m, 4h, 2d (also 500ms, 1w, and combined: 1h30m)\n")
    assert Silences(st).all() == []
    assert main(["alerts", "--since", "yesterday", "-c", cfg_with_rules]) == 2
    assert "--since: bad duration 'yesterday': expected a number and a unit" in capsys.readouterr().err


def test_status_reports_health_and_queue_depth(cfg, st, capsys):
    st.record_failure("world", "connection refused", interval=60, backoff_max=600)
    assert main(["status", "-c", cfg, "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["sources"]["world"]["status"] == "failing"
    assert report["sources"]["world"]["last_error"] == "connection refused"
    assert set(report["queues"]) == {f"{st.prefix}.poll", f"{st.prefix}.deliver"}
    assert main(["status", "-c", cfg]) == 0
    assert "world" in capsys.readouterr().out
