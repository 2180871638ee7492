"""Source incidents against the real Redis, with the clock given (`now`): a failing source opens one
incident alert at `system_alerts.failures` and one "recovered" alert at its next good poll; a source
silent for longer than it has ever been (learned from when its new items arrived) opens one quiet
incident, closed when items arrive again. Never one alert per poll or per sweep."""
from __future__ import annotations

import json

import pytest

from alerts.incidents import SourceIncidents, open_incidents
from alerts.quiet import ARRIVALS_KEPT, ArrivalLog, MIN_GAPS, p95
from alerts.store import AlertStore
from newswatch.config.health import SystemAlertsConfig

H = 3600.0
T0 = 1_760_000_000.0


def incidents(state, **cfg) -> SourceIncidents:
    return SourceIncidents(AlertStore(state), SystemAlertsConfig(**{"notify": ["desk"], **cfg}),
                           {"desk": "info", "pager": "critical"}, redeliver_after=300)


def alert(state, deliveries) -> dict:
    [(alert_id, channel)] = deliveries
    assert channel == "desk"
    return AlertStore(state).alert(alert_id)


def test_failing_opens_once_at_the_threshold_and_recovers_once(state):
    inc = incidents(state, failures=5)
    assert [inc.failed("world", n, "HTTP 500", now=T0 + n) for n in range(1, 5)] == [[]] * 4
    opened = inc.failed("world", 5, "HTTP 500", now=T0 + 5)
    payload = alert(state, opened)
    assert payload["rule_id"] == "system:source_failing:world" and payload["rule_title"] == "Source failing"
    assert payload["title"] == "world: 5 polls in a row failed (last: HTTP 500)" and payload["severity"] == "high"
    assert AlertStore(state).delivery(opened[0][0], "desk")["status"] == "pending"
    assert [inc.failed("world", n, "HTTP 500", now=T0 + n) for n in range(6, 30)] == [[]] * 24   # not per poll
    assert list(open_incidents(state)) == ["source_failing:world"]
    closed = inc.polled("world", 0, now=T0 + 2 * H)
    recovered = alert(state, closed)
    assert recovered["rule_id"] == "system:source_failing:world" and recovered["rule_title"] == "Source recovered"
    assert recovered["title"] == "world recovered: polled fine again after 1h59m"
    assert open_incidents(state) == {} and inc.polled("world", 0, now=T0 + 3 * H) == []
    # a new run of failures is a new incident, with its own alerts
    again = [inc.failed("world", n, "timeout", now=T0 + 4 * H + n) for n in range(1, 7)]
    assert [len(d) for d in again] == [0, 0, 0, 0, 1, 0] and again[4] != opened


def test_a_step_cut_short_is_finished_without_a_second_alert(state):
    """A worker dies after writing the incident, before its alert: the next failure announces it, once."""
    inc = incidents(state, failures=1)
    state.r.hset(state.keys.incidents(), "source_failing:world", json.dumps(
        {"kind": "source_failing", "source_id": "world", "opened_at": T0, "title": "t", "channels": ["desk"],
         "alert_id": "abc", "announced": False}))
    assert inc.failed("world", 2, "HTTP 500", now=T0 + 1) == [("abc", "desk")]
    assert inc.failed("world", 3, "HTTP 500", now=T0 + 2) == []
    closed = inc.polled("world", 1, now=T0 + 3)
    state.r.hset(state.keys.incidents(), "source_failing:world", json.dumps(    # died before the HDEL
        {"kind": "source_failing", "source_id": "world", "opened_at": T0, "channels": ["desk"], "alert_id": "abc"}))
    assert len(closed) == 1 and inc.polled("world", 1, now=T0 + 4) == []       # the same recovered alert: exists


def test_channels_below_their_min_severity_are_left_out(state):
    inc = SourceIncidents(AlertStore(state), SystemAlertsConfig(notify=["desk", "pager"], failures=1),
                          {"desk": "info", "pager": "critical"}, 300)
    assert [c for _, c in inc.failed("world", 1, "HTTP 500", now=T0)] == ["desk"]


