"""/healthz and `newswatch status` see a stalled service: a Redis that answers PING but refuses writes,
no scheduler lease, a delivery waiting past its due time (the sweep moving its due time on does not
hide it); open source incidents only degrade. A stuck worker: tests/e2e/test_health.py."""
from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

import pytest
import yaml

from alerts.delivery import deliver_once, sweep_open_deliveries
from newswatch.config.health import HealthConfig
from newswatch.metrics import Metrics
from newswatch.model.alert import Alert
from newswatch.store.state import State, connect
from newswatch.store.workers import WorkerBoard
from tests.support.redis_server import OwnRedis
from workers.celery_app import make_app
from workers.cli import main
from workers.health import health
from workers.heartbeat import HeartbeatTicker, forget_gone
from workers.registry import load_config
from workers.runtime import Runtime
from workers.scheduler import SchedulerLease
from workers.status_server import StatusServer


def healthz(server: StatusServer) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/healthz", timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.fixture
def worker_alive():
    """What a running worker keeps up (workers/heartbeat.py): registered, ticking; fresh for a minute."""
    tickers = []

    def start(state: State, url: str) -> HeartbeatTicker:
        tickers.append(HeartbeatTicker(make_app(url, state.prefix), state, every=1).start())
        return tickers[-1]
    yield start
    for ticker in tickers:
        ticker.stop()


def test_a_full_redis_answers_ping_but_health_names_redis_writable(tmp_path, key_prefix, worker_alive):
    with OwnRedis(tmp_path, "--maxmemory", "2mb", "--maxmemory-policy", "noeviction") as redis_server:
        state = State(connect(redis_server.url), key_prefix)
        worker_alive(state, redis_server.url)
        lease = SchedulerLease(state, 60)
        assert lease.refresh()
        server = StatusServer(state, redis_server.url, ["world"], [Metrics()]).start()
        try:
            code, report = healthz(server)
            assert (code, report["status"], report["failing"]) == (200, "ok", {}), report
            assert redis_server.fill() > 0
            assert state.r.ping()                  # still answers PING: all the old check asked
            code, report = healthz(server)
            assert code == 503 and report["status"] == "unhealthy", report
            assert list(report["failing"]) == ["redis_writable"], report["failing"]
            assert "OutOfMemoryError" in report["failing"]["redis_writable"]
            assert "maxmemory" in report["failing"]["redis_writable"]
        finally:
            server.stop()


@pytest.fixture
def rt(tmp_path, redis_url, key_prefix):
    (tmp_path / "rules.yaml").write_text("[]\n")
    cfg = tmp_path / "newswatch.yaml"
    cfg.write_text(yaml.safe_dump({
        "redis_url": redis_url, "key_prefix": key_prefix, "rules": ["rules.yaml"], "classify": {"enabled": False},
        "sources": [{"id": "world", "type": "rss", "url": "http://127.0.0.1:9/feed.xml"}],
        "channels": [{"id": "out", "type": "stdout"}],
        "delivery": {"redeliver_after": "1m"}, "health": {"delivery_overdue": "1s"},
        "system_alerts": {"notify": ["out"], "failures": 2}}))
    runtime = Runtime(load_config(cfg), redis_url)
    yield runtime
    runtime.close()


def status_server(rt: Runtime) -> StatusServer:
    return StatusServer(rt.state, rt.redis_url, ["world"], [rt.metrics], health_cfg=rt.settings.health).start()


def test_c_no_scheduler_is_unhealthy_and_names_the_lease(rt, worker_alive):
    worker_alive(rt.state, rt.redis_url)
    server = status_server(rt)
    try:
        code, report = healthz(server)
        assert code == 503 and list(report["failing"]) == ["scheduler_lease"], report
        assert "no scheduler holds the lease" in report["failing"]["scheduler_lease"]
        lease = SchedulerLease(rt.state, 30)
        assert lease.refresh()
        assert healthz(server)[0] == 200
        lease.release()
        assert healthz(server)[1]["failing"] == {"scheduler_lease": report["failing"]["scheduler_lease"]}
    finally:
        server.stop()


def test_no_worker_at_all_is_unhealthy(rt):
    lease = SchedulerLease(rt.state, 30)
    assert lease.refresh()
    server = status_server(rt)
    try:
        code, report = healthz(server)
        assert code == 503 and list(report["failing"]) == ["workers_alive"], report
    finally:
        server.stop()
        lease.release()


