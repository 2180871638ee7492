"""StdoutNotifier: one JSON line per alert."""
from __future__ import annotations

import io
import json

import pytest

from newswatch.model.alert import Alert, Evidence
from alerts.notifiers.base import DeliveryError
from alerts.notifiers.stdout.notifier import StdoutNotifier

KEYS = {"channel", "alert_id", "rule", "rule_title", "severity", "item_id", "source", "title", "url",
        "published", "evidence", "explanation", "story_id", "countries", "regions", "topics", "reported_by", "digest_of"}


def make_alert(**overrides) -> Alert:
    fields = dict(
        id="a1b2c3", rule_id="ru-sahel-visit", rule_title="Russian official visits Sahel", severity="high",
        item_id="item-42", source_id="reuters-africa", title="Lavrov lands in Bamako",
        url="https://example.com/news/42", published="2024-05-01T10:00:00+00:00", summary="…",
        evidence=[Evidence(clause="when.all[0].keywords", kind="keywords", matched="Lavrov", field="title",
                           start=0, end=6, entry="lavrov")],
    )
    fields.update(overrides)
    return Alert(**fields)


def test_writes_one_json_line_to_sys_stdout(capsys):
    StdoutNotifier("console").send(make_alert())   # sys.stdout looked up at send time
    out = capsys.readouterr().out
    assert out.endswith("\n") and out.count("\n") == 1
    record = json.loads(out)
    assert set(record) == KEYS
    assert record["channel"] == "console" and record["alert_id"] == "a1b2c3"
    assert record["rule"] == "ru-sahel-visit" and record["rule_title"] == "Russian official visits Sahel"
    assert record["severity"] == "high" and record["item_id"] == "item-42" and record["source"] == "reuters-africa"
    assert record["title"] == "Lavrov lands in Bamako" and record["url"] == "https://example.com/news/42"
    assert record["published"] == "2024-05-01T10:00:00+00:00"
    assert record["evidence"] == [{"clause": "when.all[0].keywords", "kind": "keywords", "matched": "Lavrov",
                                   "field": "title", "start": 0, "end": 6, "entry": "lavrov", "sentence": None,
                                   "detail": ""}]
    assert record["explanation"] == "keywords: Lavrov"


class RecordingStream(io.StringIO):
    flushes = 0

    def flush(self):
        self.flushes += 1
        super().flush()


def test_one_line_per_alert_and_flush_each():
    stream = RecordingStream()
    notifier = StdoutNotifier("console", stream=stream)
    notifier.send(make_alert(id="one", url=None, published=None))
    notifier.send(make_alert(id="two", title="line\nbreak\u2028sep\x85nel «ok»"))
    lines = stream.getvalue().splitlines()   # splitlines also splits on U+2028 and NEL
    assert len(lines) == 2 and stream.flushes == 2
    first, second = map(json.loads, lines)
    assert first["alert_id"] == "one" and first["url"] is None and first["published"] is None
    assert second["title"] == "line\nbreak\u2028sep\x85nel «ok»"
    assert "«ok»" in lines[1]   # readable UTF-8, not \u escapes, when the stream allows it


def test_ascii_only_stream_gets_escaped_json():
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="ascii")
    StdoutNotifier("console", stream=stream).send(make_alert(title="Лавров в Бамако"))
    line = raw.getvalue().decode("ascii")
    assert line.count("\n") == 1 and json.loads(line)["title"] == "Лавров в Бамако"


class BrokenPipeStream(io.StringIO):
    def write(self, text):
        raise BrokenPipeError(32, "Broken pipe")


@pytest.mark.parametrize("stream", [BrokenPipeStream(), io.StringIO()])
def test_write_errors_are_temporary(stream):
    if not isinstance(stream, BrokenPipeStream):
        stream.close()
    with pytest.raises(DeliveryError) as caught:
        StdoutNotifier("console", stream=stream).send(make_alert())
    assert caught.value.permanent is False and "console" in caught.value.reason
