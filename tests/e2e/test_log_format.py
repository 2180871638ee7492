"""`--log-format json`: every stderr line of `newswatch run --once` (the parent, its worker child,
Celery) is one JSON object with ts, level, logger, event and each field as its own key."""
import json
import re

from tests.e2e.conftest import email_channel, feed_with_seed, write_config
from tests.support.smtp_server import LocalSMTPServer

TS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$")


def test_run_once_logs_one_json_object_per_line(tmp_path, procs, redis_url, key_prefix, data_dir):
    (tmp_path / "feed.xml").write_bytes(feed_with_seed(data_dir))
    with LocalSMTPServer() as smtp:
        cfg = write_config(tmp_path, {"redis_url": redis_url, "key_prefix": key_prefix, "max_age": "48h",
                                      "sources": [{"id": "world", "type": "rss", "path": "feed.xml"}],
                                      "channels": [email_channel(smtp)]})
        run = procs("--log-format", "json", "run", "--once", "-c", str(cfg), "--timeout", "60s")
        assert run.proc.wait(120) == 0, run.stderr()
        assert len(smtp.messages) == 1
    lines = [line for line in run.stderr().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]          # every line, or this fails naming it
    for record in records:
        assert list(record)[:4] == ["ts", "level", "logger", "event"], record
        assert TS.match(record["ts"]), record["ts"]
    by_event = {r["event"]: r for r in records}
    # the parent ...
    started = by_event["worker_started"]
    assert started["logger"] == "workers.daemon" and isinstance(started["pid"], int)
    assert by_event["run_done"]["alerts_sent"] == 1
    # ... and the worker child, in the same format, fields as keys (the email notifier's included)
    assert by_event["poll_done"]["source_id"] == "world" and by_event["poll_done"]["logger"] == "workers.polling"
    sent = by_event["email_sent"]
    assert sent["logger"] == "alerts.notifiers.email.notifier" and sent["channel_id"] == "desk-email"
    assert sent["smtp_server"] == f"127.0.0.1:{smtp.port}" and sent["alert_id"]


def test_config_log_format_reaches_the_worker_child(tmp_path, procs, redis_url, key_prefix, data_dir):
    """`log_format: json` in the config, no option: the child logs JSON too; --log-format text wins over it."""
    (tmp_path / "feed.xml").write_bytes(feed_with_seed(data_dir))
    cfg = write_config(tmp_path, {"redis_url": redis_url, "key_prefix": key_prefix, "log_format": "json",
                                  "sources": [{"id": "world", "type": "rss", "path": "feed.xml"}],
                                  "channels": [{"id": "desk-email", "type": "stdout"}]})
    run = procs("run", "--once", "-c", str(cfg), "--timeout", "60s")
    assert run.proc.wait(120) == 0, run.stderr()
    events = [json.loads(line)["event"] for line in run.stderr().splitlines() if line.strip()]
    assert "poll_done" in events and "run_done" in events
    text = procs("run", "--once", "-c", str(cfg), "--log-format", "text", name="text")
    assert text.proc.wait(120) == 0, text.stderr()
    lines = [line for line in text.stderr().splitlines() if line.strip()]
    assert lines and all(re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00 [A-Z]+ [\w.]+ \w+", line)
                         for line in lines), lines
    assert any(" workers.polling poll_" in line for line in lines)
