"""The write path on both backends with the real Redis: queued, drained in one transaction per batch,
kept while the database refuses writes and written once it takes them again, never twice; the
queue's cap drops the oldest and counts them; a bad entry is set aside, not the batch."""
import logging
import random
import string
import threading

import pytest
import sqlalchemy as sa

from newswatch.archive import archiver as archiver_module
from newswatch.archive.archiver import Archiver
from newswatch.archive.database import Archive
from newswatch.archive.queue import ArchiveQueue
from newswatch.archive.records import _encode, delivery_entry, item_entry
from newswatch.metrics import Metrics
from newswatch.model.item import Item


def items(n: int, start: int = 0) -> list[Item]:
    return [Item("wire", f"Report {i} from Bamako", f"Text of report {i}.", url=f"https://example.org/{i}").finish()
            for i in range(start, start + n)]


@pytest.fixture
def queue(state):
    return ArchiveQueue(state, queue_max=1000, metrics=Metrics())


def archived(archive: Archive) -> list[str]:
    """Every fingerprint in the archive, once per row (a duplicate would show twice)."""
    with archive.engine.connect() as conn:
        return sorted(conn.execute(sa.text("SELECT fingerprint FROM items")).scalars())


def rename_items(archive: Archive, old: str, new: str) -> None:
    """Take the items table away (or give it back): the database refuses every write meanwhile."""
    with archive.engine.begin() as conn:
        conn.execute(sa.text(f"ALTER TABLE {old} RENAME TO {new}"))


def test_pushed_items_are_written_once(archive, queue):
    writer = Archiver(lambda: archive, queue)
    batch = items(30)
    writer.push_items(batch, [])
    writer.push_items(batch[:10], [])                      # a re-poll queues some again: one batch, once
    report = writer.drain()
    assert report.status == "done" and (report.written.items, report.written.items_known) == (30, 0)
    writer.push_items(batch[20:], [])                      # and again, after they were written
    report = writer.drain()
    assert (report.written.items, report.written.items_known) == (0, 10)
    assert archived(archive) == sorted(i.id for i in batch)
    assert queue.waiting() == 0
    assert queue.metrics.registry.get_sample_value("newswatch_archive_written_total", {"kind": "item"}) == 40



def test_a_batch_of_long_items_is_written_in_parts_of_bounded_size(archive, queue, monkeypatch):
    """A batch is cut into transactions of at most BATCH_BYTES of queued entries (full-text articles hold several
    times their queued size while written): each part is one write, all of them written, the batch acknowledged
    once; a part holds one entry at least, however long."""
    writes: list[int] = []
    write = Archive.write

    def counted(self, entries):
        writes.append(len(entries))
        return write(self, entries)
    monkeypatch.setattr(Archive, "write", counted)
    monkeypatch.setattr(archiver_module, "BATCH_BYTES", 20_000)
    rng = random.Random(7)   # words that do not compress away: the queue holds entries zlib-compressed
    long = [Item("wire", f"Long report {i}", " ".join("".join(rng.choices(string.ascii_lowercase, k=7))
                                                      for _ in range(1000)), url=f"https://example.org/l{i}").finish()
            for i in range(12)]   # 8,000 characters of text each
    writer = Archiver(lambda: archive, queue)
    writer.push_items(long, [])
    report = writer.drain()
    assert report.status == "done" and report.batches == 1 and report.written.items == 12
    assert len(writes) >= 4 and max(writes) <= 2 and sum(writes) == 12, writes
    assert archived(archive) == sorted(i.id for i in long) and queue.waiting() == 0
    assert archiver_module._by_size(["x" * 50, "y"], 10) == [["x" * 50], ["y"]]
    assert archiver_module._by_size(["a", "b", "c"], 10) == [["a", "b", "c"]] and archiver_module._by_size([], 10) == []


