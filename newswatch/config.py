"""The operator's file, `config/newswatch.yaml`: defaults, then field checks, then cross-field checks.

Rule files are loaded by `alerts.rules.loader`, which checks rule → channel
references against what this module loaded.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import (BaseModel, ConfigDict, Field, SecretStr, ValidationError,
                      field_validator, model_validator)
from pydantic_core import PydanticCustomError

from newswatch.units import Duration, Size
from newswatch.yamlconf import ConfigError, ConfigIssue, LineMap, issues_from_validation, load_yaml, substitute_env

DEFAULT_CONFIG = "config/newswatch.yaml"
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
Id = Annotated[str, Field(pattern=ID_PATTERN)]


class StrictModel(BaseModel):
    """Unknown keys are errors that name the key and list what is allowed."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            raise PydanticCustomError("not_mapping", "expected a mapping of keys to values")
        allowed = {f.alias or name for name, f in cls.model_fields.items()}
        unknown = [k for k in data if k not in allowed]
        if unknown:
            raise PydanticCustomError("unknown_key", "unknown key '{key}' (allowed: {allowed})",
                                      {"key": unknown[0], "allowed": ", ".join(sorted(allowed))})
        return data


def _read_secret_file(path: str, key: str) -> str:
    try:
        return Path(os.path.expanduser(path)).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ValueError(f"cannot read {key} ({exc.strerror})") from None


# --- sources ---------------------------------------------------------------

class RssSourceConfig(StrictModel):
    id: Id
    type: Literal["rss"]
    url: str | None = None           # http(s) URL of the feed
    path: str | None = None          # or a local feed file, relative to the config file
    interval: Duration = 300.0
    enabled: bool = True
    lang: str | None = None          # language to assume when the feed declares none
    tags: list[str] = []
    timeout: Duration | None = None  # overrides http.timeout

    @model_validator(mode="after")
    def _one_location(self) -> "RssSourceConfig":
        if (self.url is None) == (self.path is None):
            raise ValueError("give exactly one of 'url' (http/https) or 'path' (a local feed file)")
        if self.url is not None and not re.match(r"^https?://", self.url):
            raise ValueError("url must start with http:// or https:// (use 'path' for a local file)")
        if self.interval < 1:
            raise ValueError("interval must be at least 1s")
        return self


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


def _secret_or_env(model, field: str, env_var: str) -> None:
    """Fill a secret from `<field>_file` or, when neither is given, from the environment."""
    file_value = getattr(model, f"{field}_file")
    if getattr(model, field) is not None and file_value is not None:
        raise ValueError(f"give '{field}' or '{field}_file', not both")
    if file_value is not None:
        object.__setattr__(model, field, SecretStr(_read_secret_file(file_value, f"{field}_file")))
    elif getattr(model, field) is None and os.environ.get(env_var):
        object.__setattr__(model, field, SecretStr(os.environ[env_var]))


class TelegramSourceConfig(StrictModel):
    id: Id
    type: Literal["telegram"]
    channel: str                     # @name, t.me/name or https://t.me/name; stored as the bare name
    mode: Literal["web", "mtproto"] = "web"
    interval: Duration = 120.0
    base_url: str = "https://t.me"   # web mode: other hosts for mirrors and tests
    enabled: bool = True
    lang: str | None = None
    tags: list[str] = []
    timeout: Duration | None = None
    max_pages: int = Field(10, ge=1, le=1000)  # web mode: pages read back to the cursor in one poll
    # mtproto mode: from here, from `*_file`, or from TELEGRAM_API_ID / TELEGRAM_API_HASH / TELEGRAM_SESSION
    api_id: int | None = None
    api_hash: SecretStr | None = None
    api_hash_file: str | None = None
    session: SecretStr | None = None
    session_file: str | None = None
    live: bool = False               # mtproto: keep a listener open instead of polling

    @field_validator("channel")
    @classmethod
    def _channel(cls, value: str) -> str:
        return telegram_channel_name(value)

    @model_validator(mode="after")
    def _mode(self) -> "TelegramSourceConfig":
        if self.interval < 1:
            raise ValueError("interval must be at least 1s")
        if not re.match(r"^https?://", self.base_url):
            raise ValueError("base_url must start with http:// or https://")
        object.__setattr__(self, "base_url", self.base_url.rstrip("/"))
        if self.mode == "web":
            if self.live:
                raise ValueError("live: true needs mode: mtproto")
            return self
        _secret_or_env(self, "api_hash", "TELEGRAM_API_HASH")
        _secret_or_env(self, "session", "TELEGRAM_SESSION")
        if self.api_id is None and os.environ.get("TELEGRAM_API_ID"):
            try:
                object.__setattr__(self, "api_id", int(os.environ["TELEGRAM_API_ID"]))
            except ValueError:
                raise ValueError("TELEGRAM_API_ID must be a number") from None
        missing = [name for name, env in (("api_id", "TELEGRAM_API_ID"), ("api_hash", "TELEGRAM_API_HASH"),
                                          ("session", "TELEGRAM_SESSION")) if getattr(self, name) is None]
        if missing:
            raise ValueError(f"mode: mtproto needs {', '.join(missing)} (set them here, as *_file, or in the "
                             "environment as TELEGRAM_API_ID / TELEGRAM_API_HASH / TELEGRAM_SESSION; "
                             "`newswatch telegram login` creates the session string)")
        return self


