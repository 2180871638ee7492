"""/metrics: this process's own counters and histograms move as items flow through a real poll and
a real delivery; the deployment's gauges only from the lease holder; `newswatch run`'s child merged in.
/healthz turns 503 when Redis stops (the counters, in memory, are still served)."""
from __future__ import annotations

import json
import socket
import subprocess
import time
import urllib.error
import urllib.request

import pytest
import redis
import yaml
from prometheus_client.parser import text_string_to_metric_families

from alerts.delivery import deliver_once
from newswatch.metrics import Metrics, render
from tests.e2e.conftest import feed_with_seed
from tests.support.http_server import LocalHTTPServer
from workers.celery_app import make_app
from workers.embedded_redis import redis_executable
from workers.heartbeat import HeartbeatTicker
from workers.polling import poll_once
from workers.registry import load_config
from workers.runtime import Runtime
from workers.scheduler import PollScheduler, SchedulerLease
from workers.status_server import ChildMetrics, SchedulerGauges, StatusServer, start_status_server

RULE = [{"id": "lavrov", "title": "Lavrov", "severity": "high", "when": {"keywords": ["Lavrov"]}, "notify": ["out"]}]


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def samples(text: str) -> dict[tuple[str, frozenset], float]:
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def metric(text: str, name: str, **labels) -> float:
    return samples(text).get((name, frozenset(labels.items())), 0.0)


def runtime(tmp_path, redis_url, key_prefix, feed_url) -> Runtime:
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump(RULE))
    cfg = tmp_path / "newswatch.yaml"
    cfg.write_text(yaml.safe_dump({"key_prefix": key_prefix, "rules": ["rules.yaml"], "max_age": "off",
                                   "classify": {"enabled": False},
                                   "sources": [{"id": "world", "type": "rss", "url": feed_url},
                                               {"id": "broken", "type": "rss", "url": feed_url + ".missing"}],
                                   "channels": [{"id": "out", "type": "stdout"}]}))
    return Runtime(load_config(cfg), redis_url)


def test_counters_and_histograms_move_as_items_flow(tmp_path, redis_url, key_prefix, data_dir, capsys):
    with LocalHTTPServer() as http:
        http.feed("/world.xml", feed_with_seed(data_dir))
        rt = runtime(tmp_path, redis_url, key_prefix, http.url("/world.xml"))
        scheduler = PollScheduler(rt, lambda *a: None, lambda *a: None)   # not started: its lease and gauges
        assert scheduler.lease.refresh()
        server = start_status_server(rt, "127.0.0.1", 0, scheduler=scheduler)
        try:
            base = f"http://127.0.0.1:{server.port}"
            before = get(base + "/metrics")[1]
            assert metric(before, "newswatch_items_fetched_total", source_id="world") == 0
            assert "# TYPE newswatch_items_fetched_total counter" in before   # every family, even before a count
            assert "_created" not in before
            first = poll_once(rt, "world", lambda *a: None, force=True)
            poll_once(rt, "broken", lambda *a: None, force=True)
            status, text = get(base + "/metrics")
            assert status == 200
            assert metric(text, "newswatch_items_fetched_total", source_id="world") == first.items > 0
            assert metric(text, "newswatch_items_new_total", source_id="world") == first.new
            assert metric(text, "newswatch_rule_matches_total", rule_id="lavrov") >= 1
            assert metric(text, "newswatch_alerts_total", channel="out") == len(first.deliveries) >= 1
            assert metric(text, "newswatch_poll_errors_total", source_id="broken") == 1
            assert metric(text, "newswatch_source_failing", source_id="broken") == 1
            assert metric(text, "newswatch_source_failing", source_id="world") == 0
            assert metric(text, "newswatch_deliveries_open") == len(first.deliveries)
            assert metric(text, "newswatch_scheduler_lease_held") == 1
            assert metric(text, "newswatch_item_alert_latency_seconds_count") == len(first.deliveries)
            assert 0 <= metric(text, "newswatch_item_alert_latency_seconds_sum") < 30
            # the same feed again (forced, a 304): nothing new, the dedup-free counters stay
            poll_once(rt, "world", lambda *a: None, force=True)
            again = get(base + "/metrics")[1]
            assert metric(again, "newswatch_polls_total", source_id="world", outcome="not_modified") == 1
            assert metric(again, "newswatch_items_fetched_total", source_id="world") == first.items
            # one poll duration per poll, whatever its outcome
            assert metric(again, "newswatch_poll_duration_seconds_count", source_id="world") == 2
            assert metric(again, "newswatch_poll_duration_seconds_count", source_id="broken") == 1
            assert metric(again, "newswatch_poll_duration_seconds_bucket", source_id="world", le="+Inf") == 2
            # the delivery: counted, and its latency from the alert's creation observed once
            (alert_id, channel), = first.deliveries
            assert deliver_once(rt, alert_id, channel).status == "sent"
            assert "Lavrov" in capsys.readouterr().out
            sent = get(base + "/metrics")[1]
            assert metric(sent, "newswatch_deliveries_total", channel="out", outcome="sent") == 1
            assert metric(sent, "newswatch_delivery_latency_seconds_count", channel="out") == 1
            assert metric(sent, "newswatch_deliveries_open") == 0
            assert get(base + "/nope")[0] == 404
        finally:
            server.stop()
            scheduler.lease.release()
            rt.close()


