""""Also reported by" at send time: the alert's EVENT reports (every outlet, with its language) merged with
its story's copies, without the alert's own source; per member in a digest. Real Redis: the reports are
recorded by the real event clusterer (newswatch.pipeline.events), the alerts by the real store."""
from __future__ import annotations

import json
from types import SimpleNamespace

from alerts import digest
from alerts.delivery import deliver_once
from alerts.notifiers import build_notifier
from alerts.notifiers.email.config import EmailChannelConfig
from alerts.notifiers.stdout.config import StdoutChannelConfig
from alerts.store import AlertStore
from alerts.templating import load_template
from newswatch.config import DeliveryConfig
from newswatch.metrics import Metrics
from newswatch.model.alert import Alert
from newswatch.pipeline.events import EventClusterer
from tests.newswatch.pipeline.test_event_cluster import founding_reports

OTHERS = ["rfi (fr)", "aawsat-ar (ar)", "aawsat (en)", "tg-channel"]   # first seen first; the story's copy last


def setup(state, with_event: bool = True, **channel):
    """The four founding reports (tass ru, rfi fr, aawsat-ar ar, aawsat en) clustered into one event; the
    alert of TASS's report; a Telegram copy of TASS's story suppressed on that story."""
    items = founding_reports()
    stage = EventClusterer(state)
    for item in items:
        stage.process([item])
    assert len({i.event_id for i in items}) == 1
    cfg = StdoutChannelConfig(id="desk", type="stdout", **channel)
    rt = SimpleNamespace(state=state, alerts=AlertStore(state), settings=SimpleNamespace(delivery=DeliveryConfig()),
                         channels={"desk": cfg}, notifiers={"desk": build_notifier(cfg)}, metrics=Metrics())
    alert = Alert(id="a0", rule_id="visit", rule_title="Visit", severity="high", item_id=items[0].id,
                  source_id="tass", title=items[0].title, url=items[0].url, published=None, summary="",
                  channels=["desk"], created_at="2026-02-17T09:30:00", story_id="story-1",
                  event_id=items[0].event_id if with_event else None)
    store = AlertStore(state)
    assert store.open_alert("a0", alert.to_dict(), ["desk"], 300, rule_id="visit", story_id="story-1",
                            realert=3600, source_id="tass")[0] == "created"
    copy = Alert.from_dict({**alert.to_dict(), "id": "a1", "source_id": "tg-channel", "event_id": None})
    assert store.open_alert("a1", copy.to_dict(), ["desk"], 300, rule_id="visit", story_id="story-1",
                            realert=3600, source_id="tg-channel")[0] == "suppressed"
    return rt, alert


def test_an_alert_lists_every_other_outlet_of_its_event_with_its_language(state, capsys):
    rt, alert = setup(state)
    assert deliver_once(rt, "a0", "desk").status == "sent"
    record = json.loads(capsys.readouterr().out)
    assert record["reported_by"] == OTHERS                      # TASS itself is not listed
    alert.reported_by = record["reported_by"]
    line = "Also reported by: rfi (fr), aawsat-ar (ar), aawsat (en), tg-channel"
    assert line in load_template("text").render(alert)
    email = build_notifier(EmailChannelConfig(id="mail", type="email", host="127.0.0.1", port=25, security="none",
                                              **{"from": "a@b.test"}, to=["c@d.test"]))
    message = email.build_message(alert)                       # type: ignore[attr-defined]
    assert line in message.get_body(("plain",)).get_content()
    assert "aawsat-ar (ar)" in message.get_body(("html",)).get_content()


def test_an_alert_without_an_event_lists_its_story_only(state, capsys):
    rt, _ = setup(state, with_event=False)
    assert deliver_once(rt, "a0", "desk").status == "sent"
    assert json.loads(capsys.readouterr().out)["reported_by"] == ["tg-channel"]


def test_a_digest_lists_each_members_event_outlets(state, capsys):
    rt, _ = setup(state, digest="30m")
    assert deliver_once(rt, "a0", "desk").status == "held"
    now = float(AlertStore(state).delivery("a0", "desk")["updated_at"])
    [digest_id] = digest.flush_due(state, rt.channels, 300, lambda *a: None, now=now + 3600)
    assert deliver_once(rt, digest_id, "desk").status == "sent"
    [member] = json.loads(capsys.readouterr().out)["digest_of"]
    assert member["event_id"] and member["reported_by"] == OTHERS