SourceConfig = Annotated[Union[RssSourceConfig, TelegramSourceConfig], Field(discriminator="type")]
SOURCE_TYPES = ("rss", "telegram")


# --- channels --------------------------------------------------------------

class EmailChannelConfig(StrictModel):
    id: Id
    type: Literal["email"]
    host: str
    port: int = Field(587, ge=1, le=65535)
    security: Literal["none", "starttls", "tls"] = "starttls"
    username: str | None = None
    password: SecretStr | None = None
    password_file: str | None = None
    from_addr: str = Field(alias="from")
    to: list[str] = Field(min_length=1)
    timeout: Duration = 30.0
    ca_file: str | None = None
    min_severity: Literal["info", "low", "medium", "high", "critical"] = "info"

    @field_validator("to")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        for addr in value:
            if "@" not in addr or any(c in addr for c in "\r\n"):
                raise ValueError(f"not an email address: {addr!r}")
        return value

    @model_validator(mode="after")
    def _secret(self) -> "EmailChannelConfig":
        if self.password is not None and self.password_file is not None:
            raise ValueError("give 'password' or 'password_file', not both")
        if self.password_file is not None:
            object.__setattr__(self, "password", SecretStr(_read_secret_file(self.password_file, "password_file")))
        if self.password is not None and not self.username:
            raise ValueError("a password needs a username")
        if self.username and self.password is None:
            raise ValueError("a username needs a password (give 'password' or 'password_file')")
        return self


class StdoutChannelConfig(StrictModel):
    id: Id
    type: Literal["stdout"]
    min_severity: Literal["info", "low", "medium", "high", "critical"] = "info"


ChannelConfig = Annotated[Union[EmailChannelConfig, StdoutChannelConfig], Field(discriminator="type")]
CHANNEL_TYPES = ("email", "stdout")


# --- the whole file ----------------------------------------------------------

class HttpConfig(StrictModel):
    timeout: Duration = 20.0
    max_bytes: Size = 10 * 1024 * 1024
    user_agent: str | None = None


class DeliveryConfig(StrictModel):
    max_retries: int = Field(12, ge=0)
    retry_backoff: Duration = 10.0       # first retry after this, doubling
    retry_backoff_max: Duration = 1800.0
    redeliver_after: Duration = 300.0    # an open delivery nobody touched this long is enqueued again


class WorkerConfig(StrictModel):
    concurrency: int = Field(8, ge=1, le=256)
    backoff_max: Duration = 3600.0       # cap of a failing source's exponential back-off


class ClassifyConfig(StrictModel):
    enabled: bool = True
    tables: str | None = None            # folder with countries/regions/actors/topics.yaml (default: beside this file, else the shipped ones)
    min_population: int = Field(15000, ge=0)
    languages: list[str] = ["en", "fr", "ar", "ru", "es", "pt", "de"]


class StatusConfig(StrictModel):
    """`/metrics` and `/healthz` of `run`, `worker` and `scheduler` (off unless a port is given)."""
    host: str = "127.0.0.1"
    port: int | None = Field(None, ge=0, le=65535)


class Settings(StrictModel):
    redis_url: str | None = None
    key_prefix: str = Field("nw", pattern=r"^[A-Za-z0-9_.:-]{1,32}$")
    state_dir: str = "~/.local/state/newswatch"
    max_age: Duration = 48 * 3600.0      # 0 / off: no age limit
    seen_ttl: Duration = 30 * 86400.0
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    http: HttpConfig = HttpConfig()
    delivery: DeliveryConfig = DeliveryConfig()
    worker: WorkerConfig = WorkerConfig()
    classify: ClassifyConfig = ClassifyConfig()
    status: StatusConfig = StatusConfig()
    sources: list[SourceConfig] = []
    channels: list[ChannelConfig] = []
    rules: list[str] = ["rules/*.yaml"]

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not re.match(r"^(redis|rediss|unix)://", value):
            raise ValueError("redis_url must start with redis://, rediss:// or unix:// (leave it empty for the embedded Redis)")
        return value


