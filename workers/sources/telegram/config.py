"""`type: telegram` sources: the config model (`mode: web` or `mode: mtproto`)."""
from __future__ import annotations

import os
import re
from typing import Literal

from pydantic import Field, SecretStr, ValidationInfo, field_validator, model_validator

from newswatch.config.base import ConfigFile, _secret_or_env, dry_run_placeholder, is_dry_run
from newswatch.config.registry import SourceConfig
from newswatch.config.units import Duration


TELEGRAM_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,31}$")


def telegram_channel_name(value: str) -> str:
    """`@name`, `name`, `t.me/name`, `https://t.me/name` or `https://t.me/s/name` → `name`."""
    text = value.strip()
    text = re.sub(r"^(?:https?://)?(?:www\.)?(?:t\.me|telegram\.me)/(?:s/)?", "", text)
    text = text.lstrip("@").split("?")[0].strip("/")
    if not TELEGRAM_NAME.match(text):
        raise ValueError(f"not a public Telegram channel name: {value!r} "
                         "(give @name, t.me/name or https://t.me/name; names are 4-32 letters, digits, _)")
    return text


class TelegramSourceConfig(SourceConfig):
    type: Literal["telegram"]
    channel: str                     # @name, t.me/name or https://t.me/name; stored as the bare name
    mode: Literal["web", "mtproto"] = "web"
    interval: Duration = 120.0
    base_url: str = "https://t.me"   # web mode: other hosts for mirrors and tests
    max_pages: int = Field(10, ge=1, le=1000)  # web mode: pages read back to the cursor in one poll
    # mtproto mode: from here, from `*_file`, or from TELEGRAM_API_ID / TELEGRAM_API_HASH / TELEGRAM_SESSION
    api_id: int | None = None        # (an unset ${TELEGRAM_API_ID} in a dry run: None)
    api_hash: SecretStr | None = None
    api_hash_file: ConfigFile | None = None
    session: SecretStr | None = None
    session_file: ConfigFile | None = None
    live: bool = False               # mtproto: keep a listener open instead of polling

    @field_validator("channel")
    @classmethod
    def _channel(cls, value: str) -> str:
        return telegram_channel_name(value)

    @field_validator("api_id", mode="before")
    @classmethod
    def _api_id(cls, value: object, info: ValidationInfo) -> object:
        return None if dry_run_placeholder(value, info) else value

    @model_validator(mode="after")
    def _mode(self, info: ValidationInfo) -> "TelegramSourceConfig":
        if self.interval < 1:
            raise ValueError("interval must be at least 1s")
        if not re.match(r"^https?://", self.base_url):
            raise ValueError("base_url must start with http:// or https://")
        object.__setattr__(self, "base_url", self.base_url.rstrip("/"))
        if self.mode == "web":
            if self.live:
                raise ValueError("live: true needs mode: mtproto")
            return self
        _secret_or_env(self, "api_hash", "TELEGRAM_API_HASH", info)
        _secret_or_env(self, "session", "TELEGRAM_SESSION", info)
        if self.api_id is None and os.environ.get("TELEGRAM_API_ID"):
            try:
                object.__setattr__(self, "api_id", int(os.environ["TELEGRAM_API_ID"]))
            except ValueError:
                raise ValueError("TELEGRAM_API_ID must be a number") from None
        missing = [name for name, env in (("api_id", "TELEGRAM_API_ID"), ("api_hash", "TELEGRAM_API_HASH"),
                                          ("session", "TELEGRAM_SESSION")) if getattr(self, name) is None]
        if missing and not is_dry_run(info):   # a dry run connects to no Telegram
            raise ValueError(f"mode: mtproto needs {', '.join(missing)} (set them here, as *_file, or in the "
                             "environment as TELEGRAM_API_ID / TELEGRAM_API_HASH / TELEGRAM_SESSION; "
                             "`newswatch telegram login` creates the session string)")
        return self
