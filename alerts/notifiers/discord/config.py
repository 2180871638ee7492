"""`type: discord`: the channel's config model (webhook URL)."""
from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator

from alerts.notifiers.secrets import ChatChannelBase, _one_secret, _secret_url


class DiscordChannelConfig(ChatChannelBase):
    type: Literal["discord"]
    webhook_url: SecretStr | None = None    # https://discord.com/api/webhooks/<id>/<token>
    webhook_url_file: str | None = None
    username: str | None = Field(None, min_length=1, max_length=80)

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: SecretStr | None) -> SecretStr | None:
        return value if value is None else _secret_url(value, "webhook_url")

    @model_validator(mode="after")
    def _url(self) -> "DiscordChannelConfig":
        from_file = self.webhook_url_file is not None and self.webhook_url is None
        url = _one_secret(self, "webhook_url", hint=", e.g. webhook_url: ${DISCORD_WEBHOOK_URL}")
        if from_file:
            _secret_url(url, "webhook_url_file")
        return self
