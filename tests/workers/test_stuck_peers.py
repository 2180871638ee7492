"""Peers that accept and then trickle (a status line, then one header byte every 0.5 s, never the end of
the headers) cost one poll or one delivery attempt at most its `timeout`, and say so: a feed and a t.me
page record a timeout in source health; a webhook or Apprise attempt is a temporary failure, retried."""
from __future__ import annotations

import threading
import time

import pytest
import yaml

from alerts.delivery import DeliveryStatus, deliver_once
from tests.e2e.conftest import feed_with_seed
from tests.support.http_server import LocalHTTPServer
from tests.support.slow_peer import TricklingPeer
from workers.polling import PollStatus, poll_once
from workers.registry import load_config
from workers.runtime import Runtime

RULE = [{"id": "lavrov", "title": "Lavrov", "severity": "high", "when": {"keywords": ["Lavrov"]}, "notify": ["out"]}]


@pytest.fixture
def peer():
    with TricklingPeer(first=b"HTTP/1.1 200 OK\r\n", drip=b"X", every=0.5) as trickling:
        yield trickling


def runtime(tmp_path, redis_url, key_prefix, sources, channel) -> Runtime:
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump(RULE))
    cfg = tmp_path / "newswatch.yaml"
    cfg.write_text(yaml.safe_dump({"key_prefix": key_prefix, "rules": ["rules.yaml"], "max_age": "off",
                                   "classify": {"enabled": False}, "sources": sources,
                                   "channels": [{"id": "out", **channel}]}))
    return Runtime(load_config(cfg), redis_url)


def bounded(call, limit: float):
    """`call()` in a thread: (its result, seconds taken), or a test failure if it still runs after `limit`."""
    box: dict = {}

    def run():
        try:
            box["result"] = call()
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            box["error"] = exc

    started = time.monotonic()
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(limit)
    elapsed = time.monotonic() - started
    assert not thread.is_alive(), f"still held by the trickling peer after {elapsed:.1f}s"
    if "error" in box:
        raise box["error"]
    return box["result"], elapsed


@pytest.mark.parametrize("kind", ["rss", "telegram-web"])
def test_a_source_with_timeout_2s_gives_up_within_3s_and_records_it(tmp_path, redis_url, key_prefix, peer, kind):
    source = ({"id": "slow", "type": "rss", "url": peer.url("/feed.xml"), "timeout": "2s"} if kind == "rss" else
              {"id": "slow", "type": "telegram", "channel": "@slow_channel", "base_url": peer.url().rstrip("/"),
               "timeout": "2s"})
    rt = runtime(tmp_path, redis_url, key_prefix, [source], {"type": "stdout"})
    try:
        report, elapsed = bounded(lambda: poll_once(rt, "slow", lambda *a: None, force=True), 15)
        assert report.status == PollStatus.FAILED and "timed out after 2" in report.reason
        assert 1.9 <= elapsed < 3.0
        health = rt.state.health("slow")
        assert health["status"] == "failing" and "timed out" in health["last_error"]
        assert peer.accepted == 1
    finally:
        rt.close()


@pytest.mark.parametrize("channel", ["webhook", "apprise"])
def test_a_channel_with_timeout_2s_fails_the_attempt_within_3s_and_retries(tmp_path, redis_url, key_prefix,
                                                                           data_dir, peer, channel):
    target = ({"type": "webhook", "url": peer.url("/hook"), "timeout": "2s"} if channel == "webhook" else
              {"type": "apprise", "url": f"json://127.0.0.1:{peer.port}/hook", "timeout": "2s"})
    with LocalHTTPServer() as http:
        http.feed("/world.xml", feed_with_seed(data_dir))
        rt = runtime(tmp_path, redis_url, key_prefix, [{"id": "world", "type": "rss", "url": http.url("/world.xml")}],
                     target)
        try:
            (alert_id, channel_id), = poll_once(rt, "world", lambda *a: None, force=True).deliveries
            outcome, elapsed = bounded(lambda: deliver_once(rt, alert_id, channel_id), 15)
            assert outcome.status == DeliveryStatus.RETRY and outcome.retry_in > 0
            assert elapsed < 3.0
            record = rt.alerts.delivery(alert_id, channel_id)
            assert record["status"] == "retrying" and "timed out" in record["last_error"]
            # and nothing is left behind holding the peer: the connection is gone too (Apprise's own
            # time limit only stops waiting; its thread went on reading the trickle)
            give_up = time.monotonic() + 1.5
            while peer.open_connections() and time.monotonic() < give_up:
                time.sleep(0.05)
            assert peer.open_connections() == 0 and len(peer.closed_by_client) == 1
            assert peer.closed_by_client[0] < 3.0
        finally:
            rt.close()