def test_each_metrics_object_counts_only_its_own(state):
    one, two = Metrics(), Metrics()
    one.add("deliveries", channel="desk", outcome="sent")
    two.add("deliveries", 2, channel="desk", outcome="sent")
    assert metric(render(one).decode(), "newswatch_deliveries_total", channel="desk", outcome="sent") == 1
    assert metric(render(two).decode(), "newswatch_deliveries_total", channel="desk", outcome="sent") == 2
    # merged (what `newswatch run` serves for its two processes): added, as Prometheus's sum would
    both = render(one, two).decode()
    assert metric(both, "newswatch_deliveries_total", channel="desk", outcome="sent") == 3
    assert both.count("# TYPE newswatch_deliveries_total counter") == 1
    with pytest.raises(KeyError):
        one.add("nonsense")


def test_label_values_are_escaped():
    metrics = Metrics()
    metrics.add("rule_matches", rule_id='say "hi"\n\\')
    assert metric(render(metrics).decode(), "newswatch_rule_matches_total", rule_id='say "hi"\n\\') == 1


def test_shared_state_gauges_only_from_the_lease_holder(state):
    from types import SimpleNamespace
    leader = SimpleNamespace(lease=SchedulerLease(state, 30), last_lag=0.25)
    standby = SimpleNamespace(lease=SchedulerLease(state, 30), last_lag=None)
    assert leader.lease.refresh() and not standby.lease.refresh()
    state.record_failure("world", "HTTP 500", interval=60, backoff_max=600)
    texts = [render(SchedulerGauges(s, state, ["world"], ("q.poll",))).decode() for s in (leader, standby)]
    assert [metric(t, "newswatch_scheduler_lease_held") for t in texts] == [1, 0]
    assert metric(texts[0], "newswatch_source_failing", source_id="world") == 1
    assert metric(texts[0], "newswatch_scheduler_lag_seconds") == 0.25
    for name in ("newswatch_source_failing", "newswatch_deliveries_open", "newswatch_queue_depth",
                 "newswatch_scheduler_lag_seconds"):
        assert name not in texts[1]
    leader.lease.release()


