"""A worker's pipeline slots (`worker.pipelines`, workers.polling.pipeline_slot): its threads all fetch at once,
at most `pipelines` polls parse a body and process its items at a time; a slot not free within PIPELINE_WAIT is
not waited for. Real loopback HTTP feeds, real Redis, the real pipeline (classifier off: the slots are the point)."""
from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

from tests.support.http_server import LocalHTTPServer
from workers import polling
from workers.polling import PollStatus, poll_once
from workers.registry import load_config
from workers.runtime import Runtime
from workers.sources.feeds import rss

FEEDS = 4


def feed(n: int) -> bytes:
    items = "".join(f"<item><title>Feed {n} item {i}</title><link>https://example.org/{n}/{i}</link>"
                    f"<description>Report {i} of feed {n}.</description></item>" for i in range(5))
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>f{n}</title><link>https://example.org/</link>'
            f"<description>d</description>{items}</channel></rss>").encode()


def runtime(tmp_path: Path, server: LocalHTTPServer, redis_url: str, key_prefix: str, pipelines: int) -> Runtime:
    settings = {"redis_url": redis_url, "key_prefix": key_prefix, "state_dir": str(tmp_path / "state"),
                "max_age": "off", "classify": {"enabled": False}, "rules": ["rules.yaml"],
                "worker": {"concurrency": FEEDS, "pipelines": pipelines},
                "sources": [{"id": f"f{n}", "type": "rss", "url": server.url(f"/f{n}.xml")} for n in range(FEEDS)],
                "channels": [{"id": "console", "type": "stdout"}]}
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump([
        {"id": "any-report", "title": "A report", "when": {"keywords": ["report"]}, "notify": ["console"]}]))
    (tmp_path / "newswatch.yaml").write_text(yaml.safe_dump(settings))
    return Runtime(load_config(tmp_path / "newswatch.yaml"), redis_url)


class Overlap:
    """How many polls are inside their parse-and-process at once, at most (the real functions run inside)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = self.most = 0
        self.lock = threading.Lock()
        parse, process = rss.RssSource._parse, polling.process_items

        def parse_in(source, *args, **kwargs):
            self.enter()   # a parse starts the poll's section; its process_items ends it
            return parse(source, *args, **kwargs)

        def process_in(*args, **kwargs):
            try:
                time.sleep(0.3)   # long enough for every other poll's fetch to have come back meanwhile
                return process(*args, **kwargs)
            finally:
                with self.lock:
                    self.now -= 1
        monkeypatch.setattr(rss.RssSource, "_parse", parse_in)
        monkeypatch.setattr(polling, "process_items", process_in)

    def enter(self) -> None:
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)


def poll_all(rt: Runtime) -> list[PollStatus]:
    with ThreadPoolExecutor(FEEDS) as pool:
        reports = list(pool.map(lambda n: poll_once(rt, f"f{n}", lambda *a: None), range(FEEDS)))
    return [r.status for r in reports]


@pytest.mark.parametrize("pipelines, most", [(1, 1), (FEEDS, FEEDS)])
def test_at_most_pipelines_polls_parse_and_process_at_once(tmp_path, redis_url, key_prefix, monkeypatch,
                                                           pipelines, most):
    overlap = Overlap(monkeypatch)
    with LocalHTTPServer() as server:
        for n in range(FEEDS):
            server.feed(f"/f{n}.xml", feed(n))
        rt = runtime(tmp_path, server, redis_url, key_prefix, pipelines)
        try:
            started = time.perf_counter()
            assert poll_all(rt) == [PollStatus.OK] * FEEDS
            took = time.perf_counter() - started
            assert overlap.most == most    # FEEDS slots: all four at once (the slots are what bounds it)
            # every fetch went out at once: the four requests all came before the polls' serialized work ended
            assert len(server.requests) == FEEDS
            if pipelines == 1:
                assert took >= FEEDS * 0.3
            for n in range(FEEDS):   # nothing lost: every item of every feed is seen
                assert rt.state.health(f"f{n}")["last_status"] == "ok"
                assert rt.state.health(f"f{n}")["new"] == "5"
        finally:
            rt.close()


def test_a_slot_not_free_in_time_is_not_waited_for(tmp_path, redis_url, key_prefix, monkeypatch, caplog):
    monkeypatch.setattr(polling, "PIPELINE_WAIT", 0.2)
    with LocalHTTPServer() as server:
        server.feed("/f0.xml", feed(0))
        rt = runtime(tmp_path, server, redis_url, key_prefix, 1)
        try:
            assert rt.pipelines.acquire(timeout=1)   # a stuck poll holds the only slot
            with caplog.at_level(logging.WARNING, logger="workers.polling"):
                report = poll_once(rt, "f0", lambda *a: None)
            assert report.status is PollStatus.OK and report.new == 5
            assert any("pipeline_slots_busy" in r.getMessage() and "f0" in r.getMessage() for r in caplog.records)
            rt.pipelines.release()
            with pytest.raises(ValueError):    # the poll gave back no slot it did not take
                rt.pipelines.release()
        finally:
            rt.close()


def test_a_body_that_is_no_feed_fails_the_poll_when_parsed_in_its_slot(tmp_path, redis_url, key_prefix):
    with LocalHTTPServer() as server:
        server.feed("/f0.xml", b"<html><body>Not a feed</body></html>")
        rt = runtime(tmp_path, server, redis_url, key_prefix, 1)
        try:
            report = poll_once(rt, "f0", lambda *a: None)
            assert report.status is PollStatus.FAILED and report.reason
            assert rt.state.health("f0")["consecutive_failures"] == "1"
            assert rt.pipelines.acquire(timeout=0.1)   # the failed parse gave its slot back
        finally:
            rt.close()
