"""The daemon end to end: real HTTP feed on loopback, `newswatch run` processes, real Redis, aiosmtpd."""
import signal
import time

from tests.e2e.conftest import SEED_URL, deliveries, email_channel, feed_with_seed, wait_until, write_config
from tests.support.http_server import LocalHTTPServer
from tests.support.smtp_server import LocalSMTPServer


def settings(redis_url, key_prefix, sources, channels, **extra):
    return {"redis_url": redis_url, "key_prefix": key_prefix, "max_age": "48h", "sources": sources,
            "channels": channels, "delivery": {"retry_backoff": "1s", "retry_backoff_max": "2s",
                                               "redeliver_after": "3s"}, **extra}


def test_feed_to_one_email_then_304_then_restart_sends_nothing(tmp_path, procs, redis_url, key_prefix, data_dir):
    with LocalHTTPServer() as http, LocalSMTPServer() as smtp:
        route = http.feed("/world.xml", feed_with_seed(data_dir))
        cfg = write_config(tmp_path, settings(redis_url, key_prefix,
                                              [{"id": "world", "type": "rss", "url": http.url("/world.xml"),
                                                "interval": "2s"}], [email_channel(smtp)]))
        run = procs("run", "-c", str(cfg))
        wait_until(lambda: smtp.messages, 40, "the alert email", procs=[run])
        msg = smtp.messages[0]
        assert msg["Subject"].startswith("[newswatch] Russian official visits a Sahel capital: Russian Foreign Minister")
        body = msg.get_body(("plain",)).get_content()
        assert SEED_URL in body and "Lavrov" in body
        # the next polls are conditional and answered 304
        wait_until(lambda: len(http.requests_for("/world.xml")) >= 3, 30, "two more polls", procs=[run])
        later = http.requests_for("/world.xml")[1:]
        assert all(r.headers.get("if-none-match") == route.etag for r in later)
        assert all(r.headers.get("if-modified-since") for r in later)
        assert run.terminate() == 0
        assert len(smtp.messages) == 1

        # Restart, with the feed changed (new ETag) so every item is parsed again: nothing is re-sent.
        route.body = feed_with_seed(data_dir, name="aljazeera_all__3f9eeff5039a008d.xml") + b"\n"
        route.etag = '"changed"'
        seen_before = len(http.requests_for("/world.xml"))
        again = procs("run", "-c", str(cfg), name="run2")
        wait_until(lambda: "poll_done source_id=world" in again.stderr(), 40, "a full poll after restart",
                   procs=[again])
        assert len(http.requests_for("/world.xml")) > seen_before
        time.sleep(1.0)
        assert again.terminate() == 0
        assert len(smtp.messages) == 1, [m["Subject"] for m in smtp.messages]


def test_worker_killed_during_delivery_sends_exactly_once(tmp_path, procs, redis_url, key_prefix, data_dir, rdb):
    with LocalHTTPServer() as http, LocalSMTPServer(delay_rcpt=60) as smtp:
        http.feed("/world.xml", feed_with_seed(data_dir))
        cfg = write_config(tmp_path, settings(redis_url, key_prefix,
                                              [{"id": "world", "type": "rss", "url": http.url("/world.xml"),
                                                "interval": "1m"}], [email_channel(smtp, timeout="2s")]))
        scheduler = procs("scheduler", "-c", str(cfg))
        worker = procs("worker", "-c", str(cfg))
        assert smtp.rcpt_seen.wait(40), worker.stderr()
        worker.proc.send_signal(signal.SIGKILL)  # mid-send: the SMTP session is waiting in RCPT
        worker.proc.wait(10)
        smtp.delay_rcpt = 0
        assert smtp.messages == []
        (record,) = deliveries(rdb, key_prefix).values()
        assert record["status"] == "sending"
        replacement = procs("worker", "-c", str(cfg), name="worker2")
        wait_until(lambda: smtp.messages, 60, "the alert after the new worker started", procs=[scheduler, replacement])
        time.sleep(4)  # a sweep period or more: nothing else arrives
        assert len(smtp.messages) == 1
        (record,) = deliveries(rdb, key_prefix).values()
        assert record["status"] == "sent" and int(record["attempts"]) == 2


def test_smtp_down_then_back_and_550_not_retried(tmp_path, procs, redis_url, key_prefix, data_dir, rdb):
    with LocalHTTPServer() as http:
        http.feed("/world.xml", feed_with_seed(data_dir))
        probe = LocalSMTPServer().start()  # learn a free port, then take the server down
        port = probe.port
        probe.stop()
        channels = [{**email_channel(probe), "port": port}]
        cfg = write_config(tmp_path, settings(redis_url, key_prefix,
                                              [{"id": "world", "type": "rss", "url": http.url("/world.xml"),
                                                "interval": "1m"}], channels))
        run = procs("run", "-c", str(cfg))
        wait_until(lambda: any(d.get("status") == "retrying" and int(d.get("attempts", 0)) >= 2
                               for d in deliveries(rdb, key_prefix).values()), 40, "retries while SMTP is down",
                   procs=[run])
        (record,) = deliveries(rdb, key_prefix).values()
        assert "Connection refused" in record["last_error"] or "refused" in record["last_error"].lower()
        with LocalSMTPServer(port=port) as smtp:
            wait_until(lambda: smtp.messages, 40, "the alert once SMTP is back", procs=[run])
            wait_until(lambda: list(deliveries(rdb, key_prefix).values())[0]["status"] == "sent", 10, "sent")
            time.sleep(2)
            assert len(smtp.messages) == 1
        assert run.terminate() == 0

    # a 550 is permanent: recorded as failed after one attempt, never retried
    prefix2 = key_prefix + "-550"
    with LocalHTTPServer() as http, LocalSMTPServer(rcpt_reply="550 5.1.1 mailbox unavailable") as smtp:
        http.feed("/world.xml", feed_with_seed(data_dir))
        cfg = write_config(tmp_path, settings(redis_url, prefix2,
                                              [{"id": "world", "type": "rss", "url": http.url("/world.xml"),
                                                "interval": "1m"}], [email_channel(smtp)]))
        run = procs("run", "-c", str(cfg), name="run550")
        wait_until(lambda: any(d.get("status") == "failed" for d in deliveries(rdb, prefix2).values()), 40,
                   "the 550 recorded", procs=[run])
        time.sleep(4)  # longer than retry backoff and redeliver_after
        (record,) = deliveries(rdb, prefix2).values()
        assert record["attempts"] == "1" and "550" in record["last_error"] and record["failure"] == "permanent"
        assert smtp.messages == []
        assert run.terminate() == 0
    for key in rdb.scan_iter(f"{prefix2}:*"):
        rdb.delete(key)
