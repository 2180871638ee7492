"""alerts.store.AlertStore against the real Redis: alerts, delivery records and their index."""
import time

from alerts.store import AlertStore


def test_alert_created_once_and_delivery_index(state):
    assert AlertStore(state).create_alert("al", {"id": "al"}, ["a", "b"], redeliver_after=0.0)
    assert not AlertStore(state).create_alert("al", {"id": "al"}, ["a", "b"], redeliver_after=0.0)
    assert sorted(AlertStore(state).overdue_deliveries(now=time.time() + 1)) == [("al", "a"), ("al", "b")]
    AlertStore(state).update_delivery("al", "a", "sent")
    assert AlertStore(state).overdue_deliveries(now=time.time() + 1) == [("al", "b")]
    AlertStore(state).update_delivery("al", "b", "retrying", due_in=100)
    assert AlertStore(state).overdue_deliveries(now=time.time() + 1) == []
    assert AlertStore(state).delivery("al", "b")["status"] == "retrying"


def test_delivery_and_alert_in_one_read_and_attempts_counted_with_the_status(state):
    assert AlertStore(state).delivery_and_alert("nope", "a") == ({}, None)
    AlertStore(state).create_alert("al", {"id": "al", "title": "T"}, ["a"], redeliver_after=0.0)
    record, alert = AlertStore(state).delivery_and_alert("al", "a")
    assert record["status"] == "pending" and alert == {"id": "al", "title": "T"}
    assert AlertStore(state).update_delivery("al", "a", "sending", due_in=30, count_attempt=True) == 1
    assert AlertStore(state).update_delivery("al", "a", "sending", due_in=30, count_attempt=True) == 2
    assert AlertStore(state).update_delivery("al", "a", "sent") is None
    record = AlertStore(state).delivery("al", "a")
    assert record["attempts"] == "2" and record["status"] == "sent"
    assert [e["status"] for e in AlertStore(state).delivery_log("al", "a")][-3:] == ["sending", "sending", "sent"]
