"""The scheduler's archive_prune job, on both backends, while polls go on: an archive holding 3,000
items (and alerts) older than `keep` is pruned by the real job in batches while the real poll path
(feed file, classifier, Redis, the archive queue and its drain) writes new items; afterwards every
old item is gone, every new item is there, nothing failed, and the job counted and logged it. One
prune at a time in the deployment: the job does nothing while another process holds its lock."""
from __future__ import annotations

import logging
import os
import threading
import time
from datetime import datetime, timezone
from email.utils import format_datetime

import pytest
import sqlalchemy as sa
import yaml

from newswatch.archive import retention
from newswatch.archive.records import alert_entry, decode, item_entry
from newswatch.model.alert import Alert
from newswatch.model.item import Item
from tests.support.archive_db import BACKENDS, backend_url
from workers.polling import PollStatus, poll_once
from workers.registry import load_config
from workers.runtime import Runtime
from workers.scheduler import PollScheduler

OLD = 3000
DAY = 86400.0


@pytest.fixture(scope="module")
def classifier_cache(tmp_path_factory):
    """One classifier cache for this module's runtimes: it is built (seconds) once, not per test."""
    return tmp_path_factory.mktemp("classifier-cache")


@pytest.fixture(params=BACKENDS)
def runtime(request, tmp_path, redis_url, key_prefix, classifier_cache):
    (tmp_path / "state").mkdir()
    (tmp_path / "state" / "cache").symlink_to(classifier_cache)
    with backend_url(request.param, tmp_path) as url:
        settings = {"redis_url": redis_url, "key_prefix": key_prefix, "state_dir": str(tmp_path / "state"),
                    "max_age": "off", "rules": [],
                    "archive": {"url": "" if request.param == "sqlite" else url.render_as_string(hide_password=False),
                                "keep": "30d"},
                    "sources": [{"id": "wire", "type": "rss", "path": "wire.xml"}],
                    "channels": [{"id": "console", "type": "stdout"}]}
        (tmp_path / "newswatch.yaml").write_text(yaml.safe_dump(settings))
        write_feed(tmp_path / "wire.xml", 0, n=0)
        rt = Runtime(load_config(tmp_path / "newswatch.yaml"), redis_url)
        yield rt
        rt.close()


def write_feed(path, round_no: int, n: int = 5) -> None:
    now = format_datetime(datetime.now(timezone.utc))
    items = "".join(f"<item><title>Round {round_no} report {i}: talks in Niamey</title>"
                    f"<link>https://example.org/r{round_no}/{i}</link><guid>r{round_no}-{i}</guid>"
                    f"<pubDate>{now}</pubDate><description>Delegations met in Niger, round {round_no}.</description></item>"
                    for i in range(n))
    path.write_text(f'<?xml version="1.0"?><rss version="2.0"><channel><title>wire</title>{items}</channel></rss>')
    stamp = time.time_ns() + round_no   # a new stamp every round, even within one clock tick
    os.utime(path, ns=(stamp, stamp))


def fill_with_old(rt: Runtime) -> None:
    at = time.time() - 200 * DAY
    for chunk in range(0, OLD, 1000):
        entries = []
        for n in range(chunk, chunk + 1000):
            entry = decode(item_entry(Item("old-wire", f"Old report {n} from Bamako", f"Old text {n} about Mali.",
                                           url=f"https://example.org/old/{n}").finish()))
            entry.record.update(at=at + n, published=at + n)
            entries.append(entry)
        rt.archive.write(entries)
    alerts = [decode(alert_entry(Alert(id=f"old-{n}", rule_id="r", rule_title="R", severity="high", item_id="x",
                                       source_id="old-wire", title="old", url=None, published=None, summary="",
                                       channels=["console"], story_id=None, evidence=[]))) for n in range(20)]
    for a in alerts:
        a.record["created"] = at
    rt.archive.write(alerts)


def scalar(rt: Runtime, sql: str, **params):
    with rt.archive.engine.connect() as conn:
        return conn.execute(sa.text(sql), params).scalar_one()


