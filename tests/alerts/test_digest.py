"""Digests, quiet hours and rate limits with time controlled by the test (never slept)."""
from __future__ import annotations

from datetime import datetime, time as dtime, timezone
from types import SimpleNamespace

from alerts import digest, ratelimit
from newswatch.metrics import Metrics
from newswatch.model.alert import Alert
from alerts.store import AlertStore

T0 = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc).timestamp()


def channel(**kw):
    base = dict(id="desk", digest=None, quiet_hours=None, rate_limit=None)
    return SimpleNamespace(**{**base, **kw})


def quiet(start="22:00", end="07:00", tz="UTC"):
    return SimpleNamespace(start=dtime.fromisoformat(start), end=dtime.fromisoformat(end), timezone=tz)


def stored(state, n: int, channel_id="desk", severity="medium") -> list[str]:
    ids = []
    for i in range(n):
        alert = Alert(id=f"a{i}", rule_id=f"rule-{i % 2}", rule_title=f"Rule {i % 2}", severity=severity,
                      item_id=f"i{i}", source_id="feed", title=f"Story <{i}>", url=f"https://example.org/{i}",
                      published=None, summary="", channels=[channel_id], created_at=f"2026-11-28T12:0{i}:00")
        assert AlertStore(state).open_alert(alert.id, alert.to_dict(), [channel_id], 300, rule_id=alert.rule_id,
                                story_id=alert.id, realert=0)[0] == "created"
        ids.append(alert.id)
    return ids


def test_digest_holds_then_sends_one_message_after_the_period(state):
    cfg = channel(digest=1800.0)
    ids = stored(state, 3)
    for n, alert_id in enumerate(ids):
        assert digest.holds(cfg, T0)
        digest.hold(state, alert_id, "desk", now=T0 + n * 60)
    assert [a for a, _ in digest.held(state, "desk")] == ids
    assert AlertStore(state).delivery("a0", "desk")["status"] == "held"
    assert AlertStore(state).overdue_deliveries(now=T0 + 10**6) == []           # held ones are not swept
    enqueued = []
    assert digest.flush_due(state, {"desk": cfg}, 300, lambda *a: enqueued.append(a), now=T0 + 1799) == []
    [digest_id] = digest.flush_due(state, {"desk": cfg}, 300, lambda *a: enqueued.append(a), now=T0 + 1800)
    assert enqueued == [(digest_id, "desk")]
    payload = AlertStore(state).alert(digest_id)
    assert [m["id"] for m in payload["digest_of"]] == ids
    assert payload["title"].startswith("3 alerts: Rule 0; Rule 1")
    assert "• [medium] Story <2> — https://example.org/2" in payload["summary"]
    assert AlertStore(state).delivery(digest_id, "desk")["status"] == "pending"
    assert all(AlertStore(state).delivery(a, "desk")["status"] == "digested" for a in ids)
    assert AlertStore(state).delivery("a1", "desk")["digest_id"] == digest_id
    assert digest.held(state, "desk") == []
    # nothing left: a second flush sends nothing, and a new alert starts a new period
    assert digest.flush_due(state, {"desk": cfg}, 300, lambda *a: enqueued.append(a), now=T0 + 4000) == []


def test_digest_severity_is_the_worst_member(state):
    ids = stored(state, 2)
    state.r.set(state.keys.alert("a1"), state.r.get(state.keys.alert("a1")).replace('"medium"', '"critical"'))
    for alert_id in ids:
        digest.hold(state, alert_id, "desk", now=T0)
    digest_id = digest.flush_channel(state, channel(digest=60.0), 300, now=T0 + 60)
    assert AlertStore(state).alert(digest_id)["severity"] == "critical"


def test_quiet_hours_hold_and_flush_when_they_end(state):
    cfg = channel(quiet_hours=quiet("22:00", "07:00"))
    night = datetime(2026, 11, 28, 23, 30, tzinfo=timezone.utc).timestamp()
    morning = datetime(2026, 11, 29, 7, 0, tzinfo=timezone.utc).timestamp()
    assert not digest.holds(cfg, T0)                  # noon: sent at once
    assert digest.holds(cfg, night)
    ids = stored(state, 2)
    for alert_id in ids:
        digest.hold(state, alert_id, "desk", now=night)
    assert digest.flush_channel(state, cfg, 300, now=morning - 1) is None   # 06:59:59 still quiet
    digest_id = digest.flush_channel(state, cfg, 300, now=morning)
    assert [m["id"] for m in AlertStore(state).alert(digest_id)["digest_of"]] == ids


def test_quiet_hours_in_a_time_zone():
    q = digest.QuietHours(dtime(22), dtime(7), "Africa/Bamako")      # UTC+0
    assert q.active(datetime(2026, 11, 28, 23, 0, tzinfo=timezone.utc).timestamp())
    paris = digest.QuietHours(dtime(22), dtime(23), "Europe/Paris")   # UTC+1 in November
    assert paris.active(datetime(2026, 11, 28, 21, 30, tzinfo=timezone.utc).timestamp())
    assert not paris.active(datetime(2026, 11, 28, 22, 30, tzinfo=timezone.utc).timestamp())


def test_a_member_is_never_in_two_digests(state):
    ids = stored(state, 3)
    for alert_id in ids[:2]:
        digest.hold(state, alert_id, "desk", now=T0)
    first = digest.flush_channel(state, channel(digest=60.0), 300, now=T0 + 60)
    digest.hold(state, ids[2], "desk", now=T0 + 61)
    second = digest.flush_channel(state, channel(digest=60.0), 300, now=T0 + 121)
    assert first != second
    assert [m["id"] for m in AlertStore(state).alert(second)["digest_of"]] == [ids[2]]


