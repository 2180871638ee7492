"""Structured logs: one event name, then snake_case key=value pairs (DESIGN style 7).

Every log call is `log.info(fields("event_name", key=value, ...))`. `fields()` returns the
key=value line (a `str`, so `caplog`, `%s` and grep see the text they always saw) that also
carries the event and the values, so the JSON format writes each value as its own key:

    text  2026-12-07T01:02:03.456+00:00 INFO workers.polling poll_done source_id=world items=3
    json  {"ts": "2026-12-07T01:02:03.456+00:00", "level": "INFO", "logger": "workers.polling",
           "event": "poll_done", "source_id": "world", "items": 3}

Records of other libraries (celery, httpx, apprise, warnings) have their message as `event`.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
from datetime import datetime, timezone
from typing import Any, Protocol

LOG_FORMATS = ("text", "json")
_RESERVED = frozenset({"ts", "level", "logger", "event", "exc_info"})


class LogFields(str):
    """The key=value text of one event, with the event name and the values it was made of."""

    event: str
    values: dict[str, Any]

    def __new__(cls, event: str, values: dict[str, Any]) -> "LogFields":
        parts = [event]
        for key, value in values.items():
            parts.append(f"{key}={_text(value)}")
        self = super().__new__(cls, " ".join(parts))
        self.event, self.values = event, values
        return self

    # pickling (a record sent to another process) keeps the values
    def __reduce__(self) -> tuple[type[LogFields], tuple[str, dict[str, Any]]]:
        return LogFields, (self.event, self.values)


def _text(value: object) -> str:
    if isinstance(value, (list, tuple, set, frozenset)):
        value = ",".join(str(v) for v in value)
    text = str(value)
    if not text or any(c in text for c in ' "=\n'):
        text = '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    return text


def fields(event: str, **values: object) -> LogFields:
    """`event key=value ...` (None values left out); the JSON format gets each value as a key."""
    return LogFields(event, {k: v for k, v in values.items() if v is not None})


def _timestamp(record: logging.LogRecord) -> str:
    """UTC, millisecond precision, with its offset: 2026-12-07T01:02:03.456+00:00."""
    return datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds")


class TextFormatter(logging.Formatter):
    """`<ts> <LEVEL> <logger> <event key=value ...>`, then the traceback if any."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return _timestamp(record)


def _json_value(value: object) -> object:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    return str(value)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, event, each field as a key, exc_info as text."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, object] = {"ts": _timestamp(record), "level": record.levelname, "logger": record.name}
        if isinstance(record.msg, LogFields) and not record.args:
            out["event"] = record.msg.event
            for key, value in record.msg.values.items():
                out[f"field_{key}" if key in _RESERVED else key] = _json_value(value)
        else:
            out["event"] = record.getMessage().rstrip("\n")
        if record.exc_info:
            out["exc_info"] = self.formatException(record.exc_info)
        elif record.exc_text:
            out["exc_info"] = record.exc_text
        if record.stack_info:
            out["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(out, ensure_ascii=False, default=str)


def formatter(log_format: str = "text") -> logging.Formatter:
    if log_format not in LOG_FORMATS:
        raise ValueError(f"log format must be one of {', '.join(LOG_FORMATS)}, not {log_format!r}")
    return JsonFormatter() if log_format == "json" else TextFormatter()


class LogSettings(Protocol):
    """What `log_options` reads of the config's settings (newswatch.config.Settings)."""

    @property
    def log_level(self) -> str: ...

    @property
    def log_format(self) -> str: ...


def add_log_arguments(parser: argparse.ArgumentParser, default: object = None) -> None:
    """--log-level and --log-format on an argparse parser (default=argparse.SUPPRESS on a
    subcommand's, so it never resets what was given before the command)."""
    parser.add_argument("--log-level", choices=["debug", "info", "warning", "error"], default=default,
                        help="default: log_level in the config, else warning")
    parser.add_argument("--log-format", choices=list(LOG_FORMATS), default=default,
                        help="text (key=value) or json (one object per line); default: log_format in the config")


def log_options(args: argparse.Namespace, settings: LogSettings | None = None) -> tuple[str, str]:
    """(level, format): the command line's, else the config's (`settings`), else warning / text."""
    level = getattr(args, "log_level", None) or (settings.log_level if settings else "warning")
    log_format = getattr(args, "log_format", None) or (settings.log_format if settings else "text")
    return level, log_format


def setup_logging(level: str = "info", log_format: str = "text") -> None:
    """One stderr handler on the root logger, in `log_format`; Python warnings go through it too."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter(log_format))
    root.addHandler(handler)
    root.setLevel(level.upper())
    logging.captureWarnings(True)
    for noisy in ("httpx", "httpcore", "celery", "kombu", "apscheduler", "amqp", "mail.log", "telethon",
                  "alembic"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
