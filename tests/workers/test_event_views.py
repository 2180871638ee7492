"""The views of an event's reports: `newswatch alerts` lists every report of the alert's event with its outlet
and language (real Redis; the reports recorded by the real event clusterer; the CLI through `main`)."""
from __future__ import annotations

import json

import pytest
import yaml

from alerts.store import AlertStore
from newswatch.model.alert import Alert
from newswatch.pipeline.events import EventClusterer
from newswatch.store.state import State, connect
from tests.newswatch.pipeline.test_event_cluster import founding_reports
from workers.cli import main


@pytest.fixture
def cfg(tmp_path, redis_url, key_prefix):
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump([]))
    path = tmp_path / "newswatch.yaml"
    path.write_text(yaml.safe_dump({
        "redis_url": redis_url, "key_prefix": key_prefix, "rules": ["rules.yaml"],
        "sources": [{"id": "tass", "type": "rss", "url": "http://127.0.0.1:9/feed.xml"}],
        "channels": [{"id": "out", "type": "stdout"}]}))
    return str(path)


@pytest.fixture
def clustered(redis_url, key_prefix):
    """The four founding reports (tass ru, rfi fr, aawsat-ar ar, aawsat en) as one event, and TASS's alert."""
    st = State(connect(redis_url), key_prefix)
    items = founding_reports()
    stage = EventClusterer(st)
    for item in items:
        stage.process([item])
    assert len({i.event_id for i in items}) == 1
    alert = Alert(id="a1", rule_id="sahel-visit", rule_title="Visit", severity="high", item_id=items[0].id,
                  source_id="tass", title=items[0].title, url=items[0].url, published=None, summary="",
                  channels=["out"], story_id=items[0].id, event_id=items[0].event_id)
    AlertStore(st).open_alert(alert.id, alert.to_dict(), ["out"], 300, rule_id="sahel-visit",
                              story_id=items[0].id, realert=0)
    return st, items


def test_alerts_lists_every_report_of_the_alerts_event_with_outlet_and_language(cfg, clustered, capsys):
    _, items = clustered
    assert main(["alerts", "-c", cfg, "--format", "json"]) == 0
    [row] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert row["event"]["id"] == items[0].event_id and row["event"]["type"] == "visit"
    assert [(r["source_id"], r["lang"], r["url"]) for r in row["event"]["reports"]] == [
        (i.source_id, i.lang, i.url) for i in items]
    assert [(r["source_id"], r["lang"]) for r in row["reported_by"]] == [
        ("rfi", "fr"), ("aawsat-ar", "ar"), ("aawsat", "en")]               # the alert's own report left out
    assert main(["alerts", "-c", cfg]) == 0
    out = capsys.readouterr().out
    assert f"event {items[0].event_id}: 4 report(s)" in out
    assert f"      aawsat-ar (ar)  {items[2].url}" in out
    assert "also reported by: rfi (fr) https://rfi.example/" in out