def test_prune_job_removes_the_old_while_polls_archive_the_new(runtime, tmp_path, monkeypatch, caplog):
    rt = runtime
    caplog.set_level(logging.INFO)
    fill_with_old(rt)
    monkeypatch.setattr(retention, "BATCH", 50)    # 60 short transactions: polls write between them
    scheduler = PollScheduler(rt, lambda source_id: None, lambda alert_id, channel: None)
    assert scheduler.lease.refresh()
    window: list[float] = []
    failures: list[BaseException] = []

    def prune_job() -> None:
        try:
            window.append(time.monotonic())
            for _ in range(10):      # each run has its budget (PRUNE_BUDGET); the job runs until done
                scheduler._prune_archive()
                if not scalar(rt, "SELECT count(*) FROM items WHERE source = 'old-wire'"):
                    break
            window.append(time.monotonic())
        except BaseException as exc:  # noqa: BLE001 — reported below
            failures.append(exc)

    pruning = threading.Thread(target=prune_job)
    polls: list[tuple[float, float, int]] = []

    def poll(round_no: int) -> None:
        write_feed(tmp_path / "wire.xml", round_no)
        started = time.monotonic()
        report = poll_once(rt, "wire", lambda *a: None, force=True)
        assert report.status == PollStatus.OK, report
        polls.append((started, time.monotonic(), report.new))

    poll(0)   # the first poll builds the classifier's index (seconds): before the prune starts
    try:
        pruning.start()
        round_no = 1
        while pruning.is_alive() or round_no < 4:
            poll(round_no)
            round_no += 1
    finally:
        pruning.join(timeout=120)
        scheduler.lease.release()
    assert not failures and len(window) == 2
    during = [p for p in polls if window[0] <= p[0] and p[1] <= window[1]]
    assert during, f"no poll ran while the prune did ({len(polls)} polls)"

    assert scalar(rt, "SELECT count(*) FROM items WHERE source = 'old-wire'") == 0
    assert scalar(rt, "SELECT count(*) FROM alerts") == 0
    new = sum(p[2] for p in polls)
    assert new == 5 * len(polls)
    assert scalar(rt, "SELECT count(*) FROM items WHERE source = 'wire'") == new == scalar(rt, "SELECT count(*) FROM items")
    assert rt.archive_queue.waiting() == 0
    if rt.archive.backend == "sqlite":
        assert scalar(rt, "SELECT count(*) FROM items_fts") == new
    sample = rt.metrics.registry.get_sample_value
    assert sample("newswatch_archive_pruned_total", {"kind": "item"}) == OLD
    assert sample("newswatch_archive_pruned_total", {"kind": "alert"}) == 20
    assert sample("newswatch_archive_pruned_total", {"kind": "delivery"}) == 20
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "archive_pruned items=" in logged
    for bad in ("archive_prune_failed", "archive_drain_failed", "archive_unavailable", "poll_failed"):
        assert bad not in logged


def test_one_prune_at_a_time_in_the_deployment(runtime):
    rt = runtime
    fill_with_old(rt)
    with rt.state.lock("archive", "prune", ttl=60) as ours:   # another scheduler is pruning
        assert ours
        assert rt.archiver.prune(retention.Retention(keep=30 * DAY)) is None
        assert scalar(rt, "SELECT count(*) FROM items") == OLD
    report = rt.archiver.prune(retention.Retention(keep=30 * DAY), budget=60)
    assert report is not None and (report.items, report.alerts, report.done) == (OLD, 20, True)


def test_a_database_that_is_down_is_logged_and_the_scheduler_goes_on(tmp_path, redis_url, key_prefix, caplog):
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    (tmp_path / "newswatch.yaml").write_text(yaml.safe_dump({
        "redis_url": redis_url, "key_prefix": key_prefix, "state_dir": str(tmp_path / "state"), "rules": [],
        "archive": {"url": f"postgresql://nw:canary-pw-never-shown@127.0.0.1:{port}/archive"}}))
    rt = Runtime(load_config(tmp_path / "newswatch.yaml"), redis_url)
    scheduler = PollScheduler(rt, lambda source_id: None, lambda alert_id, channel: None)
    try:
        assert scheduler.lease.refresh()
        scheduler._prune_archive()    # raises nothing
    finally:
        scheduler.lease.release()
        rt.close()
    [line] = [r.getMessage() for r in caplog.records if "archive_prune_failed" in r.getMessage()]
    assert "ArchiveUnavailable" in line and "nw:***@127.0.0.1" in line and "canary-pw-never-shown" not in line


def test_newswatch_run_leaves_both_archive_jobs_to_its_worker(runtime, caplog):
    """`newswatch run`'s scheduler adds no archive job (its process never loads the database); its worker
    child's ArchiveJobs thread drains the queue and prunes at the scheduler's cadence (here shortened)."""
    from workers.archive_jobs import ArchiveJobs
    rt = runtime
    caplog.set_level(logging.INFO)
    fill_with_old(rt)
    scheduler = PollScheduler(rt, lambda source_id: None, lambda alert_id, channel: None, archive_jobs=False)
    scheduler.start()
    try:
        assert scheduler.scheduler.get_job("archive") is None and scheduler.scheduler.get_job("archive_prune") is None
        assert scheduler.scheduler.get_job("sweep") is not None
    finally:
        scheduler.stop()
    rt.archiver.push_items([Item("wire", "Talks in Niamey", "Delegations met in Niger.",
                                 url="https://example.org/new/1").finish()], [])
    assert rt.archive_queue.waiting() == 1
    jobs = ArchiveJobs(rt, drain_every=0.2, prune_first=0.3, prune_every=60).start()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (rt.archive_queue.waiting() or scalar(
                rt, "SELECT count(*) FROM items WHERE source = 'old-wire'")):
            time.sleep(0.1)
    finally:
        jobs.stop()
    assert rt.archive_queue.waiting() == 0
    assert scalar(rt, "SELECT count(*) FROM items WHERE source = 'wire'") == 1
    assert scalar(rt, "SELECT count(*) FROM items WHERE source = 'old-wire'") == 0
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "archive_jobs_started" in logged and "archive_written items=1" in logged and "archive_pruned items=" in logged
