"""The operator's file, `config/newswatch.yaml`: defaults, then field checks, then cross-field checks.

Rule files are loaded by `alerts.rules.loader`, which checks rule → channel
references against what this module loaded.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator

from newswatch.config.archive import ArchiveConfig
from newswatch.config.base import DRY_RUN_SECRET, ID_PATTERN, Id, StrictModel  # noqa: F401 (re-exported)
from newswatch.config.health import HealthConfig, SystemAlertsConfig, health_issues
from newswatch.config.local_sources import merge_local
from newswatch.config.registry import ComponentConfig, Registry, SourceConfig
from newswatch.config.units import Duration, Size
from newswatch.config.web import WebConfig
from newswatch.model.item import ItemLimits
from newswatch.config.yamlconf import ConfigError, ConfigIssue, LineMap, issues_from_validation, load_yaml, substitute_env

DEFAULT_CONFIG = "config/newswatch.yaml"


# --- the whole file ----------------------------------------------------------

class HttpConfig(StrictModel):
    timeout: Duration = 20.0
    max_bytes: Size = 10 * 1024 * 1024
    user_agent: str | None = None


class ItemsConfig(StrictModel):
    """How much of each item is kept (UTF-8 bytes): longer titles and texts are clipped with "…"."""
    max_title: Size = Field(default=1000, ge=16, le=1_000_000)
    max_text: Size = Field(default=100_000, ge=16, le=100_000_000)

    @property
    def limits(self) -> ItemLimits:
        return ItemLimits(max_title=self.max_title, max_text=self.max_text)


class DeliveryConfig(StrictModel):
    max_retries: int = Field(default=12, ge=0)
    retry_backoff: Duration = 10.0       # first retry after this, doubling
    retry_backoff_max: Duration = 1800.0
    redeliver_after: Duration = 300.0    # an open delivery nobody touched this long is enqueued again


class WorkerConfig(StrictModel):
    concurrency: int = Field(default=8, ge=1, le=256)
    pipelines: int = Field(default=2, ge=1, le=256)   # polls that parse and process items at once (the rest fetch)
    backoff_max: Duration = 3600.0       # cap of a failing source's exponential back-off


class ClassifyConfig(StrictModel):
    enabled: bool = True
    tables: str | None = None            # folder with countries/regions/actors/topics.yaml, relative to this file (default: the packaged ones)
    min_population: int = Field(default=15000, ge=0)
    languages: list[str] = ["en", "fr", "ar", "ru", "es", "pt", "de"]


class StoriesConfig(StrictModel):
    """Story (near-duplicate) dedup: copies of one story from any source share a story id."""
    enabled: bool = True
    window: Duration = 72 * 3600.0       # how long a story's fingerprints are remembered
    threshold: float = Field(default=0.3, gt=0, le=1)  # share of the shorter copy's sketch that must agree (newswatch/pipeline/stories.py)
    link: bool = True                    # an item that opened a story or event joins an independent report's (story_link.py)
    link_threshold: float = Field(default=0.6, gt=0, le=1)  # TF-IDF cosine (entities, lead-word stems) to join a story
    link_event_threshold: float = Field(default=0.4, gt=0, le=1)  # ... to join an event
    link_cross_threshold: float = Field(default=0.5, gt=0, le=1)  # ... in another language: entities alone


class EventsConfig(StrictModel):
    """Event clustering: every report of one event, any outlet or language, shares an event id."""
    enabled: bool = True
    window_days: int = Field(default=2, ge=0, le=7)   # reports whose days differ by at most this many
    threshold: float = Field(default=0.3, gt=0, le=1)  # weighted Jaccard of the keys that makes one event (newswatch/pipeline/event_keys.py)


class StatusConfig(StrictModel):
    """`/metrics` and `/healthz` of `run`, `worker` and `scheduler` (off unless a port is given)."""
    host: str = "127.0.0.1"
    port: int | None = Field(default=None, ge=0, le=65535)


class Settings(StrictModel):
    redis_url: str | None = None
    key_prefix: str = Field(default="nw", pattern=r"^[A-Za-z0-9_.:-]{1,32}$")
    state_dir: str = "~/.local/state/newswatch"
    max_age: Duration = 48 * 3600.0      # 0 / off: no age limit
    seen_ttl: Duration = 30 * 86400.0
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_format: Literal["text", "json"] = "text"   # json: one object per line (newswatch/logs.py)
    http: HttpConfig = HttpConfig()
    items: ItemsConfig = ItemsConfig()
    delivery: DeliveryConfig = DeliveryConfig()
    worker: WorkerConfig = WorkerConfig()
    classify: ClassifyConfig = ClassifyConfig()
    status: StatusConfig = StatusConfig()
    stories: StoriesConfig = StoriesConfig()
    events: EventsConfig = EventsConfig()
    health: HealthConfig = HealthConfig()
    system_alerts: SystemAlertsConfig = SystemAlertsConfig()
    archive: ArchiveConfig = ArchiveConfig()   # newswatch/config/archive.py
    web: WebConfig = WebConfig()               # newswatch/config/web.py: the desk in the browser
    sources: list[SourceConfig] = []       # each validated by its kind's model (Registry)
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
    """Loaded settings plus where they came from.

    A config read despite errors (`read_config`, for `newswatch check` to go on to the rules) has the
    entries that had errors left out; `positions` maps each kept entry of `sources` / `channels` to its
    index in the file, and `unchecked` holds the ids (and source tags) those left-out entries declared,
    so that a rule naming one is not reported a second time."""

    def __init__(self, path: Path, settings: Settings, lines: LineMap,
                 positions: dict[str, list[int]] | None = None, unchecked: dict[str, set[str]] | None = None,
                 registry: Registry | None = None, local_ids: frozenset[str] = frozenset()):
        self.path = path
        self.settings = settings
        self.lines = lines
        self.positions: dict[str, list[int]] = positions or {}
        self.unchecked: dict[str, set[str]] = unchecked or {}
        self.registry = registry      # the kinds it was loaded with (the desk validates edits with them)
        self.local_ids = local_ids    # sources from sources.local.yaml (checked against that file's lines)

    def position(self, section: str, index: int) -> int:
        """Where `settings.<section>[index]` stands in the file's list (entries with errors left out)."""
        kept = self.positions.get(section)
        return kept[index] if kept is not None else index

    @property
    def base_dir(self) -> Path:
        return self.path.parent

    @property
    def state_dir(self) -> Path:
        return Path(os.path.expanduser(self.settings.state_dir))

    def source(self, source_id: str) -> SourceConfig:
        for src in self.settings.sources:
            if src.id == source_id:
                return src
        raise KeyError(source_id)

    def channel(self, channel_id: str) -> ComponentConfig:
        for ch in self.settings.channels:
            if ch.id == channel_id:
                return ch
        raise KeyError(channel_id)

    def resolve(self, relative: str) -> Path:
        return (self.base_dir / os.path.expanduser(relative)).resolve()


