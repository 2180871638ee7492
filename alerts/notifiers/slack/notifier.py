"""Slack notifier: an incoming webhook, one message per alert with `blocks` and a `text` fallback.

Request: POST <webhook_url> with JSON {"text": fallback, "blocks": [section…,
context]}. The sections hold the channel's template (default
`alerts/templates/slack.mrkdwn.j2`, every value with `&`, `<`, `>` escaped) in
sections of at most 3,000 characters (Slack's limit per section text): one for
an alert (cut with "…" when longer), up to 10 on line boundaries for a digest. `text` is what notifications and old
clients show: "🟠 HIGH: <title>".

Replies (plain-text bodies, as Slack sends them):
- 200 "ok": sent.
- 400 invalid_payload / invalid_blocks / no_text, 403 action_prohibited /
  invalid_token, 404 channel_not_found / no_service / no_team, 410
  channel_is_archived: permanent (an operator must fix the webhook or the channel).
- 429 (Retry-After honoured), 5xx (rollup_error), timeouts: temporary.
The webhook URL is the credential: no error or log line contains it.
"""
from __future__ import annotations

import json
import logging
import time
from typing import Any

from alerts.notifiers.slack.config import SlackChannelConfig
from alerts.notifiers.secrets import secret_value
from newswatch.model.alert import Alert
from alerts.notifiers.base import DeliveryError
from alerts.notifiers.http_common import HttpPoster, Redactor, Reply, origin, retry_after, status_is_temporary
from alerts.notifiers.splitting import ALERT_PARTS, DIGEST_PARTS, SLACK_ATOMS, SLACK_SECTION_LIMIT, fit_message
from alerts.templating import alert_context, clip, load_template, slack_escape
from newswatch.logs import fields

log = logging.getLogger(__name__)

TEXT_MAX = 3000

HINTS = {
    "invalid_payload": "Slack could not read the JSON",
    "invalid_blocks": "Slack rejected the blocks (check the channel's template)",
    "action_prohibited": "the workspace restricts this webhook",
    "invalid_token": "the webhook URL is no longer valid",
    "channel_not_found": "the webhook's channel does not exist any more",
    "no_service": "the webhook was removed or disabled: create a new one",
    "no_team": "the workspace does not exist any more",
    "channel_is_archived": "the webhook's channel was archived",
}


class SlackNotifier:
    @classmethod
    def from_config(cls, cfg: SlackChannelConfig) -> "SlackNotifier":
        return cls(cfg.id, webhook_url=secret_value(cfg.webhook_url), timeout=cfg.timeout, template=cfg.template)

    def __init__(self, channel_id: str, *, webhook_url: str | None, timeout: float = 10.0, template: str | None = None):
        if not webhook_url:
            raise ValueError("a webhook URL is needed")
        self.channel_id = channel_id
        self.timeout = float(timeout)
        self.template = load_template("slack", template)
        self._url = webhook_url
        self._where = origin(webhook_url)
        path = webhook_url.split("://", 1)[-1].partition("/")[2]
        self._redact = Redactor(webhook_url, path, *[seg for seg in path.split("/") if len(seg) >= 8])
        self._http = HttpPoster(f"slack channel {channel_id}", self._redact)

    def __repr__(self) -> str:
        return f"SlackNotifier({self.channel_id!r}, {self._where!r})"

    def payload(self, alert: Alert) -> dict[str, Any]:
        ctx = alert_context(alert, self.channel_id)
        body = self.template.render(alert, self.channel_id) or slack_escape(ctx["title"])
        max_parts = DIGEST_PARTS if alert.digest_of else ALERT_PARTS    # Slack allows 50 blocks
        sections, cut = fit_message(body, SLACK_SECTION_LIMIT, max_parts, atoms=SLACK_ATOMS)
        if cut:
            log.warning(fields("slack_message_truncated", channel_id=self.channel_id, alert_id=alert.id,
                               sections=len(sections)))
        blocks: list[dict[str, Any]] = [{"type": "section", "text": {"type": "mrkdwn", "text": s}} for s in sections]
        footer = f"newswatch · rule {ctx['rule_id']} · alert {alert.id}"
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": slack_escape(footer)}]})
        text = f"{ctx['severity_icon']} {ctx['severity_label']}: {ctx['title']}".strip()
        return {"text": clip(slack_escape(text), TEXT_MAX), "blocks": blocks}

    def send(self, alert: Alert) -> None:
        content = json.dumps(self.payload(alert), ensure_ascii=False).encode()
        deadline = time.monotonic() + self.timeout
        reply = self._http.post(self._url, content, {"Content-Type": "application/json; charset=utf-8"}, deadline)
        error = self._error(reply)
        if error is not None:
            raise error
        log.info(fields("slack_sent", channel_id=self.channel_id, alert_id=alert.id))

    def _error(self, reply: Reply) -> DeliveryError | None:
        if 200 <= reply.status < 300:
            return None
        code = self._redact(reply.text(120)) or f"HTTP {reply.status}"
        hint = HINTS.get(code)
        what = f"slack channel {self.channel_id}: webhook at {self._where} answered {reply.status} {code}"
        if hint:
            what += f" ({hint})"
        if reply.status == 429:
            return DeliveryError(f"{what}: rate limited", permanent=False, retry_after=retry_after(reply.headers))
        return DeliveryError(what, permanent=not status_is_temporary(reply.status))
