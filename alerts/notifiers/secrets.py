"""Config pieces the chat channels share: URL and secret checks, and their common keys."""
from __future__ import annotations

import re
from typing import ClassVar, Literal, Self, overload

from pydantic import BaseModel, SecretStr, ValidationInfo, field_validator, model_validator

from alerts.notifiers.options import ChannelOptions
from newswatch.config.base import ConfigFile, _read_secret_file, dry_run_placeholder
from newswatch.config.units import Duration


def _http_url(value: str, key: str) -> str:
    """Checks an http(s) URL; the message never repeats it (webhook URLs are credentials)."""
    if not re.match(r"^https?://[^\s/?#]+(?:[/?#]\S*)?$", value or "", re.IGNORECASE):
        raise ValueError(f"{key} must be an http:// or https:// URL")
    return value


def _not_empty(value: SecretStr, key: str) -> None:
    if not value.get_secret_value().strip():
        raise ValueError(f"{key} is empty (an environment variable set to nothing?)")


def _secret_url(value: SecretStr, key: str) -> SecretStr:
    _not_empty(value, key)
    _http_url(value.get_secret_value().strip(), "the URL in " + key if key.endswith("_file") else key)
    return value


def _bot_token_format(value: SecretStr, key: str) -> SecretStr:
    _not_empty(value, key)
    if not re.fullmatch(r"\d{3,}:[A-Za-z0-9_-]{20,}", value.get_secret_value().strip()):
        what = "this" if key == "bot_token" else "the token in bot_token_file"
        raise ValueError(f"{what} does not look like a Telegram bot token "
                         "(digits, ':', then letters, digits, '-' or '_', as @BotFather gives it)")
    return value


@overload
def _one_secret(model: BaseModel, name: str, info: ValidationInfo, hint: str = "",
                required: Literal[True] = True) -> SecretStr: ...


@overload
def _one_secret(model: BaseModel, name: str, info: ValidationInfo, hint: str = "", *,
                required: bool) -> SecretStr | None: ...


def _one_secret(model: BaseModel, name: str, info: ValidationInfo, hint: str = "",
                required: bool = True) -> SecretStr | None:
    """`name` from itself or from `<name>_file`; an empty one (an empty ${VAR}) is an error."""
    file_value = getattr(model, f"{name}_file")
    if getattr(model, name) is not None and file_value is not None:
        raise ValueError(f"give '{name}' or '{name}_file', not both")
    if file_value is not None:
        object.__setattr__(model, name, SecretStr(_read_secret_file(file_value, f"{name}_file", info)))
    value: SecretStr | None = getattr(model, name)
    if value is None and required:
        raise ValueError(f"missing '{name}' (give '{name}' or '{name}_file'{hint})")
    if value is not None and not value.get_secret_value().strip():
        raise ValueError(f"'{name}' is empty")
    if value is not None:
        value = SecretStr(value.get_secret_value().strip())
        object.__setattr__(model, name, value)
    return value


class ChatChannelBase(ChannelOptions):
    """What every chat/HTTP channel has: a severity floor, a timeout for the whole send, a template."""
    timeout: Duration = 10.0
    template: str | None = None    # a Jinja2 file (relative to the config file) instead of the default

    @field_validator("timeout")
    @classmethod
    def _timeout(cls, value: float) -> float:
        if not 0 < value <= 300:
            raise ValueError("timeout must be more than 0s and at most 5m")
        return value





def secret_value(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None else None


class WebhookUrlChannel(ChatChannelBase):
    """A chat channel posting to one secret webhook URL (Slack, Discord): `webhook_url` or
    `webhook_url_file`, an http(s) URL either way; `WEBHOOK_ENV` names the variable in the hint."""

    WEBHOOK_ENV: ClassVar[str] = "WEBHOOK_URL"
    webhook_url: SecretStr | None = None
    webhook_url_file: ConfigFile | None = None

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        if value is None or dry_run_placeholder(value, info):
            return value
        return _secret_url(value, "webhook_url")

    @model_validator(mode="after")
    def _url(self, info: ValidationInfo) -> Self:
        from_file = self.webhook_url_file is not None and self.webhook_url is None
        url = _one_secret(self, "webhook_url", info, hint=f", e.g. webhook_url: ${{{self.WEBHOOK_ENV}}}")
        if from_file and not dry_run_placeholder(url, info):
            _secret_url(url, "webhook_url_file")
        return self
