"""Webhook notifier: a JSON POST of the alert record to any URL, signed when a secret is set.

Body: the stdout channel's record (`alerts.notifiers.record.alert_record`) plus
`summary`, `created_at`, `digest_of`, `text` (the channel's text template,
default `alerts/templates/text.j2`) and `sent_at` (Unix seconds), as compact
UTF-8 JSON. Headers:

    Content-Type: application/json; charset=utf-8
    X-Newswatch-Alert-Id: <alert id>
    X-Newswatch-Delivery: <alert id>:<channel id>   (the same on every retry: an idempotency key)
    X-Newswatch-Timestamp: <sent_at>
    X-Newswatch-Signature: sha256=<hex HMAC-SHA256 of the exact body bytes, keyed with the secret>
    ...and the channel's own `headers`.

The signature covers the body, and the body carries `sent_at`, so a receiver
can refuse stale replays; verify with `hmac.compare_digest`.

Replies: 2xx sent; 408, 425, 429 (Retry-After honoured) and 5xx temporary;
any other status (4xx, a 3xx redirect) permanent. Errors name only the URL's
origin; the secret, header values and the URL's userinfo and query values
(`?token=...`) never appear anywhere, even when the server's reply echoes them.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable
from typing import Any

from alerts.notifiers.webhook.config import WebhookChannelConfig
from alerts.notifiers.secrets import secret_value
from newswatch.model.alert import Alert
from alerts.notifiers.base import DeliveryError
from alerts.notifiers.http_common import HttpPoster, Redactor, Reply, origin, retry_after, status_is_temporary
from alerts.notifiers.record import alert_record
from alerts.templating import load_template
from newswatch.logs import fields
from newswatch.redact import url_secrets

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Newswatch-Signature"
TIMESTAMP_HEADER = "X-Newswatch-Timestamp"


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class WebhookNotifier:
    @classmethod
    def from_config(cls, cfg: WebhookChannelConfig) -> "WebhookNotifier":
        return cls(cfg.id, url=cfg.url, secret=secret_value(cfg.secret), timeout=cfg.timeout,
                   headers={name: value.get_secret_value() for name, value in cfg.headers.items()},
                   template=cfg.template)

    def __init__(self, channel_id: str, *, url: str, secret: str | None = None,
                 headers: dict[str, str] | None = None, timeout: float = 10.0, template: str | None = None,
                 clock: Callable[[], float] = time.time):
        self.channel_id = channel_id
        self.url = url
        self.timeout = float(timeout)
        self.template = load_template("text", template)
        self._secret = secret or None
        self._headers = dict(headers or {})
        self._clock = clock
        self._where = origin(url)
        # the URL may hold a token (?token=..., user:password@): gone from every reason, even echoed back
        self._redact = Redactor(secret, *self._headers.values(), url, *url_secrets(url))
        self._http = HttpPoster(f"webhook channel {channel_id}", self._redact)

    def __repr__(self) -> str:
        return f"WebhookNotifier({self.channel_id!r}, {self._where!r}, signed={self._secret is not None})"

    def record(self, alert: Alert, sent_at: int) -> dict[str, Any]:
        record = alert_record(self.channel_id, alert)
        record.update(summary=alert.summary, created_at=alert.created_at,
                      digest_of=list(getattr(alert, "digest_of", None) or []),
                      text=self.template.render(alert, self.channel_id), sent_at=sent_at)
        return record

    def request(self, alert: Alert) -> tuple[bytes, dict[str, str]]:
        """The exact body and headers of the POST for this alert."""
        sent_at = int(self._clock())
        body = json.dumps(self.record(alert, sent_at), ensure_ascii=False, separators=(",", ":")).encode()
        headers = {**self._headers, "Content-Type": "application/json; charset=utf-8",
                   "X-Newswatch-Alert-Id": alert.id, "X-Newswatch-Delivery": f"{alert.id}:{self.channel_id}",
                   TIMESTAMP_HEADER: str(sent_at)}
        if self._secret is not None:
            headers[SIGNATURE_HEADER] = signature(self._secret, body)
        return body, headers

    def send(self, alert: Alert) -> None:
        body, headers = self.request(alert)
        reply = self._http.post(self.url, body, headers, time.monotonic() + self.timeout)
        error = self._error(reply)
        if error is not None:
            raise error
        log.info(fields("webhook_sent", channel_id=self.channel_id, alert_id=alert.id, status=reply.status))

    def _error(self, reply: Reply) -> DeliveryError | None:
        if 200 <= reply.status < 300:
            return None
        detail = self._redact(reply.text(160))
        what = f"webhook channel {self.channel_id}: {self._where} answered {reply.status}"
        if detail:
            what += f": {detail}"
        if 300 <= reply.status < 400:
            what += " (redirects are not followed: set the final URL)"
        wait = retry_after(reply.headers) if reply.status in (429, 503) else None
        return DeliveryError(what, permanent=not status_is_temporary(reply.status), retry_after=wait)
