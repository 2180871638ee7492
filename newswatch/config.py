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

from newswatch.units import Duration, Size
from newswatch.yamlconf import ConfigError, ConfigIssue, LineMap, issues_from_validation, load_yaml, substitute_env
from newswatch.config_base import ID_PATTERN, Id, StrictModel, _read_secret_file  # noqa: F401 (re-exported)
from newswatch.config_channels import (CHANNEL_TYPES, TEMPLATE_VARIABLES, ChannelConfig,  # noqa: F401
                                       EmailChannelConfig, StdoutChannelConfig, TelegramChannelConfig,
                                       channel_template_issues)
from newswatch.config_sources import (SOURCE_TYPES, RssSourceConfig, SourceConfig,  # noqa: F401
                                      TelegramSourceConfig, telegram_channel_name)

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
    tables: str | None = None            # folder with countries/regions/actors/topics.yaml (default: beside this file, else the shipped ones)
    min_population: int = Field(15000, ge=0)
    languages: list[str] = ["en", "fr", "ar", "ru", "es", "pt", "de"]


class StoriesConfig(StrictModel):
    """Story (near-duplicate) dedup: copies of one story from any source share a story id."""
    enabled: bool = True
    window: Duration = 72 * 3600.0       # how long a story's fingerprints are remembered
    threshold: float = Field(0.3, gt=0, le=1)  # share of the shorter copy's sketch that must agree (newswatch/stories.py)


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
    stories: StoriesConfig = StoriesConfig()
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
    """Loaded settings plus where they came from.

    A config read despite errors (`read_config`, for `newswatch check` to go on to the rules) has the
    entries that had errors left out; `positions` maps each kept entry of `sources` / `channels` to its
    index in the file, and `unchecked` holds the ids (and source tags) those left-out entries declared,
    so that a rule naming one is not reported a second time."""

    def __init__(self, path: Path, settings: Settings, lines: LineMap, positions: dict | None = None,
                 unchecked: dict | None = None):
        self.path = path
        self.settings = settings
        self.lines = lines
        self.positions: dict[str, list[int]] = positions or {}
        self.unchecked: dict[str, set[str]] = unchecked or {}

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


def _duplicate_ids(items: list, section: str, lines: LineMap, position) -> list[ConfigIssue]:
    first: dict[str, int] = {}
    issues = []
    for index, item in enumerate(items):
        if item.id in first:
            other = lines.line((section, position(section, first[item.id])))
            issues.append(lines.issue((section, position(section, index), "id"),
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


DRY_RUN_SECRET = "unset-in-a-dry-run"


def load_config(path: str | os.PathLike | None = None, env: dict | None = None, *, dry_run: bool = False) -> Config:
    """Load and validate the main config file. Raises ConfigError listing every problem.
    `dry_run` (classify, test-rule: nothing is sent): an unset `${VAR}` is no error; it reads
    as DRY_RUN_SECRET, so a channel's password need not be in the environment to try a rule."""
    config, issues = read_config(path, env, dry_run=dry_run)
    if issues:
        raise ConfigError(issues)
    return config


_SECTIONS = ("sources", "channels")


def read_config(path: str | os.PathLike | None = None, env: dict | None = None, *,
                dry_run: bool = False) -> tuple[Config | None, list[ConfigIssue]]:
    """Every problem of the main config file, and the config as far as it could be read despite them:
    the entries of `sources` / `channels` and the other keys that had errors are left out (defaults
    instead; `rules` with an error: none), so the rule files can still be checked against the rest
    (`newswatch check` lists the errors of the config and of every rule file at once). The config is
    None only when the file cannot be read as a mapping."""
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
    type_issues = _type_issues(data, lines)
    issues += type_issues
    bad = {(i.key.split("[")[0], int(i.key.split("[")[1].split("]")[0])) for i in type_issues}
    data, positions, unchecked = _without(data, bad, {})
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        def original(loc: tuple) -> tuple:
            if len(loc) > 1 and loc[0] in positions and isinstance(loc[1], int):
                return (loc[0], positions[loc[0]][loc[1]]) + loc[2:]
            return loc
        issues += issues_from_validation(exc, lines, drop_tags=frozenset(SOURCE_TYPES + CHANNEL_TYPES),
                                         loc_map=original)
        settings, data, positions, unchecked = _salvage(data, exc, positions, unchecked)
        if settings is None:
            return None, _by_line(issues)
    config = Config(path.resolve(), settings, lines, positions, unchecked)
    issues += _cross_checks(config, path, lines)
    return config, _by_line(issues)


def _by_line(issues: list[ConfigIssue]) -> list[ConfigIssue]:
    return sorted(issues, key=lambda i: (i.file, i.line or 0))


def _without(data: dict, bad: set, positions: dict) -> tuple[dict, dict, dict]:
    """`data` without the (section, index) entries in `bad`; where each kept entry stands in the file
    (through `positions`, the map of an earlier pass); the ids and tags the removed entries declared."""
    data, positions, unchecked = dict(data), {k: list(v) for k, v in positions.items()}, {}
    for section in _SECTIONS:
        entries = data.get(section)
        if not isinstance(entries, list):
            continue
        where = positions.get(section, list(range(len(entries))))
        kept = [n for n in range(len(entries)) if (section, n) not in bad]
        for n in range(len(entries)):
            if (section, n) in bad and isinstance(entries[n], dict):
                declared = [entries[n].get("id")] + (entries[n].get("tags") if isinstance(entries[n].get("tags"), list)
                                                     else [])
                unchecked.setdefault(section, set()).update(v for v in declared if isinstance(v, str))
        positions[section] = [where[n] for n in kept]
        data[section] = [entries[n] for n in kept]
    return data, positions, unchecked


def _salvage(data: dict, exc: ValidationError, positions: dict, unchecked: dict):
    """Settings from `data` without the parts pydantic rejected, or None when even that fails."""
    bad, keys = set(), set()
    for err in exc.errors(include_input=False, include_url=False):
        loc = tuple(p for p in err["loc"] if p not in SOURCE_TYPES + CHANNEL_TYPES)
        if len(loc) > 1 and loc[0] in _SECTIONS and isinstance(loc[1], int):
            bad.add((loc[0], loc[1]))
        elif loc:
            keys.add(loc[0])
    data, positions, more = _without(data, bad, positions)
    for section, ids in more.items():
        unchecked.setdefault(section, set()).update(ids)
    for key in keys:
        if key == "rules":
            data["rules"] = []          # not the default glob: which rule files were meant is unknown
        else:
            data.pop(key, None)
    try:
        return Settings.model_validate(data), data, positions, unchecked
    except ValidationError:
        return None, data, positions, unchecked


def _cross_checks(config: Config, path: Path, lines: LineMap) -> list[ConfigIssue]:
    """Duplicate ids, missing feed files, broken templates: over the entries that validated."""
    settings, position = config.settings, config.position
    issues = _duplicate_ids(settings.sources, "sources", lines, position) + \
        _duplicate_ids(settings.channels, "channels", lines, position)
    for index, src in enumerate(settings.sources):
        if getattr(src, "path", None) and not (path.parent / src.path).exists():
            issues.append(lines.issue(("sources", position("sources", index), "path"),
                                      f"feed file {src.path!r} not found (paths are relative to {path.parent or '.'})"))
    issues += channel_template_issues(settings.channels, lines, path.parent,
                                      [position("channels", n) for n in range(len(settings.channels))])
    return issues
