"""`type: telegram` sources: the public web preview (`mode: web`) or MTProto (`mode: mtproto`)."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from workers.sources.telegram.config import TelegramSourceConfig

if TYPE_CHECKING:   # this package is imported for its config model too (workers.sources): no HTTP client then
    from workers.sources.http_fetch import HttpFetcher


def telegram_source(config: TelegramSourceConfig, fetcher: HttpFetcher, base_dir: Path):
    if config.mode == "mtproto":
        from workers.sources.telegram.mtproto import TelegramMtprotoSource  # telethon only when used
        return TelegramMtprotoSource(config)
    from workers.sources.telegram.web import TelegramWebSource
    return TelegramWebSource(config, fetcher)
