"""A poll and its deliveries reach the archive, on both backends: the real feed file of the demo,
the real classifier, the real Redis; items and alerts after the poll, each delivery's status once
it settles (through the same queue), nothing twice when the feed is polled again."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from alerts.delivery import deliver_once
from newswatch.archive.query import SearchQuery
from newswatch.archive.queue import ArchiveQueue
from newswatch.archive.records import item_entry
from newswatch.config.archive import redact_url
from newswatch.model.item import Item
from tests.support.archive_db import BACKENDS, backend_url
from workers.polling import poll_once
from workers.registry import load_config
from workers.runtime import Runtime

DEMO = Path(__file__).resolve().parents[2] / "config" / "demo"


@pytest.fixture(params=BACKENDS)
def runtime(request, tmp_path, redis_url, key_prefix):
    shutil.copy(DEMO / "world-demo.xml", tmp_path / "world.xml")
    shutil.copy(DEMO / "rules.yaml", tmp_path / "rules.yaml")
    with backend_url(request.param, tmp_path) as url:
        settings = {"redis_url": redis_url, "key_prefix": key_prefix, "state_dir": str(tmp_path / "state"),
                    "max_age": "off", "rules": ["rules.yaml"],
                    "archive": {"url": "" if request.param == "sqlite" else url.render_as_string(hide_password=False)},
                    "sources": [{"id": "world-demo", "type": "rss", "path": "world.xml"}],
                    "channels": [{"id": "console", "type": "stdout"}]}
        (tmp_path / "newswatch.yaml").write_text(yaml.safe_dump(settings))
        rt = Runtime(load_config(tmp_path / "newswatch.yaml"), redis_url)
        yield rt
        rt.close()


def rows(rt: Runtime, sql: str) -> list:
    with rt.archive.engine.connect() as conn:
        return conn.execute(sa.text(sql)).all()


def test_a_poll_archives_its_items_and_alert_then_the_delivery_status(runtime, capsys):
    rt = runtime
    enqueued = []
    report = poll_once(rt, "world-demo", lambda *a: enqueued.append(a), force=True)
    assert report.new == 23 and len(enqueued) == 1
    [(alert_id, channel)] = enqueued
    fingerprints = rows(rt, "SELECT fingerprint FROM items")
    assert len(fingerprints) == 23 == len(set(fingerprints))
    [(rule, explanation)] = rows(rt, "SELECT rule_id, explanation FROM alerts")
    assert rule == "lavrov-in-sahel-capital" and "keywords: Lavrov" in explanation
    assert rows(rt, "SELECT status FROM alert_deliveries") == [("pending",)]
    [hit] = rt.archive.search(SearchQuery("Lavrov Bamako", country=["ML"]))
    assert hit.title.startswith("Russian Foreign Minister Sergei Lavrov in Bamako")
    assert rt.archive_queue.waiting() == 0

    assert deliver_once(rt, alert_id, channel).status == "sent"
    assert '"rule": "lavrov-in-sahel-capital"' in capsys.readouterr().out
    assert rt.archive_queue.waiting() == 1            # the settled status, queued with it
    rt.archiver.drain()
    assert rows(rt, "SELECT channel, status, attempts FROM alert_deliveries") == [("console", "sent", 1)]

    again = poll_once(rt, "world-demo", lambda *a: enqueued.append(a), force=True)   # nothing new
    assert again.new == 0 and len(enqueued) == 1
    assert len(rows(rt, "SELECT fingerprint FROM items")) == 23
    assert rt.metrics.registry.get_sample_value("newswatch_archive_written_total", {"kind": "item"}) == 23


def test_status_shows_the_archive_queue_and_what_the_cap_dropped(runtime, capsys):
    from workers.cli import main
    rt = runtime
    small = ArchiveQueue(rt.state, queue_max=2, metrics=rt.metrics)
    small.push([item_entry(Item("wire", f"t{n}", "x", url=f"https://example.org/{n}").finish()) for n in range(3)])
    assert main(["status", "-c", str(rt.config.path), "--format", "json"]) == 0
    archive = json.loads(capsys.readouterr().out)["archive"]
    assert (archive["waiting"], archive["dropped"], archive["dropped_by_kind"]["item"]) == (2, 1, 1)
    assert archive["database"] == redact_url(rt.archive.url) and "***" not in archive["database"]
    assert main(["status", "-c", str(rt.config.path)]) == 0
    assert "archive: " + archive["database"] + "; waiting to be written: 2" in capsys.readouterr().out
    assert rt.metrics.registry.get_sample_value("newswatch_archive_dropped_total", {"kind": "item"}) == 1
