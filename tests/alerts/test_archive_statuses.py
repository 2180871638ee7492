"""A delivery's settled status goes to the archive queue in the same Redis transaction as the status
itself (AlertStore with an ArchiveQueue); open statuses do not; a digest's members go as `digested`.
Then written, on both backends, as the alert row's delivery status."""
from __future__ import annotations

import time
from types import SimpleNamespace

import sqlalchemy as sa

from alerts import digest
from alerts.store import AlertStore
from newswatch.archive.archiver import Archiver
from newswatch.archive.queue import ArchiveQueue
from newswatch.archive.records import alert_entry, decode
from newswatch.model.alert import Alert


def queued(queue: ArchiveQueue) -> list[dict]:
    return [decode(e).record for e in queue.state.r.lrange(queue.key, 0, -1)]


def open_alert(store: AlertStore, alert_id: str, channels: list[str]) -> Alert:
    alert = Alert(id=alert_id, rule_id="r", rule_title="R", severity="high", item_id="i", source_id="feed",
                  title="Lavrov in Bamako", url=None, published=None, summary="", channels=channels)
    assert store.open_alert(alert.id, alert.to_dict(), channels, 300, rule_id="r", story_id=alert_id,
                            realert=0)[0] == "created"
    return alert


def test_only_settled_statuses_are_queued_with_their_attempts(state):
    queue = ArchiveQueue(state, queue_max=100)
    store = AlertStore(state, archive=queue)
    open_alert(store, "a1", ["desk", "log"])
    assert store.update_delivery("a1", "desk", "sending", due_in=60, count_attempt=True) == 1
    store.update_delivery("a1", "desk", "retrying", due_in=60, last_error="421 busy")
    assert queued(queue) == []
    store.update_delivery("a1", "desk", "failed", attempts=3, last_error="550 no such user", failure="permanent")
    store.update_delivery("a1", "log", "silenced", silence_id="s1", last_error="")
    [failed, silenced] = queued(queue)
    assert (failed["alert_id"], failed["channel"], failed["status"], failed["attempts"], failed["last_error"]) == (
        "a1", "desk", "failed", 3, "550 no such user")
    assert (silenced["channel"], silenced["status"], silenced["attempts"], silenced["last_error"]) == (
        "log", "silenced", None, None)
    assert float(store.delivery("a1", "desk")["updated_at"]) == failed["updated"]   # the same moment, one MULTI


def test_a_store_without_the_archive_queues_nothing(state):
    store = AlertStore(state)
    open_alert(store, "a1", ["desk"])
    store.update_delivery("a1", "desk", "sent")
    assert state.r.llen(state.keys.archive_queue()) == 0


def test_held_then_digested_and_written(state, archive):
    queue = ArchiveQueue(state, queue_max=100)
    store = AlertStore(state, archive=queue)
    alerts = [open_alert(store, f"a{n}", ["desk"]) for n in range(2)]
    queue.push([alert_entry(a) for a in alerts])
    start = time.time()
    for n, alert in enumerate(alerts):
        digest.hold(state, alert.id, "desk", now=start + n, store=store)
    channel = SimpleNamespace(id="desk", digest=60.0, quiet_hours=None, rate_limit=None)
    digest_id = digest.flush_channel(state, channel, 300, now=start + 61, archive=queue)   # the period is over
    assert digest_id and [r["status"] for r in queued(queue)[2:]] == ["held", "held", "digested", "digested"]
    report = Archiver(lambda: archive, queue).drain()
    assert report.written.alerts == 2 and queue.waiting() == 0
    with archive.engine.connect() as conn:
        assert sorted(conn.execute(sa.text("SELECT alert_id, status FROM alert_deliveries")).all()) == [
            ("a0", "digested"), ("a1", "digested")]
