"""`type: slack`: the channel's config model (incoming webhook URL)."""
from __future__ import annotations

from typing import Literal

from pydantic import SecretStr, ValidationInfo, field_validator, model_validator

from alerts.notifiers.secrets import ChatChannelBase, _one_secret, _secret_url
from newswatch.config.base import ConfigFile, dry_run_placeholder


class SlackChannelConfig(ChatChannelBase):
    type: Literal["slack"]
    webhook_url: SecretStr | None = None    # https://hooks.slack.com/services/T…/B…/…
    webhook_url_file: ConfigFile | None = None

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        if value is None or dry_run_placeholder(value, info):
            return value
        return _secret_url(value, "webhook_url")

    @model_validator(mode="after")
    def _url(self, info: ValidationInfo) -> "SlackChannelConfig":
        from_file = self.webhook_url_file is not None and self.webhook_url is None
        url = _one_secret(self, "webhook_url", info, hint=", e.g. webhook_url: ${SLACK_WEBHOOK_URL}")
        if from_file and not dry_run_placeholder(url, info):
            _secret_url(url, "webhook_url_file")
        return self
