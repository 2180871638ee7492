"""Tokens in configured URLs (`?token=` of a webhook, `?apikey=` of a feed) never leave the process: not in
its logs at debug level, not in Redis, not in `newswatch alerts`, even when a server echoes the URL back."""
import json

from tests.e2e.conftest import Proc, feed_with_seed, write_config
from tests.support.http_server import LocalHTTPServer, Response

HOOK_TOKEN = "hookToken-SECRET-4417"
FEED_KEY = "feedApiKey-SECRET-9931"


def redis_dump(rdb, prefix: str) -> str:
    """Every key of the prefix with its whole value, whatever its type."""
    out = []
    for key in rdb.scan_iter(f"{prefix}:*", count=1000):
        kind = rdb.type(key)
        value = {"string": lambda: rdb.get(key), "hash": lambda: rdb.hgetall(key),
                 "list": lambda: rdb.lrange(key, 0, -1), "set": lambda: rdb.smembers(key),
                 "zset": lambda: rdb.zrange(key, 0, -1, withscores=True),
                 "stream": lambda: rdb.xrange(key)}.get(kind, lambda: kind)()
        out.append(f"{key} {value}")
    return "\n".join(out)


def test_url_tokens_never_in_logs_redis_or_the_alert_log(tmp_path, procs, redis_url, key_prefix, data_dir, rdb):
    with LocalHTTPServer() as http:
        hook_url = http.url("/hook") + f"?token={HOOK_TOKEN}"
        feed_url = http.url("/feed.xml") + f"?apikey={FEED_KEY}"
        http.feed("/good.xml", feed_with_seed(data_dir))
        http.route("/feed.xml", Response(status=500, body=f"upstream failed for {feed_url}".encode()))
        http.route("/hook", Response(status=500, body=json.dumps({"error": "rejected", "url": hook_url}).encode(),
                                     headers={"Content-Type": "application/json"}))
        rule = [{"id": "lavrov-bamako", "title": "Lavrov in Bamako", "severity": "high",
                 "when": {"all": [{"keywords": ["Lavrov"]}, {"keywords": ["Bamako"]}]}, "notify": ["siem"]}]
        cfg = write_config(tmp_path, {
            "redis_url": redis_url, "key_prefix": key_prefix, "classify": {"enabled": False},
            "delivery": {"max_retries": 0},
            "sources": [{"id": "good", "type": "rss", "url": http.url("/good.xml")},
                        {"id": "keyed", "type": "rss", "url": feed_url}],
            "channels": [{"id": "siem", "type": "webhook", "url": hook_url, "timeout": "3s"}]}, rule)
        run = procs("--log-level", "debug", "run", "-c", str(cfg), "--once", "--timeout", "60s", name="run")
        assert run.proc.wait(120) == 1, run.stderr()[-3000:]         # the delivery failed: exit 1
        assert len(http.requests_for("/hook")) == 1 and http.requests_for("/feed.xml")
    log = run.stderr()
    alerts = Proc(tmp_path, "alerts", "-c", str(cfg), "--format", "json", name="alerts")
    assert alerts.proc.wait(60) == 0, alerts.stderr()
    shown = alerts.stdout() + alerts.stderr()
    stored = redis_dump(rdb, key_prefix)
    for secret in (HOOK_TOKEN, FEED_KEY):
        assert secret not in log, [line for line in log.splitlines() if secret in line][:3]
        assert secret not in stored, [line for line in stored.splitlines() if secret in line][:3]
        assert secret not in shown
    assert "answered 500" in log and "fetch_failed" in log and "apikey=***" in log    # said, without the value
    assert "answered 500" in shown and "answered 500" in stored and "HTTP 500" in stored
