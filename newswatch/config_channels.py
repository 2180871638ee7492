"""`channels:` entries: one model per channel type (what every channel has: config_channel_options.py)."""
from __future__ import annotations

import re
from typing import Annotated, Any, Literal, Union

from pydantic import Field, SecretStr, ValidationInfo, field_validator, model_validator

from newswatch.config_base import ConfigFile, Id, _read_secret_file, dry_run_placeholder
from newswatch.units import Duration
from newswatch.config_channel_options import (TEMPLATE_VARIABLES, ChannelOptions,  # noqa: F401 (re-exported)
                                              RateLimitConfig, channel_template_issues)


class EmailChannelConfig(ChannelOptions):
    id: Id
    type: Literal["email"]
    host: str
    port: int = Field(587, ge=1, le=65535)
    security: Literal["none", "starttls", "tls"] = "starttls"
    username: str | None = None
    password: SecretStr | None = None
    password_file: ConfigFile | None = None
    from_addr: str = Field(alias="from")
    to: list[str] = Field(min_length=1)
    timeout: Duration = 30.0
    ca_file: ConfigFile | None = None

    @field_validator("to")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        for addr in value:
            if "@" not in addr or any(c in addr for c in "\r\n"):
                raise ValueError(f"not an email address: {addr!r}")
        return value

    @model_validator(mode="after")
    def _secret(self, info: ValidationInfo) -> "EmailChannelConfig":
        if self.password is not None and self.password_file is not None:
            raise ValueError("give 'password' or 'password_file', not both")
        if self.password_file is not None:
            object.__setattr__(self, "password",
                               SecretStr(_read_secret_file(self.password_file, "password_file", info)))
        if self.password is not None and not self.username:
            raise ValueError("a password needs a username")
        if self.username and self.password is None:
            raise ValueError("a username needs a password (give 'password' or 'password_file')")
        return self


class StdoutChannelConfig(ChannelOptions):
    id: Id
    type: Literal["stdout"]


Severity = Literal["info", "low", "medium", "high", "critical"]
_HEADER_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")
_RESERVED_HEADERS = ("content-type", "content-length", "host", "x-newswatch-")


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


def _one_secret(model, name: str, info: ValidationInfo, hint: str = "", required: bool = True) -> SecretStr | None:
    """`name` from itself or from `<name>_file`; an empty one (an empty ${VAR}) is an error."""
    file_value = getattr(model, f"{name}_file")
    if getattr(model, name) is not None and file_value is not None:
        raise ValueError(f"give '{name}' or '{name}_file', not both")
    if file_value is not None:
        object.__setattr__(model, name, SecretStr(_read_secret_file(file_value, f"{name}_file", info)))
    value = getattr(model, name)
    if value is None and required:
        raise ValueError(f"missing '{name}' (give '{name}' or '{name}_file'{hint})")
    if value is not None and not value.get_secret_value().strip():
        raise ValueError(f"'{name}' is empty")
    if value is not None:
        object.__setattr__(model, name, SecretStr(value.get_secret_value().strip()))
    return getattr(model, name)


class ChatChannelBase(ChannelOptions):
    """What every chat/HTTP channel has: a severity floor, a timeout for the whole send, a template."""
    id: Id
    timeout: Duration = 10.0
    template: str | None = None    # a Jinja2 file (relative to the config file) instead of the default

    @field_validator("timeout")
    @classmethod
    def _timeout(cls, value: float) -> float:
        if not 0 < value <= 300:
            raise ValueError("timeout must be more than 0s and at most 5m")
        return value


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