_SECTIONS = ("sources", "channels")


def _components(data: dict[str, Any], registry: Registry, lines: LineMap, context: dict[str, object]
                ) -> tuple[dict[str, Any], list[ConfigIssue], dict[str, list[int]], dict[str, set[str]]]:
    """Validate each `sources:` / `channels:` entry with its kind's model (every error, with its line).
    Returns the data with the entries that validated, the issues, where each kept entry stands in the
    file, and the ids and tags the left-out entries declared."""
    issues: list[ConfigIssue] = []
    positions: dict[str, list[int]] = {}
    unchecked: dict[str, set[str]] = {}
    data = dict(data)
    for section in _SECTIONS:
        entries = data.get(section)
        if not isinstance(entries, list):
            continue
        kinds = registry.section(section)
        valid, positions[section] = [], []
        for index, entry in enumerate(entries):
            got = entry.get("type") if isinstance(entry, dict) else None
            model = kinds.get(got) if isinstance(got, str) else None
            try:
                if not isinstance(entry, dict):
                    issues.append(lines.issue((section, index), "expected a mapping of keys to values"))
                elif model is None:
                    what = "missing" if got is None else f"unknown type {got!r}"
                    issues.append(lines.issue((section, index, "type"), f"{what} (allowed: {', '.join(kinds)})"))
                else:
                    valid.append(model.model_validate(entry, context=context))
                    positions[section].append(index)
                    continue
            except ValidationError as exc:
                issues += issues_from_validation(exc, lines, prefix=(section, index))
            if isinstance(entry, dict):
                raw_tags = entry.get("tags")
                tags: list[Any] = raw_tags if isinstance(raw_tags, list) else []
                unchecked.setdefault(section, set()).update(v for v in [entry.get("id"), *tags] if isinstance(v, str))
        data[section] = valid
    return data, issues, positions, unchecked


def _settings(data: dict[str, Any], lines: LineMap, context: dict[str, object]
              ) -> tuple[Settings | None, list[ConfigIssue]]:
    """Settings from `data`; on errors, the settings without the keys that had them (defaults instead;
    `rules` with an error: none, since which rule files were meant is unknown), or None."""
    try:
        return Settings.model_validate(data, context=context), []
    except ValidationError as exc:
        issues = issues_from_validation(exc, lines)
        bad = {err["loc"][0] for err in exc.errors(include_input=False, include_url=False) if err["loc"]}
    salvaged = {k: v for k, v in data.items() if k not in bad}
    if "rules" in bad:
        salvaged["rules"] = []
    try:
        return Settings.model_validate(salvaged, context=context), issues
    except ValidationError:
        return None, issues


