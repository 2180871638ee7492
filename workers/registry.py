"""The source and channel kinds this build knows, for the config loader (newswatch.config.Registry)."""
from __future__ import annotations

import os

from alerts.notifiers import CHANNELS
from newswatch.config import Config
from newswatch.config import load_config as _load_config
from newswatch.config.registry import Registry
from workers.sources import SOURCES


def registry() -> Registry:
    return Registry(sources={name: kind.config for name, kind in SOURCES.items()},
                    channels={name: kind.config for name, kind in CHANNELS.items()})


def load_config(path: str | os.PathLike[str] | None = None, env: dict[str, str] | None = None, *,
                dry_run: bool = False) -> Config:
    """`newswatch.config.load_config` with every kind this build ships."""
    return _load_config(path, env, registry=registry(), dry_run=dry_run)
