"""newswatch/logs.py: fields() keeps its text and carries its values; the text and JSON formats."""
import json
import logging
import re

from newswatch.logs import JsonFormatter, TextFormatter, fields

TS = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00"


def record(msg, level=logging.INFO, exc_info=None, name="workers.polling", args=()):
    return logging.LogRecord(name, level, __file__, 1, msg, args, exc_info)


def test_fields_is_the_key_value_text_and_carries_the_values():
    line = fields("poll_done", source_id="world", items=3, why="two words", skipped=None, ids=["a", "b"])
    assert line == 'poll_done source_id=world items=3 why="two words" ids=a,b'
    assert line.event == "poll_done" and line.values == {"source_id": "world", "items": 3, "why": "two words",
                                                         "ids": ["a", "b"]}


def test_text_format_has_a_utc_timestamp_with_its_offset():
    out = TextFormatter().format(record(fields("poll_done", source_id="world")))
    assert re.fullmatch(TS + r" INFO workers\.polling poll_done source_id=world", out), out


def test_json_format_one_object_fields_as_keys_exception_as_text():
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        import sys
        exc = sys.exc_info()
    out = JsonFormatter().format(record(fields("delivery_failed", alert_id="a1", attempt=2, level="x"),
                                        level=logging.ERROR, exc_info=exc))
    assert "\n" not in out
    obj = json.loads(out)
    assert re.fullmatch(TS, obj.pop("ts"))
    assert obj.pop("exc_info").endswith("RuntimeError: boom")
    assert obj == {"level": "ERROR", "logger": "workers.polling", "event": "delivery_failed", "alert_id": "a1",
                   "attempt": 2, "field_level": "x"}   # a field never overwrites ts, level, logger, event


def test_json_format_of_other_libraries_records():
    obj = json.loads(JsonFormatter().format(record("Connection to %s lost", args=("redis",), name="celery")))
    assert (obj["event"], obj["logger"]) == ("Connection to redis lost", "celery")


def test_email_notifier_fields_show_in_both_formats(caplog):
    from alerts.notifiers.email.notifier import EmailNotifier
    with caplog.at_level(logging.WARNING, logger="alerts.notifiers.email.notifier"):
        EmailNotifier("mail", host="smtp.example.org", port=25, security="none", username="u", password="p",
                      from_addr="a@example.org", to=["b@example.org"])
    (rec,) = [r for r in caplog.records if r.name == "alerts.notifiers.email.notifier"]
    text = TextFormatter().format(rec)
    assert "email_credentials_without_tls channel_id=mail smtp_server=smtp.example.org:25" in text
    obj = json.loads(JsonFormatter().format(rec))
    assert obj["event"] == "email_credentials_without_tls" and obj["channel_id"] == "mail"
    assert obj["smtp_server"] == "smtp.example.org:25"