def test_d_a_delivery_overdue_beyond_the_bound_is_named_until_a_worker_takes_it(rt, worker_alive, capsys):
    worker_alive(rt.state, rt.redis_url)
    lease = SchedulerLease(rt.state, 30)
    assert lease.refresh()
    alert = Alert(id="a1", rule_id="r", rule_title="R", severity="high", item_id="i", source_id="world",
                  title="Lavrov in Bamako", url=None, published=None, summary="", channels=["out"])
    rt.alerts.open_alert("a1", alert.to_dict(), ["out"], 0.2, rule_id="r", story_id="a1", realert=0)
    server = status_server(rt)
    try:
        time.sleep(0.3)
        requeued: list = []
        assert sweep_open_deliveries(rt, lambda *d: requeued.append(d)) == 1   # due again in 1m: not hidden
        assert healthz(server)[0] == 200                                          # past due, not yet 1s
        time.sleep(1.0)
        code, report = healthz(server)
        assert code == 503 and list(report["failing"]) == ["deliveries_overdue"], report
        assert report["failing"]["deliveries_overdue"].startswith("a1|out is 1s past its due time")
        assert main(["status", "-c", str(rt.config.path)]) == 0
        assert "failing deliveries_overdue: a1|out is " in capsys.readouterr().out
        assert deliver_once(rt, "a1", "out").status == "sent"                      # a worker took it
        assert healthz(server)[0] == 200
    finally:
        server.stop()
        lease.release()


def test_an_open_incident_degrades_without_503_and_status_lists_it(rt, worker_alive, capsys):
    worker_alive(rt.state, rt.redis_url)
    lease = SchedulerLease(rt.state, 30)
    assert lease.refresh()
    assert rt.incidents.failed("world", 1, "HTTP 500") == []
    assert len(rt.incidents.failed("world", 2, "HTTP 500")) == 1
    server = status_server(rt)
    try:
        code, report = healthz(server)
        assert (code, report["status"], report["failing"]) == (200, "degraded", {}), report
        assert report["incidents"]["source_failing:world"]["title"] == "world: 2 polls in a row failed (last: HTTP 500)"
        assert main(["status", "-c", str(rt.config.path), "--format", "json"]) == 0
        assert json.loads(capsys.readouterr().out)["health"]["incidents"] == report["incidents"]
        assert main(["status", "-c", str(rt.config.path)]) == 0
        out = capsys.readouterr().out
        assert "health: degraded" in out and "incident source_failing:world since " in out
    finally:
        server.stop()
        lease.release()


def test_a_killed_worker_is_not_responding_then_forgotten(state, redis_url, worker_alive):
    """A worker that stopped ticking without stopping (SIGKILL, OOM killer) is named until forgotten."""
    worker_alive(state, redis_url)
    board, now = WorkerBoard(state), time.time()
    board.register("gone-1", now - 120)
    cfg = HealthConfig(worker_stale=60)
    code, report = health(state, [], state.r, cfg, now=now)
    assert code == 503 and list(report["failing"]["workers"]) == ["gone-1"], report["failing"]
    assert report["failing"]["workers"]["gone-1"].startswith("not responding: no sign of life for 2m")
    assert "workers_alive" not in report["failing"]                      # the other worker is fine
    assert forget_gone(state, 60) == []                                   # reported for 10 min first
    board.register("gone-1", now - 601)
    assert "workers" not in health(state, [], state.r, cfg, now=now)[1]["failing"]
    assert forget_gone(state, 60) == ["gone-1"] and [w.worker_id for w in board.seen()] != ["gone-1"]


def test_a_stuck_worker_leaves_at_most_one_heartbeat_waiting(state, redis_url):
    ticker = HeartbeatTicker(make_app(redis_url, state.prefix), state, every=3600)   # nobody consumes its queue
    for _ in range(5):
        ticker.tick()
    queue = state.keys.celery_queue(ticker.queue)
    assert state.r.llen(queue) == 1
    ticker.stop()                                                          # a clean stop leaves nothing
    assert state.r.llen(queue) == 0 and WorkerBoard(state).seen() == []
