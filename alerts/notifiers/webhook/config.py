"""`type: webhook`: the channel's config model (URL, signing secret, headers)."""
from __future__ import annotations

import re
from typing import Literal

from pydantic import SecretStr, ValidationInfo, field_validator, model_validator

from alerts.notifiers.secrets import ChatChannelBase, _http_url, _one_secret
from newswatch.config.base import ConfigFile, dry_run_placeholder


_HEADER_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")
_RESERVED_HEADERS = ("content-type", "content-length", "host", "x-newswatch-")


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