class DiscordChannelConfig(ChatChannelBase):
    type: Literal["discord"]
    webhook_url: SecretStr | None = None    # https://discord.com/api/webhooks/<id>/<token>
    webhook_url_file: ConfigFile | None = None
    username: str | None = Field(None, min_length=1, max_length=80)

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        if value is None or dry_run_placeholder(value, info):
            return value
        return _secret_url(value, "webhook_url")

    @model_validator(mode="after")
    def _url(self, info: ValidationInfo) -> "DiscordChannelConfig":
        from_file = self.webhook_url_file is not None and self.webhook_url is None
        url = _one_secret(self, "webhook_url", info, hint=", e.g. webhook_url: ${DISCORD_WEBHOOK_URL}")
        if from_file and not dry_run_placeholder(url, info):
            _secret_url(url, "webhook_url_file")
        return self


class WebhookChannelConfig(ChatChannelBase):
    type: Literal["webhook"]
    url: str
    secret: SecretStr | None = None         # signs each body: X-Newswatch-Signature: sha256=<hmac>
    secret_file: ConfigFile | None = None
    headers: dict[str, SecretStr] = {}      # e.g. Authorization: "Bearer ${TOKEN}"; values never shown

    @field_validator("url")
    @classmethod
    def _url(cls, value: str, info: ValidationInfo) -> str:
        return value if dry_run_placeholder(value, info) else _http_url(value, "url")

    @field_validator("headers")
    @classmethod
    def _headers(cls, value: dict[str, SecretStr]) -> dict[str, SecretStr]:
        for name, header in value.items():
            if not _HEADER_NAME.match(name):
                raise ValueError(f"header name {name!r} is not a valid HTTP header name")
            if name.lower().startswith(_RESERVED_HEADERS):
                raise ValueError(f"header {name!r} is set by newswatch and cannot be given here")
            if any(c in header.get_secret_value() for c in "\r\n\x00"):
                raise ValueError(f"header {name!r}: the value must be one line")
        return value

    @model_validator(mode="after")
    def _secret(self, info: ValidationInfo) -> "WebhookChannelConfig":
        _one_secret(self, "secret", info, required=False)
        return self


class AppriseChannelConfig(ChatChannelBase):
    type: Literal["apprise"]
    url: SecretStr | None = None            # any Apprise URL, e.g. ntfys://…, mmost://…; holds credentials
    url_file: ConfigFile | None = None

    @field_validator("url")
    @classmethod
    def _apprise_url(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        if dry_run_placeholder(value, info):
            return value
        if value is not None:
            _not_empty(value, "url")
        problem = value is not None and apprise_url_problem(value.get_secret_value().strip())
        if problem:
            raise ValueError(problem)
        return value

    @model_validator(mode="after")
    def _url(self, info: ValidationInfo) -> "AppriseChannelConfig":
        from_file = self.url_file is not None and self.url is None
        url = _one_secret(self, "url", info, hint=", e.g. url: ${APPRISE_URL}")
        problem = from_file and not dry_run_placeholder(url, info) and apprise_url_problem(url.get_secret_value())
        if problem:
            raise ValueError(f"url_file: {problem}")
        return self


def apprise_url_problem(url: str) -> str | None:
    """Why Apprise cannot use `url`, or None. Apprise logs a URL it cannot parse: silenced here."""
    import logging

    import apprise

    if "://" not in url:
        return "not an Apprise URL (expected scheme://..., e.g. ntfy://topic)"
    logger = logging.getLogger("apprise")
    drop = logging.Filter("\x00never")
    logger.addFilter(drop)
    try:
        usable = apprise.Apprise().add(url)
    finally:
        logger.removeFilter(drop)
    if not usable:
        return (f"Apprise cannot use this URL (scheme {url.split('://', 1)[0]!r}; "
                "check it against the Apprise wiki's page for that service)")
    return None


ChannelConfig = Annotated[Union[EmailChannelConfig, StdoutChannelConfig, TelegramChannelConfig, SlackChannelConfig,
                                DiscordChannelConfig, WebhookChannelConfig, AppriseChannelConfig],
                          Field(discriminator="type")]
CHANNEL_TYPES = ("email", "stdout", "telegram", "slack", "discord", "webhook", "apprise")
