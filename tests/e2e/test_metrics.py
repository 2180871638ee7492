"""Summing the /metrics of a scheduler and two workers (real processes, real Redis) counts each poll
and each delivery once: every process exports what it did itself, and the deployment's gauges come
from the lease holder alone."""
import socket
import urllib.request
from collections import Counter
from datetime import datetime, timezone
from email.utils import format_datetime

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.conftest import deliveries, wait_until, write_config
from tests.support.chat_apis import WebhookReceiver
from tests.support.http_server import LocalHTTPServer

pytestmark = pytest.mark.e2e

N = 5
RULE = [{"id": "lavrov", "title": "Lavrov travels", "severity": "high", "when": {"keywords": ["Lavrov"]},
         "notify": ["hook"]}]
TOWNS = ["Bamako", "Niamey", "Ouagadougou", "Nouakchott", "N'Djamena", "Dakar", "Conakry"]


def feed(n: int) -> bytes:
    now = format_datetime(datetime.now(timezone.utc))
    items = "".join(
        f"<item><title>Lavrov lands in {TOWNS[i]} for talks number {i}</title>"
        f"<link>https://news.example/lavrov-{i}</link><guid>https://news.example/lavrov-{i}</guid>"
        f"<pubDate>{now}</pubDate><description>Visit {i} to {TOWNS[i]}, agenda item {i * 7}.</description></item>"
        for i in range(n))
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>World</title>'
            f"<link>https://news.example/</link><description>w</description>{items}</channel></rss>").encode()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def scrape(port: int) -> dict[tuple[str, frozenset], float]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as resp:
        text = resp.read().decode()
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def total(targets: list[dict], name: str, **labels) -> float:
    """Prometheus's `sum(name{labels})` over the targets: every series of that name whose labels include these."""
    want = set(labels.items())
    return sum(v for t in targets for (n, ls), v in t.items() if n == name and want <= ls)


def test_summed_targets_count_each_poll_and_delivery_once(tmp_path, procs, redis_url, key_prefix, rdb):
    with LocalHTTPServer() as http, WebhookReceiver() as sink:
        http.feed("/world.xml", feed(N))
        cfg = write_config(tmp_path, {
            "redis_url": redis_url, "key_prefix": key_prefix, "max_age": "off", "classify": {"enabled": False},
            "stories": {"enabled": False},
            "sources": [{"id": "world", "type": "rss", "url": http.url("/world.xml"), "interval": "1s"}],
            "channels": [{"id": "hook", "type": "webhook", "url": sink.url(), "timeout": "5s"}],
            "delivery": {"retry_backoff": "1s", "retry_backoff_max": "2s", "redeliver_after": "5s"}}, RULE)
        ports = {"scheduler": free_port(), "worker1": free_port(), "worker2": free_port()}
        running = [procs("scheduler", "-c", str(cfg), "--status-port", str(ports["scheduler"])),
                   procs("worker", "-c", str(cfg), "--status-port", str(ports["worker1"]), "--concurrency", "2",
                         name="worker1"),
                   procs("worker", "-c", str(cfg), "--status-port", str(ports["worker2"]), "--concurrency", "2",
                         name="worker2")]
        wait_until(lambda: len(sink.accepted) >= N, 60, f"{N} webhook messages", procs=running)
        wait_until(lambda: len(http.requests_for("/world.xml")) >= 4, 30, "a few polls (304s)", procs=running)
        wait_until(lambda: all(d.get("status") == "sent" for d in deliveries(rdb, key_prefix).values()), 20,
                   "every delivery recorded sent", procs=running)

        def consistent():
            """A moment when no poll is in flight: the feed's request count, unchanged across the scrape,
            equals the polls summed over the three targets (a poll counts itself after its request)."""
            before = len(http.requests_for("/world.xml"))
            targets = [scrape(port) for port in ports.values()]
            after = len(http.requests_for("/world.xml"))
            return targets if before == after == total(targets, "newswatch_polls_total") else None

        targets = wait_until(consistent, 30, "polls summed over the targets == the feed's requests", interval=0.05,
                             procs=running)
        scheduler, worker1, worker2 = targets
        polls = total(targets, "newswatch_polls_total")
        assert polls >= 4
        assert total(targets, "newswatch_polls_total", outcome="ok") == 1                  # then 304s
        assert total(targets, "newswatch_polls_total", outcome="not_modified") == polls - 1
        assert total([scheduler], "newswatch_polls_total") == 0        # the scheduler enqueues, never polls
        # one poll duration per poll
        assert total(targets, "newswatch_poll_duration_seconds_count", source_id="world") == polls
        assert total(targets, "newswatch_poll_duration_seconds_bucket", source_id="world", le="+Inf") == polls

        # deliveries: each message the sink received counted once, its latency observed once
        assert len(sink.accepted) == N
        assert total(targets, "newswatch_deliveries_total", channel="hook", outcome="sent") == N
        assert total(targets, "newswatch_delivery_latency_seconds_count", channel="hook") == N
        assert total(targets, "newswatch_alerts_total", channel="hook") == N
        assert total(targets, "newswatch_items_new_total", source_id="world") == N
        assert total(targets, "newswatch_item_alert_latency_seconds_count") == N
        assert 0 < total(targets, "newswatch_item_alert_latency_seconds_sum") < 30 * N

        # the deployment's gauges: from the lease holder only, so their sum is the deployment's value
        assert total(targets, "newswatch_scheduler_lease_held") == 1
        assert total(targets, "newswatch_deliveries_open") == 0
        assert ("newswatch_deliveries_open", frozenset()) in scheduler
        for worker in (worker1, worker2):
            assert not any(name in ("newswatch_deliveries_open", "newswatch_queue_depth", "newswatch_source_failing",
                                    "newswatch_scheduler_lease_held") for name, _ in worker)
        per_worker = Counter({i: total([w], "newswatch_polls_total") + total([w], "newswatch_deliveries_total")
                              for i, w in enumerate((worker1, worker2))})
        print(f"work per worker (polls + deliveries): {dict(per_worker)}")

        for p in running:
            assert p.terminate() == 0, p.stderr()[-3000:]
