"""Telegram notifier: Bot API `sendMessage`, parse_mode HTML, one or more messages per alert.

Request: POST {api_url}/bot<token>/sendMessage with JSON {chat_id, text,
parse_mode: "HTML", link_preview_options, message_thread_id?}. The text is the
channel's template (default `alerts/templates/telegram.html.j2`) with every
value HTML-escaped. An alert is one message of at most 4,096 characters (what
does not fit is cut, ending with "…"); a digest is split on line boundaries into
at most 10, each well-formed HTML on its own.

Replies (`{"ok": false, "error_code": N, "description": "...", "parameters": {...}}`):
- 429 "Too Many Requests: retry after N": temporary, `retry_after` from
  `parameters.retry_after` (else the Retry-After header).
- 400 (chat not found, can't parse entities, group upgraded to a supergroup:
  the new id is named), 401 (token revoked), 403 (bot was blocked by the user,
  kicked, not a member), 404 (no such bot/method): permanent.
- 5xx, timeouts, refused connections: temporary.
When a later part fails, the parts already sent are remembered (in this
process) and a retry starts after them. The bot token is in the URL path: it
is redacted from every error and from the httpx logs.
"""
from __future__ import annotations

import logging
import time
from typing import Any

from alerts.notifiers.telegram.config import TelegramChannelConfig
from alerts.notifiers.secrets import secret_value
from newswatch.model.alert import Alert
from alerts.notifiers.base import DeliveryError
from alerts.notifiers.http_common import (post_parts, HttpPoster, PartProgress, Redactor, Reply, one_line, retry_after,
                                          status_is_temporary)
from alerts.notifiers.splitting import ALERT_PARTS, DIGEST_PARTS, TELEGRAM_LIMIT, fit_message
from alerts.templating import load_template
from newswatch.logs import fields

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://api.telegram.org"


class TelegramNotifier:
    @classmethod
    def from_config(cls, cfg: TelegramChannelConfig) -> "TelegramNotifier":
        return cls(cfg.id, bot_token=secret_value(cfg.bot_token), chat_id=cfg.chat_id, api_url=cfg.api_url,
                   timeout=cfg.timeout, template=cfg.template, thread_id=cfg.thread_id,
                   link_preview=cfg.link_preview)

    def __init__(self, channel_id: str, *, bot_token: str | None, chat_id: int | str,
                 api_url: str = DEFAULT_API_URL, timeout: float = 10.0, template: str | None = None,
                 thread_id: int | None = None, link_preview: bool = True):
        if not bot_token:
            raise ValueError("a bot token is needed")
        self.channel_id = channel_id
        self.chat_id, self.thread_id, self.link_preview = chat_id, thread_id, link_preview
        self.timeout = float(timeout)
        self.template = load_template("telegram", template)
        self._url = f"{api_url.rstrip('/')}/bot{bot_token}/sendMessage"
        self._redact = Redactor(bot_token, bot_token.partition(":")[2])
        self._http = HttpPoster(f"telegram channel {channel_id}", self._redact)
        self._progress = PartProgress()

    def __repr__(self) -> str:
        return f"TelegramNotifier({self.channel_id!r}, chat_id={self.chat_id!r})"

    def messages(self, alert: Alert) -> list[str]:
        max_parts = DIGEST_PARTS if alert.digest_of else ALERT_PARTS
        parts, cut = fit_message(self.template.render(alert, self.channel_id), TELEGRAM_LIMIT, max_parts, html=True)
        if cut:
            log.warning(fields("telegram_message_truncated", channel_id=self.channel_id, alert_id=alert.id,
                               sent=len(parts)))
        return parts or ["(empty alert)"]

    def payload(self, text: str) -> dict[str, Any]:
        body: dict[str, Any] = {"chat_id": self.chat_id, "text": text, "parse_mode": "HTML"}
        if not self.link_preview:
            body["link_preview_options"] = {"is_disabled": True}
        if self.thread_id is not None:
            body["message_thread_id"] = self.thread_id
        return body

    def send(self, alert: Alert) -> None:
        parts = [self.payload(part) for part in self.messages(alert)]
        sent = post_parts(self._http, self._url, parts, self._progress, alert.id,
                          time.monotonic() + self.timeout, self._error)
        log.info(fields("telegram_sent", channel_id=self.channel_id, alert_id=alert.id, messages=sent))

    def _error(self, reply: Reply) -> DeliveryError | None:
        """None when the Bot API accepted the message, else the DeliveryError it means."""
        data = reply.json() or {}
        if 200 <= reply.status < 300 and data.get("ok", True) is not False:
            return None
        code = int(data.get("error_code") or reply.status)
        description = self._redact(one_line(data.get("description") or reply.text() or f"HTTP {reply.status}"))
        raw_params = data.get("parameters")
        params: dict[str, Any] = raw_params if isinstance(raw_params, dict) else {}
        what = f"telegram channel {self.channel_id}: chat {self.chat_id}"
        if code == 429:
            wait = params.get("retry_after")
            wait = float(wait) if isinstance(wait, (int, float)) else retry_after(reply.headers)
            return DeliveryError(f"{what}: rate limited: {description}", permanent=False, retry_after=wait)
        if params.get("migrate_to_chat_id"):
            return DeliveryError(f"{what}: {description}; the group is now chat_id "
                                 f"{params['migrate_to_chat_id']}: update the channel's chat_id", permanent=True)
        if code == 401:
            description += " (the bot token was revoked or is wrong)"
        return DeliveryError(f"{what}: {code} {description}", permanent=not status_is_temporary(code))
