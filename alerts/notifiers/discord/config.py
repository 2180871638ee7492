"""`type: discord`: the channel's config model (webhook URL)."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from alerts.notifiers.secrets import WebhookUrlChannel



class DiscordChannelConfig(WebhookUrlChannel):    # webhook_url: https://discord.com/api/webhooks/<id>/<token>
    type: Literal["discord"]
    WEBHOOK_ENV = "DISCORD_WEBHOOK_URL"
    username: str | None = Field(None, min_length=1, max_length=80)
