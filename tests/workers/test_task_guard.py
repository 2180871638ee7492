"""Celery's time limits are declared on every task but the worker's threads pool does not enforce them,
so each run is watched against its own limit: an overrun is logged (task_overran, then
task_finished_late) and counted; a task that ends in time leaves no trace."""
from __future__ import annotations

import logging
import time

import yaml

from newswatch.metrics import Metrics, render
from tests.workers.test_status_server import metric
from workers.celery_app import DELIVER_TASK, INGEST_TASK, POLL_TASK, make_app
from workers.polling import poll_limit
from workers.registry import load_config
from workers.runtime import Runtime
from workers.task_guard import task_guard
from workers.tasks import register_tasks


def test_a_task_past_its_limit_is_logged_and_counted(caplog):
    metrics = Metrics()
    caplog.set_level(logging.WARNING, logger="workers.task_guard")
    with task_guard(metrics, POLL_TASK, 0.3, source_id="slow"):
        time.sleep(0.6)
    with task_guard(metrics, POLL_TASK, 5.0, source_id="quick"):
        pass
    overran, late = [r.getMessage() for r in caplog.records]
    assert overran.startswith(f"task_overran task={POLL_TASK}") and "source_id=slow" in overran
    assert late.startswith(f"task_finished_late task={POLL_TASK}") and "source_id=slow" in late
    assert metric(render(metrics).decode(), "newswatch_task_overruns_total", task=POLL_TASK) == 1


def test_every_task_declares_soft_and_hard_limits_from_the_config(tmp_path, redis_url, key_prefix):
    (tmp_path / "rules.yaml").write_text("[]")
    cfg = tmp_path / "newswatch.yaml"
    cfg.write_text(yaml.safe_dump({
        "key_prefix": key_prefix, "rules": ["rules.yaml"], "classify": {"enabled": False},
        "http": {"timeout": "20s"},
        "sources": [{"id": "feed", "type": "rss", "url": "http://127.0.0.1:9/feed.xml", "timeout": "5s"},
                    {"id": "tg", "type": "telegram", "channel": "@some_channel", "max_pages": 10}],
        "channels": [{"id": "hook", "type": "webhook", "url": "http://127.0.0.1:9/hook", "timeout": "45s"}]}))
    rt = Runtime(load_config(cfg), redis_url)
    try:
        app = make_app(redis_url, key_prefix)
        register_tasks(app, rt)
        # t.me: up to 10 pages of 20 s each, then the pipeline's minute (its lock lasts as long)
        assert poll_limit(rt, "tg") == 10 * 20 + 60 and poll_limit(rt, "feed") == 3 * 20 + 60
        poll, deliver, ingest = app.tasks[POLL_TASK], app.tasks[DELIVER_TASK], app.tasks[INGEST_TASK]
        assert (poll.soft_time_limit, poll.time_limit) == (260, 290)
        assert (deliver.soft_time_limit, deliver.time_limit) == (45 + 30, 45 + 60)
        assert ingest.soft_time_limit == 60 and ingest.time_limit == 90
    finally:
        rt.close()
