"""Source kinds, by config `type`: each kind's config model and its adapter. An explicit registry,
not auto-discovery (DESIGN style 6). Adding a kind: a folder here (config.py + the adapter), one
line below, and its tests."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from newswatch.config.registry import ComponentConfig, SourceConfig
from workers.sources.base import Source
from workers.sources.feeds.config import RssSourceConfig
from workers.sources.feeds.rss import RssSource
from workers.sources.http_fetch import HttpFetcher
from workers.sources.telegram import telegram_source
from workers.sources.telegram.config import TelegramSourceConfig


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
