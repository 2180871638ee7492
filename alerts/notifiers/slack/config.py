"""`type: slack`: the channel's config model (incoming webhook URL)."""
from __future__ import annotations

from typing import Literal

from pydantic import SecretStr, field_validator, model_validator

from alerts.notifiers.secrets import ChatChannelBase, _one_secret, _secret_url


class SlackChannelConfig(ChatChannelBase):
    type: Literal["slack"]
    webhook_url: SecretStr | None = None    # https://hooks.slack.com/services/T…/B…/…
    webhook_url_file: str | None = None

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: SecretStr | None) -> SecretStr | None:
        return value if value is None else _secret_url(value, "webhook_url")

    @model_validator(mode="after")
    def _url(self) -> "SlackChannelConfig":
        from_file = self.webhook_url_file is not None and self.webhook_url is None
        url = _one_secret(self, "webhook_url", hint=", e.g. webhook_url: ${SLACK_WEBHOOK_URL}")
        if from_file:
            _secret_url(url, "webhook_url_file")
        return self
