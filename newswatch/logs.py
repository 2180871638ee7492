"""Structured logs: one event name, then snake_case key=value pairs (DESIGN style 7)."""
from __future__ import annotations

import logging
import sys


def fields(event: str, **values: object) -> str:
    parts = [event]
    for key, value in values.items():
        if value is None:
            continue
        text = str(value)
        if not text or any(c in text for c in ' "=\n'):
            text = '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
        parts.append(f"{key}={text}")
    return " ".join(parts)


def setup_logging(level: str = "info") -> None:
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root.addHandler(handler)
    root.setLevel(level.upper())
    for noisy in ("httpx", "httpcore", "celery", "kombu", "apscheduler", "amqp", "mail.log", "telethon"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
