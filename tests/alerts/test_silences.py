"""Silences in Redis, honoured at send time by `deliver_once`; the delivery log of every status change."""
from __future__ import annotations

import json
import time

import pytest
import yaml

from newswatch.model.alert import Alert
from alerts.silences import Silences
from alerts.delivery import deliver_once
from workers.runtime import Runtime
from workers.registry import load_config

RULE = [{"id": "sahel-visit", "title": "Visit", "severity": "high",
         "when": {"keywords": ["Lavrov"]}, "notify": ["out"]}]


@pytest.fixture
def rt(tmp_path, redis_url, key_prefix):
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump(RULE))
    cfg = tmp_path / "newswatch.yaml"
    cfg.write_text(yaml.safe_dump({"key_prefix": key_prefix, "rules": ["rules.yaml"],
                                   "classify": {"enabled": False},
                                   "channels": [{"id": "out", "type": "stdout"}, {"id": "other", "type": "stdout"}]}))
    runtime = Runtime(load_config(cfg), redis_url)
    yield runtime
    runtime.close()


def open_alert(rt, alert_id="a1", rule_id="sahel-visit", channels=("out",)) -> Alert:
    alert = Alert(id=alert_id, rule_id=rule_id, rule_title="Visit", severity="high", item_id="i1",
                  source_id="feed", title="Lavrov in Bamako", url=None, published=None, summary="",
                  channels=list(channels))
    status, _ = rt.alerts.open_alert(alert.id, alert.to_dict(), list(channels), 300, rule_id=rule_id,
                                    story_id="s1", realert=0)
    assert status == "created"
    return alert


def test_add_list_expire(state):
    silences = Silences(state)
    s = silences.add("sahel-*", 4 * 3600, "Lavrov tour: expected, desk knows", now=1000.0)
    assert [x.id for x in silences.active(now=1000.0 + 3600)] == [s.id]
    assert silences.silencing("sahel-visit", "out", now=2000.0).id == s.id
    assert silences.silencing("gulf-visit", "out", now=2000.0) is None
    assert silences.active(now=1000.0 + 4 * 3600) == []          # ended by itself
    silences.expire(s.id, now=1500.0)
    assert silences.silencing("sahel-visit", "out", now=1600.0) is None
    assert [x.id for x in silences.all(now=1600.0)] == [s.id]      # still listed after it ended
    assert silences.all(now=1500.0 + 86400 + 1) == []              # and dropped a day later
    with pytest.raises(KeyError, match="no silence"):
        silences.expire("nope")


def test_bad_silences_are_refused(state):
    silences = Silences(state)
    with pytest.raises(ValueError, match="positive duration"):
        silences.add("x", 0, "why")
    with pytest.raises(ValueError, match="reason"):
        silences.add("x", 60, "  ")


def test_channel_scoped_silence(state):
    silences = Silences(state)
    silences.add("sahel-visit", 600, "noisy on chat", channel="other")
    assert silences.silencing("sahel-visit", "out") is None
    assert silences.silencing("sahel-visit", "other") is not None


def test_silencing_over_a_raw_read_agrees_with_silencing(state):
    """The deliver task reads the silences hash in its own pipeline: same answers."""
    silences = Silences(state)
    now = time.time()
    silences.add("sahel-*", 600, "noisy", channel="chat", now=now - 10)
    ended = silences.add("lavrov-bamako", 60, "was noisy", now=now - 120)
    raw = state.r.hgetall(silences.key)
    for rule, channel in [("sahel-visit", "chat"), ("sahel-visit", "mail"), ("lavrov-bamako", "mail"), ("x", None)]:
        direct, from_raw = silences.silencing(rule, channel, now=now), Silences.silencing_in(raw, rule, channel, now)
        assert (direct and direct.id) == (from_raw and from_raw.id), (rule, channel)
    assert Silences.silencing_in(raw, "sahel-visit", "chat", now).rule == "sahel-*"
    assert Silences.silencing_in(raw, "lavrov-bamako", "mail", now) is None       # ended 60 s ago
    assert Silences.silencing_in(raw, "lavrov-bamako", "mail", now - 100).id == ended.id


def test_silenced_delivery_is_recorded_not_sent(rt, capsys):
    open_alert(rt)
    Silences(rt.state).add("sahel-visit", 600, "desk on it")
    outcome = deliver_once(rt, "a1", "out")
    assert outcome.status == "silenced"
    assert capsys.readouterr().out == ""
    record = rt.alerts.delivery("a1", "out")
    assert record["status"] == "silenced" and record["silence_id"]
    assert deliver_once(rt, "a1", "out").status == "done"            # final: never sent later
    assert [e["status"] for e in rt.alerts.delivery_log("a1", "out")] == ["pending", "silenced"]


def test_delivery_log_and_operator_retry(rt, capsys):
    open_alert(rt, channels=("out",))
    assert deliver_once(rt, "a1", "out").status == "sent"
    line = json.loads(capsys.readouterr().out)
    assert line["alert_id"] == "a1"
    assert [e["status"] for e in rt.alerts.delivery_log("a1", "out")] == ["pending", "sending", "sent"]
    assert rt.alerts.reopen_delivery("a1", "out")
    assert deliver_once(rt, "a1", "out").status == "sent"
    assert json.loads(capsys.readouterr().out)["alert_id"] == "a1"
    log = rt.alerts.delivery_log("a1", "out")
    assert [e["status"] for e in log] == ["pending", "sending", "sent", "pending", "sending", "sent"]
    assert log[3]["retried_by"] == "operator"
    assert not rt.alerts.reopen_delivery("missing", "out")
