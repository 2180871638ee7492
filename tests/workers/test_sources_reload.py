"""Sources follow their files while running (workers.sources_reload): the scheduler adds a poll job for a
source added beside the config within seconds and drops the job of one disabled; a worker asked to poll a
source it does not know yet reads the files at once; a file that no longer validates keeps the sources in
force. Real Redis, real config files, the real APScheduler."""
from __future__ import annotations

import logging
import time

import yaml

from newswatch.config.local_sources import local_path
from newswatch.config.source_edits import SourceEdits
from workers.polling import PollStatus, poll_once
from workers.registry import load_config, registry
from workers.runtime import Runtime
from workers.scheduler import PollScheduler


def wait_for(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_scheduler_and_worker_pick_up_added_and_disabled_sources(tmp_path, redis_url, key_prefix, caplog):
    (tmp_path / "rules.yaml").write_text("[]\n")
    cfg = tmp_path / "newswatch.yaml"
    cfg.write_text(yaml.safe_dump({"redis_url": redis_url, "key_prefix": key_prefix, "rules": ["rules.yaml"],
                                   "state_dir": str(tmp_path / "state"), "classify": {"enabled": False},
                                   "sources": [{"id": "one", "type": "rss", "url": "http://127.0.0.1:9/one",
                                                "interval": "1s"}]}))
    scheduler_rt, worker_rt = Runtime(load_config(cfg), redis_url), Runtime(load_config(cfg), redis_url)
    polls: list[str] = []
    scheduler = PollScheduler(scheduler_rt, polls.append, lambda a, c: None, lease_ttl=3, sweep_every=60)
    scheduler.start()
    try:
        wait_for(lambda: "one" in polls, 5, "the first poll of one")
        edits = SourceEdits(cfg, registry())
        edits.add({"id": "two", "type": "rss", "url": "http://127.0.0.1:9/two", "interval": "1s", "tags": ["t"]})
        added_at = time.monotonic()
        wait_for(lambda: "two" in polls, 8, "the added source polled")
        assert time.monotonic() - added_at < 6
        report = poll_once(worker_rt, "two", lambda a, c: None)   # the worker had not seen it: reads it now
        assert report.status == PollStatus.FAILED and "two" in worker_rt.sources
        assert worker_rt.matcher.source_tags["two"] == frozenset({"t"})

        edits.set_enabled("one", False)
        wait_for(lambda: "poll:one" not in {j.id for j in scheduler.scheduler.get_jobs()}, 8, "one's job gone")
        polls.clear()
        time.sleep(2.5)
        assert "one" not in polls and "two" in polls

        caplog.set_level(logging.ERROR, logger="workers.sources_reload")
        local_path(cfg).write_text(local_path(cfg).read_text().replace("interval: 1s", "interval: soon", 1))
        assert scheduler_rt.check_sources(force=True) is False
        assert set(scheduler_rt.sources) == {"one", "two"} and "sources_reload_failed" in caplog.text
        assert "sources.local.yaml" in caplog.text and "interval" in caplog.text
    finally:
        scheduler.stop()
        scheduler_rt.close()
        worker_rt.close()
