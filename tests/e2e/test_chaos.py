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


def stream_feed(data_dir, count: int) -> bytes:
    """`count` distinct reports built from the seed post's sentences (one alert each), newest first."""
    lines = (data_dir / "seed" / "lavrov-bamako-telegram-post.txt").read_text(encoding="utf-8").strip().split("\n")
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


def test_redis_restarted_mid_stream_every_alert_once(tmp_path, procs, own_redis, key_prefix, data_dir):
    total = 12
    with LocalHTTPServer() as http, LocalSMTPServer() as smtp:
        feed = http.feed("/stream.xml", stream_feed(data_dir, 1))
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
            feed.body, feed.etag = stream_feed(data_dir, n), f'"v{n}"'
            published = n
            if n == total // 2:
                wait_until(lambda: len(smtp.messages) >= n - 1, 30, "the alerts so far", procs=[run])
                own_redis.stop()                       # Redis goes away mid-stream ...
                time.sleep(4)                          # ... polls fail, the feed grows meanwhile
                feed.body, feed.etag = stream_feed(data_dir, n + 1), f'"v{n}b"'
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


def dump_key(rdb, key: str):
    """Any Redis value as JSON-able data (the whole state is grepped for secrets)."""
    kind = rdb.type(key)
    return {"hash": rdb.hgetall, "list": lambda k: rdb.lrange(k, 0, -1), "string": rdb.get,
            "set": lambda k: sorted(rdb.smembers(k)), "zset": lambda k: rdb.zrange(k, 0, -1)}.get(
        kind, lambda k: kind)(key)


BOT_TOKEN = "7654321098:AAF-canaryBotTokenSecret_0123456789ab"
SMTP_PASSWORD = "canary-smtp-pa55word"


def test_chat_apis_throttle_and_fail_then_each_gets_one_message_and_no_secret_leaks(
        tmp_path, procs, redis_url, key_prefix, data_dir, rdb):
    """Telegram answers 429 (retry after 2 s) then 200; Slack answers 500 three times then 200; the
    SMTP server is down. Exactly one message per chat channel, and the bot token, the Slack webhook
    URL and the SMTP password appear nowhere: logs, errors, delivery records and log, alerts, /metrics."""
    import json as json_module
    import socket as socket_module
    import urllib.request

    from tests.e2e.conftest import feed_with_seed
    from tests.support.chat_apis import SlackWebhook, TelegramBotAPI

    with socket_module.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    with socket_module.socket() as s:
        s.bind(("127.0.0.1", 0))
        status_port = s.getsockname()[1]
    with LocalHTTPServer() as http, TelegramBotAPI(BOT_TOKEN) as tg, SlackWebhook() as slack:
        http.feed("/world.xml", feed_with_seed(data_dir))
        tg.script(TelegramBotAPI.too_many_requests(2))
        slack.script(*[SlackWebhook.error(500, "internal_error")] * 3)
        rules = [{"id": "lavrov-bamako", "title": "Russian official visits a Sahel capital", "severity": "high",
                  "when": {"all": [{"keywords": ["Lavrov"]}, {"keywords": ["Bamako"]}]},
                  "notify": ["desk-tg", "desk-slack", "desk-email"]}]
        cfg = write_config(tmp_path, {
            "redis_url": redis_url, "key_prefix": key_prefix, "classify": {"enabled": False},
            "status": {"port": status_port},
            "sources": [{"id": "world", "type": "rss", "url": http.url("/world.xml"), "interval": "1m"}],
            "channels": [
                {"id": "desk-tg", "type": "telegram", "bot_token": "${TG_TOKEN}", "chat_id": -1001234567890,
                 "api_url": tg.base_url, "timeout": "5s"},
                {"id": "desk-slack", "type": "slack", "webhook_url": "${SLACK_URL}", "timeout": "5s"},
                {"id": "desk-email", "type": "email", "host": "127.0.0.1", "port": closed_port, "security": "none",
                 "username": "alerts", "password": "${SMTP_PW}", "from": "a@newswatch.test",
                 "to": ["desk@newswatch.test"], "timeout": "2s"}],
            "delivery": {"retry_backoff": "1s", "retry_backoff_max": "2s", "redeliver_after": "4s"}}, rules)
        env = {"TG_TOKEN": BOT_TOKEN, "SLACK_URL": slack.url(), "SMTP_PW": SMTP_PASSWORD}
        run = procs("run", "-c", str(cfg), "--log-level", "debug", env=env)
        wait_until(lambda: tg.accepted and slack.accepted, 60, "one message in each chat", procs=[run])
        time.sleep(6)                                    # longer than redeliver_after: no second message
        assert len(tg.accepted) == 1 and len(slack.accepted) == 1
        assert len(tg.requests) == 2 and len(slack.requests) == 4        # 429 + 200; 500 ×3 + 200
        assert "Lavrov" in tg.accepted[0]["text"]
        with urllib.request.urlopen(f"http://127.0.0.1:{status_port}/metrics", timeout=5) as resp:
            metrics = resp.read().decode()
        from tests.workers.test_status_server import metric   # the worker child's counts, merged by `run`
        assert metric(metrics, "newswatch_deliveries_total", channel="desk-slack", outcome="retry") == 3
        assert metric(metrics, "newswatch_deliveries_total", channel="desk-tg", outcome="sent") == 1
        records = {k: dump_key(rdb, k) for k in rdb.scan_iter(f"{key_prefix}:*") if ":celery:" not in k}
        assert any("desk-email" in k and "refused" in json_module.dumps(v).lower() for k, v in records.items())
        assert run.terminate() == 0
        everything = "\n".join([run.stderr(), run.stdout(), metrics, json_module.dumps(records)])
        for secret in (BOT_TOKEN, BOT_TOKEN.split(":")[1], slack.url(), SlackWebhook.path, SMTP_PASSWORD):
            assert secret not in everything, f"a secret leaked: {secret[:6]}…"