def test_database_refusing_writes_keeps_the_batch_until_it_is_back(archive, queue, caplog):
    caplog.set_level(logging.INFO)
    writer = Archiver(lambda: archive, queue)
    archive.ready()
    rename_items(archive, "items", "items_away")
    first, second = items(20), items(20, start=20)
    writer.push_items(first, [])
    report = writer.drain()
    assert report.status == "unavailable" and "items" in report.reason
    assert "archive_unavailable" in caplog.text
    writer.push_items(second, [])
    assert writer.drain().status == "backing_off"          # no hammering: it waits before trying again
    assert queue.waiting() == 40
    rename_items(archive, "items_away", "items")
    report = writer.drain(force=True)
    assert report.status == "done" and report.written.items == 40
    assert archived(archive) == sorted(i.id for i in first + second)
    assert queue.waiting() == 0 and "archive_available" in caplog.text


def test_a_drain_that_died_leaves_its_batch_for_the_next(archive, queue):
    writer = Archiver(lambda: archive, queue)
    writer.push_items(items(5), [])
    taken = queue.take(100)                                # a drain took them, then its process died
    assert len(taken) == 5 and queue.waiting() == 5
    writer.push_items(items(3, start=5), [])
    assert writer.drain().written.items == 8
    assert len(archived(archive)) == 8 and queue.waiting() == 0


def test_an_ack_never_drops_a_batch_it_did_not_take(queue):
    queue.push([item_entry(i) for i in items(3)])
    stale = queue.take(2)
    assert queue.ack(stale)
    fresh = queue.take(2)
    assert not queue.ack(stale + ["x"]) and queue.waiting() == 1
    assert queue.ack(fresh) and queue.waiting() == 0


def test_two_drains_at_once_write_everything_once(archive, state, monkeypatch):
    monkeypatch.setattr(archiver_module, "BATCH", 25)
    queue = ArchiveQueue(state, queue_max=10_000)
    batch = items(300)
    writers = [Archiver(lambda: archive, queue) for _ in range(2)]
    writers[0].push_items(batch, [])
    reports = []
    threads = [threading.Thread(target=lambda w=w: reports.append(w.drain(budget=60))) for w in writers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert sum(r.written.items for r in reports) == 300
    assert archived(archive) == sorted(i.id for i in batch) and queue.waiting() == 0


def test_the_cap_drops_the_oldest_and_counts_them_by_kind(state, caplog):
    metrics = Metrics()
    queue = ArchiveQueue(state, queue_max=5, metrics=metrics)
    old = [item_entry(i) for i in items(4)] + [delivery_entry("a1", "desk", "sent")]
    assert queue.push(old) == 0
    assert queue.push([item_entry(i) for i in items(3, start=10)]) == 3
    status = queue.status()
    assert status["waiting"] == 5 and status["dropped"] == 3
    assert status["dropped_by_kind"] == {"item": 3, "alert": 0, "delivery": 0}
    assert state.r.lrange(queue.key, 0, 1) == old[3:]      # the newest of the old ones are kept, in order
    assert metrics.registry.get_sample_value("newswatch_archive_dropped_total", {"kind": "item"}) == 3
    assert "archive_queue_full" in caplog.text


def test_a_bad_entry_is_set_aside_and_the_rest_written(archive, queue, caplog):
    writer = Archiver(lambda: archive, queue)
    good = items(4)
    broken = item_entry(good[2])
    no_fingerprint = _encode("i", {"title": "an item record without its keys"})   # decodes; no database takes it
    queue.push([item_entry(good[0]), "i:not-base64!", item_entry(good[1]), no_fingerprint,
                delivery_entry("a1", "desk", "sent"), broken[:-12] + "AAAAAAAAAAAA", item_entry(good[3])])
    report = writer.drain()
    assert report.rejected == 3 and report.status == "done" and report.written.deliveries == 1
    assert archived(archive) == sorted(i.id for i in (good[0], good[1], good[3]))
    assert queue.status()["rejected"] == 3 and queue.waiting() == 0
    assert caplog.text.count("archive_entry_rejected") == 3
