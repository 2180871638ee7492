"""/metrics counters move as items flow through a real poll; /healthz turns 503 when Redis stops."""
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

from workers.registry import load_config
from newswatch.metrics import Metrics, label_string, render
from tests.e2e.conftest import feed_with_seed
from tests.support.http_server import LocalHTTPServer
from workers.embedded_redis import redis_executable
from workers.polling import poll_once
from workers.runtime import Runtime
from workers.scheduler import SchedulerLease
from workers.status_server import StatusServer

RULE = [{"id": "lavrov", "title": "Lavrov", "severity": "high", "when": {"keywords": ["Lavrov"]}, "notify": ["out"]}]


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def metric(text: str, name: str, **labels) -> float:
    want = f"{name}{{{label_string(labels)}}}" if labels else name
    for line in text.splitlines():
        if line.startswith(want + " "):
            return float(line.split()[-1])
    return 0.0


def runtime(tmp_path, redis_url, key_prefix, feed_url) -> Runtime:
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump(RULE))
    cfg = tmp_path / "newswatch.yaml"
    cfg.write_text(yaml.safe_dump({"key_prefix": key_prefix, "rules": ["rules.yaml"], "max_age": "off",
                                   "classify": {"enabled": False},
                                   "sources": [{"id": "world", "type": "rss", "url": feed_url},
                                               {"id": "broken", "type": "rss", "url": feed_url + ".missing"}],
                                   "channels": [{"id": "out", "type": "stdout"}]}))
    return Runtime(load_config(cfg), redis_url)


def test_label_values_are_escaped():
    assert label_string({"b": 'say "hi"\n', "a": "x\\y"}) == 'a="x\\\\y",b="say \\"hi\\"\\n"'


def test_counters_move_as_items_flow(tmp_path, redis_url, key_prefix, data_dir):
    with LocalHTTPServer() as http:
        http.feed("/world.xml", feed_with_seed(data_dir))
        rt = runtime(tmp_path, redis_url, key_prefix, http.url("/world.xml"))
        server = StatusServer(rt.state, redis_url, ["world", "broken"], ("q.poll", "q.deliver")).start()
        try:
            base = f"http://127.0.0.1:{server.port}"
            before = get(base + "/metrics")[1]
            assert metric(before, "newswatch_items_fetched_total", source_id="world") == 0
            first = poll_once(rt, "world", lambda *a: None, force=True)
            poll_once(rt, "broken", lambda *a: None, force=True)
            status, text = get(base + "/metrics")
            assert status == 200 and "# TYPE newswatch_items_fetched_total counter" in text
            assert metric(text, "newswatch_items_fetched_total", source_id="world") == first.items > 0
            assert metric(text, "newswatch_items_new_total", source_id="world") == first.new
            assert metric(text, "newswatch_rule_matches_total", rule_id="lavrov") >= 1
            assert metric(text, "newswatch_alerts_total", channel="out") == len(first.deliveries) >= 1
            assert metric(text, "newswatch_poll_errors_total", source_id="broken") == 1
            assert metric(text, "newswatch_source_failing", source_id="broken") == 1
            assert metric(text, "newswatch_source_failing", source_id="world") == 0
            assert metric(text, "newswatch_deliveries_open") == len(first.deliveries)
            # the same feed again (forced, a 304): nothing new, the dedup-free counters stay
            poll_once(rt, "world", lambda *a: None, force=True)
            again = get(base + "/metrics")[1]
            assert metric(again, "newswatch_polls_total", source_id="world", outcome="not_modified") == 1
            assert metric(again, "newswatch_items_fetched_total", source_id="world") == first.items
            assert get(base + "/nope")[0] == 404
        finally:
            server.stop()
            rt.close()


def test_render_reads_counters_written_by_another_process(state):
    Metrics(state).count("deliveries", channel="desk", outcome="sent")
    Metrics(state).count("deliveries", 2, channel="desk", outcome="sent")
    assert metric(render(state), "newswatch_deliveries_total", channel="desk", outcome="sent") == 3


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
    server = StatusServer(state, url, ["world"], ("q.poll",)).start()
    try:
        base = f"http://127.0.0.1:{server.port}/healthz"
        code, body = get(base)
        assert code == 503 and json.loads(body)["scheduler_lease"] is False   # no scheduler yet
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
        assert get(f"http://127.0.0.1:{server.port}/metrics")[0] == 503
    finally:
        server.stop()
