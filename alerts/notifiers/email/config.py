"""`type: email`: the channel's config model (SMTP server, sender, recipients, secret)."""
from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, ValidationInfo, field_validator, model_validator

from alerts.notifiers.options import ChannelOptions
from newswatch.config.base import ConfigFile, _read_secret_file
from newswatch.config.units import Duration


class EmailChannelConfig(ChannelOptions):
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