class Config:
    """Loaded settings plus where they came from."""

    def __init__(self, path: Path, settings: Settings, lines: LineMap):
        self.path = path
        self.settings = settings
        self.lines = lines

    @property
    def base_dir(self) -> Path:
        return self.path.parent

    @property
    def state_dir(self) -> Path:
        return Path(os.path.expanduser(self.settings.state_dir))

    def source(self, source_id: str):
        for src in self.settings.sources:
            if src.id == source_id:
                return src
        raise KeyError(source_id)

    def channel(self, channel_id: str):
        for ch in self.settings.channels:
            if ch.id == channel_id:
                return ch
        raise KeyError(channel_id)

    def resolve(self, relative: str) -> Path:
        return (self.base_dir / os.path.expanduser(relative)).resolve()


def _duplicate_ids(items: list, section: str, lines: LineMap) -> list[ConfigIssue]:
    first: dict[str, int] = {}
    issues = []
    for index, item in enumerate(items):
        if item.id in first:
            other = lines.line((section, first[item.id]))
            issues.append(lines.issue((section, index, "id"),
                                      f"duplicate id {item.id!r} (first used at line {other}); ids must be unique"))
        else:
            first[item.id] = index
    return issues


def _type_issues(data: dict, lines: LineMap) -> list[ConfigIssue]:
    """Name the allowed types before pydantic reports a confusing union error."""
    issues = []
    for section, allowed in (("sources", SOURCE_TYPES), ("channels", CHANNEL_TYPES)):
        entries = data.get(section)
        if not isinstance(entries, list):
            continue
        for index, entry in enumerate(entries):
            if isinstance(entry, dict) and entry.get("type") not in allowed:
                got = entry.get("type")
                what = "missing" if got is None else f"unknown type {got!r}"
                issues.append(lines.issue((section, index, "type"), f"{what} (allowed: {', '.join(allowed)})"))
    return issues


def config_path(path: str | os.PathLike | None = None) -> Path:
    return Path(path or os.environ.get("NEWSWATCH_CONFIG") or DEFAULT_CONFIG)


def load_config(path: str | os.PathLike | None = None, env: dict | None = None) -> Config:
    """Load and validate the main config file. Raises ConfigError listing every problem."""
    path = config_path(path)
    data, lines = load_yaml(path)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError([lines.issue((), "the config file must be a mapping of keys to values")])
    issues: list[ConfigIssue] = []
    data = substitute_env(data, lines, env, issues)
    type_issues = _type_issues(data, lines)
    index_map: dict[str, list[int]] = {}
    if type_issues:  # validate the rest without the entries of unknown type, to list every error
        issues += type_issues
        bad = {(i.key.split("[")[0], int(i.key.split("[")[1].split("]")[0])) for i in type_issues}
        data = dict(data)
        for section in ("sources", "channels"):
            if isinstance(data.get(section), list):
                kept = [n for n in range(len(data[section])) if (section, n) not in bad]
                index_map[section] = kept
                data[section] = [data[section][n] for n in kept]
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        def original(loc: tuple) -> tuple:
            if len(loc) > 1 and loc[0] in index_map and isinstance(loc[1], int):
                return (loc[0], index_map[loc[0]][loc[1]]) + loc[2:]
            return loc
        issues += issues_from_validation(exc, lines, drop_tags=frozenset(SOURCE_TYPES + CHANNEL_TYPES),
                                         loc_map=original)
        raise ConfigError(issues) from None
    if issues:
        raise ConfigError(issues)
    issues = _duplicate_ids(settings.sources, "sources", lines) + _duplicate_ids(settings.channels, "channels", lines)
    for index, src in enumerate(settings.sources):
        if getattr(src, "path", None) and not (path.parent / src.path).exists():
            issues.append(lines.issue(("sources", index, "path"), f"feed file {src.path!r} not found "
                                                                  f"(paths are relative to {path.parent or '.'})"))
    if issues:
        raise ConfigError(issues)
    return Config(path.resolve(), settings, lines)
