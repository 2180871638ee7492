"""`type: telegram`: the channel's config model (bot token, chat)."""
from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import SecretStr, ValidationInfo, field_validator, model_validator

from alerts.notifiers.options import RateLimitConfig
from alerts.notifiers.secrets import ChatChannelBase, _bot_token_format, _http_url, _one_secret
from newswatch.config.base import ConfigFile, dry_run_placeholder


class TelegramChannelConfig(ChatChannelBase):
    type: Literal["telegram"]
    bot_token: SecretStr | None = None      # from @BotFather; usually ${TELEGRAM_BOT_TOKEN}
    bot_token_file: ConfigFile | None = None
    chat_id: int | str                      # a number (-100… for groups/channels) or @channelname
    api_url: str = "https://api.telegram.org"
    thread_id: int | None = None            # a forum topic of the group
    link_preview: bool = True

    @field_validator("chat_id", mode="before")
    @classmethod
    def _chat_id(cls, value: Any) -> int | str:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
            return int(value)
        if isinstance(value, str) and re.fullmatch(r"@[A-Za-z][A-Za-z0-9_]{3,31}", value.strip()):
            return value.strip()
        raise ValueError("chat_id must be a number (e.g. -1001234567890) or a public @channelname")

    @field_validator("api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        return _http_url(value, "api_url").rstrip("/")

    @field_validator("bot_token")
    @classmethod
    def _bot_token(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        if value is None or dry_run_placeholder(value, info):
            return value
        return _bot_token_format(value, "bot_token")

    @model_validator(mode="after")
    def _default_rate_limit(self) -> "TelegramChannelConfig":
        """Telegram's own limits: about 1 message/s in one chat, 20/min in a group or channel."""
        if self.rate_limit is None:
            group = isinstance(self.chat_id, str) or self.chat_id < 0
            limits = [RateLimitConfig(count=1, per=1.0)] + ([RateLimitConfig(count=20, per=60.0)] if group else [])
            object.__setattr__(self, "rate_limit", limits)
        return self

    @model_validator(mode="after")
    def _token(self, info: ValidationInfo) -> "TelegramChannelConfig":
        from_file = self.bot_token_file is not None and self.bot_token is None
        token = _one_secret(self, "bot_token", info, hint=", e.g. bot_token: ${TELEGRAM_BOT_TOKEN}")
        if from_file and not dry_run_placeholder(token, info):
            _bot_token_format(token, "bot_token_file")
        return self