def test_smtp_down_for_two_minutes_then_exactly_one_email(tmp_path, procs, redis_url, key_prefix, data_dir, rdb):
    from tests.e2e.conftest import deliveries, feed_with_seed
    probe = LocalSMTPServer().start()                    # learn a free port, then take the server down
    port = probe.port
    probe.stop()
    with LocalHTTPServer() as http:
        http.feed("/world.xml", feed_with_seed(data_dir))
        cfg = write_config(tmp_path, {
            "redis_url": redis_url, "key_prefix": key_prefix, "classify": {"enabled": False},
            "sources": [{"id": "world", "type": "rss", "url": http.url("/world.xml"), "interval": "1m"}],
            "channels": [{"id": "desk-email", "type": "email", "host": "127.0.0.1", "port": port,
                          "security": "none", "from": "a@newswatch.test", "to": ["desk@newswatch.test"],
                          "timeout": "2s"}],
            "delivery": {"retry_backoff": "2s", "retry_backoff_max": "10s", "redeliver_after": "15s",
                         "max_retries": 100}})
        run = procs("run", "-c", str(cfg))
        down_until = time.monotonic() + 120
        wait_until(lambda: any(d.get("status") == "retrying" for d in deliveries(rdb, key_prefix).values()), 40,
                   "the first failed attempt", procs=[run])
        time.sleep(max(0.0, down_until - time.monotonic()))
        (record,) = deliveries(rdb, key_prefix).values()
        assert record["status"] == "retrying" and int(record["attempts"]) >= 8   # kept trying all along
        with LocalSMTPServer(port=port) as smtp:
            wait_until(lambda: smtp.messages, 30, "the alert once SMTP is back", procs=[run])
            time.sleep(16)                               # past redeliver_after: nothing else arrives
            assert len(smtp.messages) == 1
        (record,) = deliveries(rdb, key_prefix).values()
        assert record["status"] == "sent"
        assert run.terminate() == 0