def test_rate_limit_one_per_second_and_twenty_per_minute(state):
    windows = [(1, 1.0), (20, 60.0)]
    assert ratelimit.acquire(state, "chat", windows, now=T0) == 0
    assert abs(ratelimit.acquire(state, "chat", windows, now=T0 + 0.25) - 0.75) < 1e-6
    taken = 1
    now = T0
    while taken < 20:
        now += 1.0
        assert ratelimit.acquire(state, "chat", windows, now=now) == 0
        taken += 1
    wait = ratelimit.acquire(state, "chat", windows, now=now + 1.0)   # 21st within the minute
    assert abs(wait - (T0 + 60 - (now + 1.0))) < 1e-6
    assert ratelimit.acquire(state, "chat", windows, now=T0 + 60.0) == 0
    assert ratelimit.acquire(state, "other-chat", windows, now=T0 + 60.0) == 0   # per channel
    assert ratelimit.acquire(state, "chat", [], now=T0) == 0


def test_through_the_delivery_path_with_a_configured_channel(state, capsys):
    """A real channel config (`digest: 30m`) through `deliver_once`: held, flushed, sent as one message."""
    import json
    from alerts.notifiers.stdout.config import StdoutChannelConfig
    from newswatch.config import DeliveryConfig
    from alerts.notifiers import build_notifier
    from alerts.delivery import deliver_once

    cfg = StdoutChannelConfig(id="desk", type="stdout", digest="30m")
    rt = SimpleNamespace(state=state, alerts=AlertStore(state), settings=SimpleNamespace(delivery=DeliveryConfig()), channels={"desk": cfg},
                         notifiers={"desk": build_notifier(cfg)}, metrics=Metrics())
    ids = stored(state, 2)
    assert [deliver_once(rt, a, "desk").status for a in ids] == ["held", "held"]
    assert deliver_once(rt, ids[0], "desk").status == "done"          # a re-run changes nothing
    assert capsys.readouterr().out == ""
    queued = []
    now = float(AlertStore(state).delivery(ids[1], "desk")["updated_at"])
    assert digest.flush_due(state, rt.channels, 300, lambda *a: queued.append(a), now=now + 1799) == []
    [digest_id] = digest.flush_due(state, rt.channels, 300, lambda *a: queued.append(a), now=now + 3600)
    assert deliver_once(rt, digest_id, "desk").status == "sent"
    [line] = capsys.readouterr().out.splitlines()
    record = json.loads(line)
    assert record["alert_id"] == digest_id and record["title"].startswith("2 alerts")
    assert [m["id"] for m in record["digest_of"]] == ids
    assert [e["status"] for e in AlertStore(state).delivery_log(ids[0], "desk")] == ["pending", "held", "digested"]


def test_a_digest_member_says_which_other_sources_reported_its_story(state, capsys):
    """#5 "later copies ... shown in later digests": the copy from another source (recorded on the story
    when its alert was suppressed as a realert) appears under the member, in every template."""
    import json
    from alerts.notifiers.stdout.config import StdoutChannelConfig
    from newswatch.config import DeliveryConfig
    from alerts.notifiers import build_notifier
    from alerts.templating import load_template
    from alerts.delivery import deliver_once

    cfg = StdoutChannelConfig(id="desk", type="stdout", digest="30m")
    rt = SimpleNamespace(state=state, alerts=AlertStore(state), settings=SimpleNamespace(delivery=DeliveryConfig()), channels={"desk": cfg},
                         notifiers={"desk": build_notifier(cfg)}, metrics=Metrics())
    alert = Alert(id="a0", rule_id="visit", rule_title="Visit", severity="high", item_id="i0", source_id="feed",
                  title="Lavrov in Bamako", url="https://example.org/0", published=None, summary="",
                  channels=["desk"], created_at="2026-11-28T12:00:00", story_id="story-1")
    assert AlertStore(state).open_alert("a0", alert.to_dict(), ["desk"], 300, rule_id="visit", story_id="story-1",
                            realert=3600, source_id="feed")[0] == "created"
    copy = Alert.from_dict({**alert.to_dict(), "id": "a1", "source_id": "tg-channel"})
    assert AlertStore(state).open_alert("a1", copy.to_dict(), ["desk"], 300, rule_id="visit", story_id="story-1",
                            realert=3600, source_id="tg-channel")[0] == "suppressed"
    assert deliver_once(rt, "a0", "desk").status == "held"
    now = float(AlertStore(state).delivery("a0", "desk")["updated_at"])
    [digest_id] = digest.flush_due(state, rt.channels, 300, lambda *a: None, now=now + 3600)
    assert deliver_once(rt, digest_id, "desk").status == "sent"
    record = json.loads(capsys.readouterr().out)
    [member] = record["digest_of"]
    assert member["story_id"] == "story-1" and member["reported_by"] == ["tg-channel"]
    sent = Alert.from_dict(AlertStore(state).alert(digest_id))                    # as stored; the send fills reported_by:
    sent.digest_of[0]["reported_by"] = member["reported_by"]
    for kind, line in (("text", "Also reported by: tg-channel"), ("telegram", "<i>Also reported by:</i> tg-channel"),
                       ("slack", "_Also reported by:_ tg-channel"), ("discord", "*Also reported by:* tg-channel")):
        assert line in load_template(kind).render(sent), kind