def arrive(inc: SourceIncidents, source_id: str, times: list[float]) -> None:
    for t in times:
        assert inc.polled(source_id, 3, now=t) == []


def test_quiet_after_longer_than_ever_silent_once_then_recovered(state):
    inc = incidents(state, quiet_factor=4, quiet_min=6 * H)
    hourly = [T0 + n * H for n in range(12)] + [T0 + 11.5 * H]     # gaps: 1h (11 of them) and 30 min
    arrive(inc, "wire", hourly)
    last = hourly[-1]
    # the 95th-percentile gap is 1h: 4 × 1h is less than quiet_min, so 6h
    assert inc.sweep_quiet(["wire"], now=last + 6 * H) == []
    opened = inc.sweep_quiet(["wire"], now=last + 6 * H + 60)
    payload = alert(state, opened)
    assert payload["rule_id"] == "system:source_quiet:wire" and payload["rule_title"] == "Source quiet"
    assert payload["title"] == "wire: no new item for 6h01m, longer than it has ever been silent"
    assert "usual gap is at most 1h00m (95th percentile), so it is called quiet after 6h00m" in payload["summary"]
    assert [inc.sweep_quiet(["wire"], now=last + 7 * H + n) for n in range(5)] == [[]] * 5   # not per sweep
    assert inc.polled("wire", 0, now=last + 8 * H) == []        # a poll with nothing new does not close it
    recovered = alert(state, inc.polled("wire", 2, now=last + 9 * H))
    assert recovered["title"] == "wire recovered: new items again after 2h59m"
    assert open_incidents(state) == {}


def test_the_threshold_follows_the_source_rhythm(state):
    inc = incidents(state, quiet_factor=4, quiet_min=6 * H)
    arrive(inc, "weekly", [T0 + n * 3 * H for n in range(MIN_GAPS + 1)])     # every 3h: quiet after 12h
    arrive(inc, "young", [T0 + n * H for n in range(MIN_GAPS)])              # one gap short of a history
    last = T0 + MIN_GAPS * 3 * H
    assert inc.sweep_quiet(["weekly", "young"], now=last + 11.9 * H) == []
    assert len(inc.sweep_quiet(["weekly", "young"], now=last + 12.1 * H)) == 1
    assert inc.sweep_quiet(["young"], now=T0 + 1000 * H) == []                # never called quiet


def test_a_failing_source_is_not_also_called_quiet(state):
    inc = incidents(state, failures=1)
    arrive(inc, "wire", [T0 + n * H for n in range(MIN_GAPS + 1)])
    assert len(inc.failed("wire", 1, "HTTP 500", now=T0 + 20 * H)) == 1
    assert inc.sweep_quiet(["wire"], now=T0 + 40 * H) == []


def test_incidents_of_a_source_gone_from_the_config_are_dropped(state):
    inc = incidents(state, failures=1)
    assert len(inc.failed("old", 1, "HTTP 404", now=T0)) == 1
    assert len(inc.failed("world", 1, "HTTP 500", now=T0)) == 1
    assert inc.sweep_quiet(["world"], now=T0 + 60) == []          # "old" is no longer configured
    assert list(open_incidents(state)) == ["source_failing:world"]


def test_arrivals_are_bounded_per_source(state):
    log = ArrivalLog(state)
    for n in range(3 * ARRIVALS_KEPT):
        log.record("busy", T0 + n)
    times = log.arrivals(["busy"])["busy"]
    assert len(times) == ARRIVALS_KEPT and times[0] == T0 + 3 * ARRIVALS_KEPT - 1
    assert 0 < state.r.ttl(state.keys.arrivals("busy"))


@pytest.mark.parametrize("values,expected", [([], 0.0), ([5.0], 5.0), (list(map(float, range(1, 101))), 95.0),
                                             ([1.0] * 19 + [100.0], 1.0), ([1.0] * 18 + [100.0] * 2, 100.0)])
def test_p95_is_the_nearest_rank(values, expected):
    assert p95(values) == expected
