"""The `web:` section: the desk in the browser (web/), served by `newswatch run` and `newswatch web`.

    web:
      enabled: true                 # false (or `newswatch run --no-web`): not served
      host: 127.0.0.1               # anything but a loopback address needs `auth`
      port: 8080                    # null: not served (like status.port)
      auth:                         # a login; required off loopback, optional on it
        users:
          - {name: ana, role: editor, password_hash_file: secrets/ana.argon2}   # or password_hash: ${ANA_HASH}
          - {name: bo, role: viewer, password_hash: "$argon2id$v=19$..."}
        tokens:                     # API tokens for scripts: `Authorization: Bearer <token>`
          - {name: grafana, role: viewer, token_file: secrets/grafana.token}   # or token: ${GRAFANA_TOKEN}
        session_secret_file: secrets/web_session   # signs the session cookie (or session_secret: ${...});
                                                   # none: a new one at every start (everyone logs in again)
        session_max_age: 12h

A password is never in the config, only its argon2 hash (`python -m web hash-password` makes one). The
hashes, tokens and the session secret are secrets: never logged, never shown (SecretStr).
"""
from __future__ import annotations

import ipaddress
from typing import Literal

from pydantic import Field, SecretStr, ValidationInfo, model_validator

from newswatch.config.base import ConfigFile, Id, StrictModel, _read_secret_file
from newswatch.config.units import Duration

Role = Literal["viewer", "editor"]
LOOPBACK_NAMES = ("localhost",)


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 or `localhost`: only this machine can connect."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _one_secret(model: StrictModel, field: str, info: ValidationInfo, required: bool) -> None:
    """`field` or `<field>_file` (read now, relative to the config file), not both; `required`: one of them."""
    value, path = getattr(model, field), getattr(model, f"{field}_file")
    if value is not None and path is not None:
        raise ValueError(f"give '{field}' or '{field}_file', not both")
    if path is not None:
        object.__setattr__(model, field, SecretStr(_read_secret_file(path, f"{field}_file", info)))
    elif value is None and required:
        raise ValueError(f"give '{field}' or '{field}_file'")


class WebUser(StrictModel):
    name: Id
    role: Role = "viewer"
    password_hash: SecretStr | None = None        # argon2 ($argon2id$...)
    password_hash_file: ConfigFile | None = None

    @model_validator(mode="after")
    def _hash(self, info: ValidationInfo) -> "WebUser":
        _one_secret(self, "password_hash", info, required=True)
        return self


class WebToken(StrictModel):
    name: Id
    role: Role = "viewer"
    token: SecretStr | None = Field(default=None)
    token_file: ConfigFile | None = None

    @model_validator(mode="after")
    def _token(self, info: ValidationInfo) -> "WebToken":
        _one_secret(self, "token", info, required=True)
        assert self.token is not None
        if len(self.token.get_secret_value()) < 16:
            raise ValueError("a token is at least 16 characters (e.g. `openssl rand -hex 24`)")
        return self


class WebAuthConfig(StrictModel):
    users: list[WebUser] = []
    tokens: list[WebToken] = []
    session_secret: SecretStr | None = None
    session_secret_file: ConfigFile | None = None
    session_max_age: Duration = Field(default=12 * 3600.0, gt=0)

    @model_validator(mode="after")
    def _check(self, info: ValidationInfo) -> "WebAuthConfig":
        if not self.users and not self.tokens:
            raise ValueError("web.auth needs at least one of users or tokens")
        names = [u.name for u in self.users] + [t.name for t in self.tokens]
        if dups := sorted({n for n in names if names.count(n) > 1}):
            raise ValueError(f"duplicate user or token name {dups[0]!r}; names must be unique")
        _one_secret(self, "session_secret", info, required=False)
        return self


class WebConfig(StrictModel):
    enabled: bool = True
    host: str = "127.0.0.1"
    port: int | None = Field(default=8080, ge=1, le=65535)   # null: not served
    auth: WebAuthConfig | None = None

    @model_validator(mode="after")
    def _auth_off_loopback(self) -> "WebConfig":
        if self.served and self.auth is None and not is_loopback(self.host):
            raise ValueError(f"host {self.host!r} is not a loopback address: anyone who reaches it could read the "
                             "desk; give web.auth (users with a password hash) or bind 127.0.0.1")
        return self

    @property
    def served(self) -> bool:
        return self.enabled and self.port is not None
