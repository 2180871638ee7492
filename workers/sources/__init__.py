"""Source kinds, by config `type`: each kind's config model and its adapter. An explicit registry,
not auto-discovery (DESIGN style 6). Adding a kind: a folder here (config.py + the adapter), one
line below, and its tests."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from newswatch.config.registry import ComponentConfig
from workers.sources.base import Source
from workers.sources.feeds.config import RssSourceConfig
from workers.sources.feeds.rss import RssSource
from workers.sources.http_fetch import HttpFetcher
from workers.sources.telegram import telegram_source
from workers.sources.telegram.config import TelegramSourceConfig


# Every kind's config model: SourceKind.config must be one of them, so mypy sees what all sources have
# (id, type, interval, enabled, tags, lang, timeout) once `source_config` has narrowed a `sources:` entry.
SourceConfig = RssSourceConfig | TelegramSourceConfig


@dataclass(frozen=True)
class SourceKind:
    config: type[SourceConfig]
    build: Callable[[Any, HttpFetcher, Path], Source]   # (its config, the shared fetcher, the config's folder)


SOURCES: dict[str, SourceKind] = {
    "rss": SourceKind(RssSourceConfig, RssSource),
    "telegram": SourceKind(TelegramSourceConfig, telegram_source),
}


def build_source(config: ComponentConfig, fetcher: HttpFetcher, base_dir: Path) -> Source:
    return SOURCES[config.type].build(config, fetcher, base_dir)


def source_config(config: ComponentConfig) -> SourceConfig:
    """A `sources:` entry (core types them as ComponentConfig) as its kind's model, which the config
    loader validated it with (SOURCES[type].config)."""
    if not isinstance(config, SourceConfig):
        raise TypeError(f"source {config.id!r}: {type(config).__name__} is no source kind's config model")
    return config
