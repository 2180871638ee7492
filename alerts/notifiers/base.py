"""The notifier contract: `send(alert) -> None`, raising `DeliveryError`.

Matching never sends; notifiers never decide. The deliver task retries only
temporary errors (Alertmanager's `(recoverable, err)`).
"""
from __future__ import annotations

from typing import Protocol

from newswatch.model.alert import Alert


class DeliveryError(Exception):
    """A send that failed. `permanent` errors are recorded and never retried.

    The message must never contain a secret (password, token, webhook URL).
    """

    def __init__(self, reason: str, *, permanent: bool, retry_after: float | None = None):
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.retry_after = retry_after


class Notifier(Protocol):
    channel_id: str

    def send(self, alert: Alert) -> None: ...
