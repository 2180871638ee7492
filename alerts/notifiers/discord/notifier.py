"""Discord notifier: an execute-webhook call per message, `content` of at most 2,000 characters.

Request: POST <webhook_url>?wait=true with JSON {"content": markdown,
"allowed_mentions": {"parse": []}, "username"?}. `wait=true` makes Discord
answer with the created message (200) or a JSON error instead of a blind 204;
`allowed_mentions` with nothing to parse keeps "@everyone" in a headline from
pinging anybody. The content is the channel's template (default
`alerts/templates/discord.md.j2`, every value markdown-escaped): an alert is
one message of at most 2,000 characters (cut with "…" when longer), a digest is
split on line boundaries into at most 10.

Replies:
- 429 {"message": "You are being rate limited.", "retry_after": 0.53, "global": false}:
  temporary; `retry_after` (seconds, float) from the body, else the
  Retry-After header.
- 404 {"message": "Unknown Webhook", "code": 10015}, 401 Invalid Webhook
  Token (50027), 400 Invalid Form Body (50035), 403: permanent.
- 5xx, timeouts, refused connections: temporary.
Parts already sent are remembered (in this process) so a retry resumes after
them. The webhook URL (its token) never appears in an error or log line.
"""
from __future__ import annotations

import json
import logging
import time
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from alerts.notifiers.discord.config import DiscordChannelConfig
from alerts.notifiers.secrets import secret_value
from newswatch.model.alert import Alert
from alerts.notifiers.base import DeliveryError
from alerts.notifiers.http_common import (post_parts, HttpPoster, PartProgress, Redactor, Reply, one_line, origin, retry_after,
                                          status_is_temporary)
from alerts.notifiers.splitting import ALERT_PARTS, DIGEST_PARTS, DISCORD_ATOMS, DISCORD_LIMIT, fit_message
from alerts.templating import load_template
from newswatch.logs import fields

log = logging.getLogger(__name__)


def with_wait(url: str) -> str:
    """The webhook URL with wait=true added to its query (kept when already there)."""
    parts = urlsplit(url)
    if "wait=" in parts.query:
        return url
    query = f"{parts.query}&wait=true" if parts.query else "wait=true"
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


class DiscordNotifier:
    @classmethod
    def from_config(cls, cfg: DiscordChannelConfig) -> "DiscordNotifier":
        return cls(cfg.id, webhook_url=secret_value(cfg.webhook_url), timeout=cfg.timeout,
                   template=cfg.template, username=cfg.username)

    def __init__(self, channel_id: str, *, webhook_url: str | None, timeout: float = 10.0, template: str | None = None,
                 username: str | None = None):
        if not webhook_url:
            raise ValueError("a webhook URL is needed")
        self.channel_id = channel_id
        self.timeout = float(timeout)
        self.username = username
        self.template = load_template("discord", template)
        self._url = with_wait(webhook_url)
        self._where = origin(webhook_url)
        segments = [seg for seg in urlsplit(webhook_url).path.split("/") if len(seg) >= 20]
        self._redact = Redactor(webhook_url, self._url, *segments)
        self._http = HttpPoster(f"discord channel {channel_id}", self._redact)
        self._progress = PartProgress()

    def __repr__(self) -> str:
        return f"DiscordNotifier({self.channel_id!r}, {self._where!r})"

    def messages(self, alert: Alert) -> list[str]:
        max_parts = DIGEST_PARTS if alert.digest_of else ALERT_PARTS
        parts, cut = fit_message(self.template.render(alert, self.channel_id), DISCORD_LIMIT, max_parts,
                                 atoms=DISCORD_ATOMS)
        if cut:
            log.warning(fields("discord_message_truncated", channel_id=self.channel_id, alert_id=alert.id,
                               sent=len(parts)))
        return parts or ["(empty alert)"]

    def payload(self, content: str) -> dict[str, Any]:
        body: dict[str, Any] = {"content": content, "allowed_mentions": {"parse": []}}
        if self.username:
            body["username"] = self.username
        return body

    def send(self, alert: Alert) -> None:
        parts = [self.payload(part) for part in self.messages(alert)]
        sent = post_parts(self._http, self._url, parts, self._progress, alert.id,
                          time.monotonic() + self.timeout, self._error)
        log.info(fields("discord_sent", channel_id=self.channel_id, alert_id=alert.id, messages=sent))

    def _error(self, reply: Reply) -> DeliveryError | None:
        if 200 <= reply.status < 300:
            return None
        data = reply.json() or {}
        message = self._redact(one_line(data.get("message") or reply.text() or f"HTTP {reply.status}"))
        code = f" (code {data['code']})" if data.get("code") else ""
        what = f"discord channel {self.channel_id}: webhook at {self._where} answered {reply.status} {message}{code}"
        if reply.status == 429:
            wait = data.get("retry_after")
            wait = float(wait) if isinstance(wait, (int, float)) else retry_after(reply.headers)
            scope = " (global)" if data.get("global") else ""
            return DeliveryError(f"{what}{scope}", permanent=False, retry_after=wait)
        if data.get("code") == 50035 and isinstance(data.get("errors"), dict):
            what += f": {self._redact(one_line(json.dumps(data['errors']), 200))}"
        return DeliveryError(what, permanent=not status_is_temporary(reply.status))