def _duplicate_ids(config: Config, section: str) -> list[ConfigIssue]:
    first: dict[str, int] = {}
    issues = []
    for index, item in enumerate(getattr(config.settings, section)):
        if section == "sources" and item.id in config.local_ids:
            continue
        if item.id in first:
            other = config.lines.line((section, config.position(section, first[item.id])))
            issues.append(config.lines.issue((section, config.position(section, index), "id"),
                                             f"duplicate id {item.id!r} (first used at line {other}); ids must be unique"))
        else:
            first[item.id] = index
    return issues


def _cross_checks(config: Config) -> list[ConfigIssue]:
    """Duplicate ids, health and system_alerts (newswatch.config.health), each entry's own checks that
    need the config's folder, the tables folder."""
    issues = _duplicate_ids(config, "sources") + _duplicate_ids(config, "channels") + health_issues(config)
    for section in _SECTIONS:
        for index, entry in enumerate(getattr(config.settings, section)):
            if section == "sources" and entry.id in config.local_ids:
                continue   # checked against sources.local.yaml's lines (newswatch.config.local_sources)
            issues += entry.config_issues((section, config.position(section, index)), config.lines, config.base_dir)
    from newswatch.classify.tables import tables_issue   # the classifier's own rule for the folder
    if problem := tables_issue(config.settings.classify.tables, config.base_dir):
        issues.append(config.lines.issue(("classify", "tables"), problem))
    return issues


def config_path(path: str | os.PathLike[str] | None = None) -> Path:
    return Path(path or os.environ.get("NEWSWATCH_CONFIG") or DEFAULT_CONFIG)


def read_config(path: str | os.PathLike[str] | None = None, env: dict[str, str] | None = None, *,
                registry: Registry, dry_run: bool = False, local: Path | None = None
                ) -> tuple[Config | None, list[ConfigIssue]]:
    """Every problem of the main config file, and the config as far as it could be read despite them
    (entries and keys with errors left out), so that `newswatch check` can still check the rule files
    against the rest and list every error at once. None only when the file is no mapping at all.
    `registry`: the source and channel kinds (workers.registry). A relative `*_file` is read from
    the config file's folder. `dry_run` (classify, test-rule, alerts, status, silence: nothing is
    polled or sent): an unset `${VAR}` is no error; it reads as DRY_RUN_SECRET, which passes every
    format check, and so does an unreadable `*_file`, so a channel's password need not be there to
    try a rule or list alerts. The sources of `sources.local.yaml` beside the file are merged into
    `sources:` (newswatch.config.local_sources; `local`: a candidate file read instead, to check an edit)."""
    path = config_path(path)
    issues: list[ConfigIssue] = []
    try:
        data, lines = load_yaml(path, issues)
    except ConfigError as exc:
        return None, exc.issues
    if data is None:
        data = {}
    if not isinstance(data, dict):
        return None, issues + [lines.issue((), "the config file must be a mapping of keys to values")]
    data = substitute_env(data, lines, env, issues, missing=DRY_RUN_SECRET if dry_run else None)
    context: dict[str, object] = {"base_dir": path.parent, "dry_run": dry_run}   # newswatch.config.base
    data, more, positions, unchecked = _components(data, registry, lines, context)

    def validate_local(local_data: dict[str, Any], local_lines: LineMap) -> Any:
        local_data = substitute_env(local_data, local_lines, env, more, missing=DRY_RUN_SECRET if dry_run else None)
        return _components(local_data, registry, local_lines, context)
    data, local_issues, local_ids = merge_local(data, path, validate_local, local)   # sources.local.yaml
    settings, settings_issues = _settings(data, lines, context)
    issues += more + local_issues + settings_issues
    if settings is None:
        return None, _by_line(issues)
    config = Config(path.resolve(), settings, lines, positions, unchecked, registry, local_ids)
    return config, _by_line(issues + _cross_checks(config))


def load_config(path: str | os.PathLike[str] | None = None, env: dict[str, str] | None = None, *,
                registry: Registry, dry_run: bool = False) -> Config:
    """`read_config`, raising one ConfigError with every problem."""
    config, issues = read_config(path, env, registry=registry, dry_run=dry_run)
    if issues or config is None:
        raise ConfigError(issues)
    return config


def _by_line(issues: list[ConfigIssue]) -> list[ConfigIssue]:
    return sorted(issues, key=lambda i: (i.file, i.line or 0))
