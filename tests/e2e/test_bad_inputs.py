"""Each bad input marks its source unhealthy with a clear reason; the other sources' alerts still arrive."""
import gzip

from tests.e2e.conftest import email_channel, feed_with_seed, write_config
from tests.support.http_server import LocalHTTPServer, Response
from tests.support.smtp_server import LocalSMTPServer


def test_bad_sources_recorded_and_good_source_alerts(tmp_path, procs, redis_url, key_prefix, data_dir, rdb):
    good = feed_with_seed(data_dir)
    with LocalHTTPServer() as http, LocalSMTPServer() as smtp:
        http.feed("/good.xml", good)
        http.route("/broken.xml", Response(body=good[: len(good) // 3], headers={"Content-Type": "application/rss+xml"}))
        http.route("/page.html", Response(body=b"<!DOCTYPE html><html><head><title>Home</title></head>"
                                               b"<body><p>Welcome</p></body></html>",
                                          headers={"Content-Type": "text/html"}))
        http.route("/error.xml", Response(status=500, body=b"oops"))
        http.route("/slow.xml", Response(body=good, delay=5))
        http.route("/huge.xml", Response(body=good * 80, headers={"Content-Type": "application/rss+xml"}))
        http.route("/bomb.xml", Response(body=gzip.compress(b" " * 5_000_000), headers={"Content-Encoding": "gzip"}))
        http.route("/limited.xml", Response(status=429, headers={"Retry-After": "120"}))
        sources = [{"id": name, "type": "rss", "url": http.url(f"/{name}.xml" if name != "page" else "/page.html"),
                    "interval": "1m"} for name in ("broken", "page", "error", "slow", "huge", "bomb", "limited", "good")]
        cfg = write_config(tmp_path, {"redis_url": redis_url, "key_prefix": key_prefix, "sources": sources,
                                      "http": {"timeout": "1s", "max_bytes": "1MB"},
                                      "channels": [email_channel(smtp)]})
        run = procs("run", "-c", str(cfg), "--once", "--timeout", "60s")
        assert run.proc.wait(90) == 0, run.stderr()
        assert len(smtp.messages) == 1 and "Lavrov" in smtp.messages[0]["Subject"]

    def health(source_id):
        return rdb.hgetall(f"{key_prefix}:health:{source_id}")

    expected = {"broken": "feed", "page": "HTML", "error": "500", "slow": "timed out", "huge": "larger than",
                "bomb": "larger than", "limited": "429"}
    for source_id, words in expected.items():
        h = health(source_id)
        assert h["status"] == "failing", (source_id, h)
        assert words.lower() in h["last_error"].lower(), (source_id, h["last_error"])
        assert h["consecutive_failures"] == "1"
    assert float(health("limited")["retry_after"]) == 120
    assert float(health("limited")["next_poll_at"]) - float(health("limited")["last_error_at"]) >= 120
    assert health("good")["status"] == "ok"
    assert "poll_failed source_id=page" in run.stderr()