def test_run_merges_its_worker_child_and_fails_the_scrape_without_it(state, redis_url):
    """`newswatch run`'s parent serves the sum of its own metrics and its child's, read on the socket it
    handed the child; a child that does not answer makes the scrape fail rather than look like a reset."""
    parent, child = Metrics(), Metrics()
    parent.add("polls", source_id="world", outcome="ok")
    child.add("polls", 2, source_id="world", outcome="ok")
    child.observe_poll("world", 0.3)
    child_socket = socket.create_server(("127.0.0.1", 0))
    child_port = child_socket.getsockname()[1]
    child_server = StatusServer(state, redis_url, [], [child], sock=child_socket).start()
    parent_server = StatusServer(state, redis_url, [], [parent, ChildMetrics(child_port, timeout=1)]).start()
    try:
        assert child_server.port == child_port
        status, text = get(f"http://127.0.0.1:{parent_server.port}/metrics")
        assert status == 200
        assert metric(text, "newswatch_polls_total", source_id="world", outcome="ok") == 3
        assert metric(text, "newswatch_poll_duration_seconds_count", source_id="world") == 1
        assert metric(text, "newswatch_poll_duration_seconds_bucket", source_id="world", le="0.5") == 1
        assert text.count("# TYPE newswatch_polls_total counter") == 1 and "_created" not in text
        child_server.stop()
        status, text = get(f"http://127.0.0.1:{parent_server.port}/metrics")
        assert status == 503 and "worker child" in text
    finally:
        parent_server.stop()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def own_redis(tmp_path):
    """A Redis of our own that the test may stop."""
    port = free_port()
    proc = subprocess.Popen([redis_executable(), "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--dir", str(tmp_path)], stdout=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 10
    while True:
        try:
            redis.Redis.from_url(url).ping()
            break
        except redis.ConnectionError:
            assert time.monotonic() < deadline, "own redis-server did not start"
            time.sleep(0.05)
    yield url, proc
    proc.kill()
    proc.wait(5)


def test_healthz_turns_unhealthy_when_redis_stops(own_redis, key_prefix):
    url, proc = own_redis
    from newswatch.store.state import State, connect
    state = State(connect(url), key_prefix)
    metrics = Metrics()
    metrics.add("polls", source_id="world", outcome="ok")
    server = StatusServer(state, url, ["world"], [metrics]).start()
    ticker = HeartbeatTicker(make_app(url, key_prefix), state, every=1).start()   # a worker, alive and fresh
    try:
        base = f"http://127.0.0.1:{server.port}/healthz"
        code, body = get(base)
        assert code == 503 and json.loads(body)["scheduler_lease"] is False   # no scheduler yet
        assert list(json.loads(body)["failing"]) == ["scheduler_lease"]
        lease = SchedulerLease(state, 30)
        assert lease.refresh()
        state.record_failure("world", "HTTP 500", interval=60, backoff_max=600)
        code, body = get(base)
        report = json.loads(body)
        assert code == 200 and report["status"] == "degraded" and report["sources_failing"] == {"world": "HTTP 500"}
        proc.terminate()
        proc.wait(10)
        code, body = get(base)
        report = json.loads(body)
        assert code == 503 and report["status"] == "unhealthy" and "unreachable" in report["redis"]
        assert report["failing"] == {"redis_writable": "unreachable (ConnectionError)"}
        status, text = get(f"http://127.0.0.1:{server.port}/metrics")   # this process's counts: in memory
        assert status == 200 and metric(text, "newswatch_polls_total", source_id="world", outcome="ok") == 1
    finally:
        ticker.stop()
        server.stop()


def test_idle_connections_neither_lock_out_healthz_nor_stay_open(state, redis_url):
    """300 connections that never send a request: /healthz still answers within 1 s, and every idle one is
    closed by the server, the oldest at once (over the cap of 64), the others after the connection
    timeout (10 s)."""
    server = StatusServer(state, redis_url, [], [Metrics()]).start()
    idle: list[socket.socket] = []
    try:
        for _ in range(300):
            idle.append(socket.create_connection(("127.0.0.1", server.port), timeout=5))
        all_open = time.monotonic()
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/healthz", timeout=1) as resp:
                body = resp.read()
        except urllib.error.HTTPError as exc:    # 503: no scheduler holds the lease here
            body = exc.read()
        assert "scheduler_lease" in json.loads(body)
        assert time.monotonic() - all_open < 1.0
        for sock in idle:
            sock.settimeout(max(0.1, all_open + 11.5 - time.monotonic()))
            try:
                assert sock.recv(1) == b""       # closed by the server (EOF) ...
            except ConnectionResetError:
                pass                             # ... or reset: closed either way
        assert time.monotonic() - all_open < 11.5
    finally:
        for sock in idle:
            sock.close()
        server.stop()
