"""Stdout notifier: one JSON object per line per alert, for pipes, demos and tests.

The stream defaults to `sys.stdout`, looked up at send time (so pytest's
capsys and a redirected stdout both work). A broken pipe or any other write
error is temporary: the reader may come back (a restarted log shipper).
"""
from __future__ import annotations

import json
import sys
from typing import Any, TextIO

from alerts.notifiers.stdout.config import StdoutChannelConfig
from newswatch.model.alert import Alert
from alerts.notifiers.base import DeliveryError
from alerts.notifiers.record import alert_record

# Characters json.dumps leaves raw with ensure_ascii=False but that some line
# readers (str.splitlines, JavaScript) treat as line breaks.
_LINE_BREAKS = {"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def json_line(record: dict[str, Any], *, ascii_only: bool = False) -> str:
    line = json.dumps(record, ensure_ascii=ascii_only)
    for char, escaped in _LINE_BREAKS.items():
        line = line.replace(char, escaped)
    return line + "\n"


class StdoutNotifier:
    @classmethod
    def from_config(cls, cfg: StdoutChannelConfig) -> "StdoutNotifier":
        return cls(cfg.id)

    def __init__(self, channel_id: str, stream: TextIO | None = None):
        self.channel_id = channel_id
        self._stream = stream

    def __repr__(self) -> str:
        return f"StdoutNotifier({self.channel_id!r})"

    def send(self, alert: Alert) -> None:
        stream = self._stream if self._stream is not None else sys.stdout
        record = alert_record(self.channel_id, alert)
        try:
            try:
                stream.write(json_line(record))
            except UnicodeEncodeError:
                # A stream that can't take UTF-8 (C locale): the whole line is
                # encoded before anything is written, so retry as pure ASCII.
                stream.write(json_line(record, ascii_only=True))
            stream.flush()
        except (OSError, ValueError) as exc:   # ValueError: write to a closed file
            name = getattr(stream, "name", type(stream).__name__)
            raise DeliveryError(f"stdout channel {self.channel_id}: cannot write to {name}: "
                                f"{type(exc).__name__}: {exc}", permanent=False) from exc
