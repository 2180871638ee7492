"""Chaos: the Redis every process depends on is stopped and started again (same port, persistence on)
while items keep arriving → every alert delivered exactly once, nothing lost."""
import html
import socket
import subprocess
import time
from email.utils import format_datetime
from datetime import datetime, timezone

import pytest
import redis

from tests.e2e.conftest import email_channel, wait_until, write_config
from tests.support.http_server import LocalHTTPServer
from tests.support.smtp_server import LocalSMTPServer
from workers.embedded_redis import redis_executable

CITIES = ["Bamako", "Niamey"]


def stream_feed(shared_data, count: int) -> bytes:
    """`count` distinct reports built from the seed post's sentences (one alert each), newest first."""
    lines = (shared_data / "seed" / "lavrov-bamako-telegram-post.txt").read_text(encoding="utf-8").strip().split("\n")
    now = format_datetime(datetime.now(timezone.utc))
    items = []
    for n in reversed(range(count)):
        url = f"https://example.org/lavrov/{n}"
        items.append(f"<item><title>Report {n}: Lavrov in {CITIES[n % 2]}</title><link>{url}</link>"
                     f"<guid>{url}</guid><pubDate>{now}</pubDate>"
                     f"<description>{html.escape(lines[1 + n % (len(lines) - 2)])}</description></item>")
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>stream</title><link>https://example.org/'
            f'</link><description>d</description>{"".join(items)}</channel></rss>').encode()


class OwnRedis:
    def __init__(self, tmp_path):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.dir = tmp_path / "redis-data"
        self.dir.mkdir()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc = None

    def start(self) -> "OwnRedis":
        self.proc = subprocess.Popen([redis_executable(), "--port", str(self.port), "--bind", "127.0.0.1",
                                      "--dir", str(self.dir), "--appendonly", "yes", "--appendfsync", "always",
                                      "--save", ""], stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis.from_url(self.url).ping()
                return self
            except redis.ConnectionError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(20)


@pytest.fixture
def own_redis(tmp_path):
    server = OwnRedis(tmp_path).start()
    yield server
    if server.proc.poll() is None:
        server.proc.kill()
        server.proc.wait(5)


def test_redis_restarted_mid_stream_every_alert_once(tmp_path, procs, own_redis, key_prefix, shared_data):
    total = 12
    with LocalHTTPServer() as http, LocalSMTPServer() as smtp:
        feed = http.feed("/stream.xml", stream_feed(shared_data, 1))
        cfg = write_config(tmp_path, {
            "redis_url": own_redis.url, "key_prefix": key_prefix, "max_age": "off",
            "classify": {"enabled": False}, "stories": {"enabled": False},
            "sources": [{"id": "stream", "type": "rss", "url": http.url("/stream.xml"), "interval": "1s"}],
            "channels": [email_channel(smtp)],
            "delivery": {"retry_backoff": "1s", "retry_backoff_max": "2s", "redeliver_after": "3s"},
            "worker": {"backoff_max": "2s"}})
        run = procs("run", "-c", str(cfg))
        published = 1
        wait_until(lambda: len(smtp.messages) >= 1, 60, "the first alert", procs=[run])
        for n in range(2, total + 1):
            feed.body, feed.etag = stream_feed(shared_data, n), f'"v{n}"'
            published = n
            if n == total // 2:
                wait_until(lambda: len(smtp.messages) >= n - 1, 30, "the alerts so far", procs=[run])
                own_redis.stop()                       # Redis goes away mid-stream ...
                time.sleep(4)                          # ... polls fail, the feed grows meanwhile
                feed.body, feed.etag = stream_feed(shared_data, n + 1), f'"v{n}b"'
                own_redis.start()                      # ... and comes back with its data (AOF)
            time.sleep(0.7)
        wait_until(lambda: len(smtp.messages) >= published, 120, f"all {published} alerts", procs=[run])
        time.sleep(5)                                  # longer than redeliver_after: nothing more arrives
        subjects = [m["Subject"] for m in smtp.messages]
        assert len(subjects) == total, subjects
        assert len(set(subjects)) == total
        for n in range(total):
            assert sum(f"Report {n}:" in s for s in subjects) == 1
        assert run.terminate() == 0
        log = run.stderr()
        assert "enqueue_failed source_id=stream" in log and "Connection to broker lost" in log  # it really was down
