"""`type: slack`: the channel's config model (incoming webhook URL)."""
from __future__ import annotations

from typing import Literal

from alerts.notifiers.secrets import WebhookUrlChannel



class SlackChannelConfig(WebhookUrlChannel):    # webhook_url: https://hooks.slack.com/services/T…/B…/…
    type: Literal["slack"]
    WEBHOOK_ENV = "SLACK_WEBHOOK_URL"
