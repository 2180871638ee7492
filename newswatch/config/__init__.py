"""The operator's file, `config/newswatch.yaml`: defaults, then field checks, then cross-field checks.

Rule files are loaded by `alerts.rules.loader`, which checks rule → channel
references against what this module loaded.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator

from newswatch.config.base import DRY_RUN_SECRET, ID_PATTERN, Id, StrictModel  # noqa: F401 (re-exported)
from newswatch.config.registry import ComponentConfig, Registry
from newswatch.config.units import Duration, Size
from newswatch.config.yamlconf import ConfigError, ConfigIssue, LineMap, issues_from_validation, load_yaml, substitute_env

DEFAULT_CONFIG = "config/newswatch.yaml"


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
    tables: str | None = None            # folder with countries/regions/actors/topics.yaml, relative to this file (default: the packaged ones)
    min_population: int = Field(15000, ge=0)
    languages: list[str] = ["en", "fr", "ar", "ru", "es", "pt", "de"]


class StoriesConfig(StrictModel):
    """Story (near-duplicate) dedup: copies of one story from any source share a story id."""
    enabled: bool = True
    window: Duration = 72 * 3600.0       # how long a story's fingerprints are remembered
    threshold: float = Field(0.3, gt=0, le=1)  # share of the shorter copy's sketch that must agree (newswatch/pipeline/stories.py)


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
    log_format: Literal["text", "json"] = "text"   # json: one object per line (newswatch/logs.py)
    http: HttpConfig = HttpConfig()
    delivery: DeliveryConfig = DeliveryConfig()
    worker: WorkerConfig = WorkerConfig()
    classify: ClassifyConfig = ClassifyConfig()
    status: StatusConfig = StatusConfig()
    stories: StoriesConfig = StoriesConfig()
    sources: list[ComponentConfig] = []    # each validated by its kind's model (Registry)
    channels: list[ComponentConfig] = []
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


def _component_issues(data: dict, registry: Registry, lines: LineMap,
                      context: dict[str, object]) -> tuple[dict, list[ConfigIssue]]:
    """Validate each `sources:` / `channels:` entry with its kind's model (every error, with its
    line); return the data with the validated entries (entries that fail are left out)."""
    issues: list[ConfigIssue] = []
    data = dict(data)
    for section in ("sources", "channels"):
        entries = data.get(section)
        if not isinstance(entries, list):
            continue
        kinds = registry.section(section)
        valid = []
        for index, entry in enumerate(entries):
            got = entry.get("type") if isinstance(entry, dict) else None
            model = kinds.get(got) if isinstance(got, str) else None
            if model is None:
                what = "missing" if got is None else f"unknown type {got!r}"
                if not isinstance(entry, dict):
                    issues.append(lines.issue((section, index), "expected a mapping of keys to values"))
                else:
                    issues.append(lines.issue((section, index, "type"), f"{what} (allowed: {', '.join(kinds)})"))
                continue
            try:
                valid.append(model.model_validate(entry, context=context))
            except ValidationError as exc:
                issues += issues_from_validation(exc, lines, prefix=(section, index))
        data[section] = valid
    return data, issues


def config_path(path: str | os.PathLike | None = None) -> Path:
    return Path(path or os.environ.get("NEWSWATCH_CONFIG") or DEFAULT_CONFIG)


def load_config(path: str | os.PathLike[str] | None = None, env: dict[str, str] | None = None, *,
                registry: Registry, dry_run: bool = False) -> Config:
    """Load and validate the main config file. Raises ConfigError listing every problem.
    `registry`: the source and channel kinds (workers.registry). A relative `*_file` is read from
    the config file's folder. `dry_run` (classify, test-rule, alerts, status, silence: nothing is
    polled or sent): an unset `${VAR}` is no error; it reads as DRY_RUN_SECRET, which passes every
    format check, and so does an unreadable `*_file`, so a channel's password need not be there to
    try a rule or list alerts."""
    path = config_path(path)
    data, lines = load_yaml(path)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError([lines.issue((), "the config file must be a mapping of keys to values")])
    issues: list[ConfigIssue] = []
    data = substitute_env(data, lines, env, issues, missing=DRY_RUN_SECRET if dry_run else None)
    context: dict[str, object] = {"base_dir": path.parent, "dry_run": dry_run}   # newswatch.config.base
    data, component_issues = _component_issues(data, registry, lines, context)
    issues += component_issues
    try:
        settings = Settings.model_validate(data, context=context)
    except ValidationError as exc:
        issues += issues_from_validation(exc, lines)
        raise ConfigError(issues) from None
    if issues:
        raise ConfigError(issues)
    issues = _duplicate_ids(settings.sources, "sources", lines) + _duplicate_ids(settings.channels, "channels", lines)
    for section, entries in (("sources", settings.sources), ("channels", settings.channels)):
        for index, entry in enumerate(entries):
            issues += entry.config_issues((section, index), lines, path.parent)
    from newswatch.classify.tables import tables_issue   # the classifier's own rule for the folder
    if problem := tables_issue(settings.classify.tables, path.parent):
        issues.append(lines.issue(("classify", "tables"), problem))
    if issues:
        raise ConfigError(issues)
    return Config(path.resolve(), settings, lines)
