"""Source kinds, by config `type`: each kind's config model and its adapter. An explicit registry,
not auto-discovery (DESIGN style 6). Adding a kind: a folder here (config.py + the adapter), one
line below, and its tests.

The config models are imported here, each adapter only when a source of its kind is built: reading a
config (the desk, the CLI, `newswatch run`'s parent) loads no feed parser, lxml or HTTP client."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from newswatch.config.registry import ComponentConfig, SourceConfig
from workers.sources.base import Source
from workers.sources.feeds.config import RssSourceConfig
from workers.sources.telegram.config import TelegramSourceConfig

if TYPE_CHECKING:
    from workers.sources.http_fetch import HttpFetcher


def _rss(config: RssSourceConfig, fetcher: HttpFetcher, base_dir: Path) -> Source:
    from workers.sources.feeds.rss import RssSource
    return RssSource(config, fetcher, base_dir)


def _telegram(config: TelegramSourceConfig, fetcher: HttpFetcher, base_dir: Path) -> Source:
    from workers.sources.telegram import telegram_source
    return telegram_source(config, fetcher, base_dir)


@dataclass(frozen=True)
class SourceKind:
    config: type[SourceConfig]
    build: Callable[[Any, HttpFetcher, Path], Source]   # (its config, the shared fetcher, the config's folder)


SOURCES: dict[str, SourceKind] = {
    "rss": SourceKind(RssSourceConfig, _rss),
    "telegram": SourceKind(TelegramSourceConfig, _telegram),
}


def build_source(config: ComponentConfig, fetcher: HttpFetcher, base_dir: Path) -> Source:
    return SOURCES[config.type].build(config, fetcher, base_dir)
