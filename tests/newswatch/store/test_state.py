"""State against the real Redis, under the test's own prefix."""

from newswatch.pipeline.dedup import ExactDeduplicator
from newswatch.model.item import Item
from alerts.store import AlertStore


def test_every_key_is_under_the_prefix(state, key_prefix):
    state.mark_seen(["a"], 60)
    state.save_cursor("src", etag='"x"', last_modified=None)
    state.record_failure("src", "HTTP 500", interval=60, backoff_max=600)
    AlertStore(state).create_alert("al1", {"id": "al1"}, ["mail"], 300)
    keys = {k.decode() if isinstance(k, bytes) else k for k in state.r.scan_iter("*")}
    mine = {k for k in keys if k.startswith(key_prefix + ":")}
    assert {f"{key_prefix}:seen:a", f"{key_prefix}:cursor:src", f"{key_prefix}:health:src",
            f"{key_prefix}:alert:al1", f"{key_prefix}:delivery:al1:mail"} <= mine


def test_seen_ttl_and_unseen(state):
    state.mark_seen(["a", "b"], 100)
    assert state.unseen(["a", "c", "b"]) == [False, True, False]
    assert 90 < state.r.ttl(state.keys.seen("a")) <= 100


def test_cursor_replaced_not_merged(state):
    state.save_cursor("s", etag='"1"', last_modified="Mon, 09 Feb 2026 10:00:00 GMT")
    state.save_cursor("s", etag='"2"', last_modified=None)
    assert state.cursor("s") == {"etag": '"2"'}


def test_failure_backoff_grows_and_is_capped(state):
    delays = [state.record_failure("s", "boom", interval=60, backoff_max=300)["backoff"] for _ in range(5)]
    assert delays == [60, 120, 240, 300, 300]
    health = state.health("s")
    assert health["status"] == "failing" and health["last_error"] == "boom" and health["consecutive_failures"] == "5"
    assert state.record_failure("s", "429", interval=60, backoff_max=300, retry_after=1000)["backoff"] == 1000
    # a server that says "wait 7 s" (Retry-After, Telegram flood wait) is waited exactly that, not the back-off
    assert state.record_failure("s", "flood", interval=60, backoff_max=300, retry_after=7)["backoff"] == 7
    state.record_success("s")
    assert state.health("s")["consecutive_failures"] == "0" and state.health("s")["status"] == "ok"



def test_exact_dedup_stage(state):
    items = [Item(source_id="s", title=t, text="", url=u).finish()
             for t, u in [("A", "https://x.org/1"), ("B", "https://x.org/2"), ("A again", "https://x.org/1?utm_source=y")]]
    stage = ExactDeduplicator(state, ttl=60)
    fresh = stage.process(items)
    assert [i.title for i in fresh] == ["A", "B"] and stage.dropped["duplicate_in_batch"] == 1
    stage.commit(fresh)
    again = ExactDeduplicator(state, ttl=60)
    assert again.process(items) == [] and again.dropped["seen"] == 2
