"""The source and channel kinds this build knows, for the config loader (newswatch.config.Registry)."""
from __future__ import annotations

import os
from typing import Any

from alerts.notifiers import CHANNELS
from alerts.rules.loader import Rule
from alerts.rules.loader import check_config_and_rules as _check
from alerts.rules.loader import load_config_and_rules as _load_both
from newswatch.config import Config
from newswatch.config import load_config as _load_config
from newswatch.config.registry import Registry
from newswatch.config.yamlconf import ConfigIssue
from newswatch.model.item import Item
from workers.sources import SOURCES


def read_items(spec: str, *, timeout: float = 20.0, max_bytes: int = 10 * 1024 * 1024) -> list[Item]:
    """workers.sources.inputs.read_items, imported when an input is read (the feed parser, the fetcher):
    the processes that only load a config (the desk, `newswatch run`'s parent) never load them."""
    from workers.sources.inputs import read_items as read
    return read(spec, timeout=timeout, max_bytes=max_bytes)


def registry() -> Registry:
    return Registry(sources={name: kind.config for name, kind in SOURCES.items()},
                    channels={name: kind.config for name, kind in CHANNELS.items()}, read_input=read_items)


def load_config(path: str | os.PathLike[str] | None = None, env: dict[str, str] | None = None, *,
                dry_run: bool = False) -> Config:
    """`newswatch.config.load_config` with every kind this build ships."""
    return _load_config(path, env, registry=registry(), dry_run=dry_run)


def check_config_and_rules(path: str | os.PathLike[str] | None = None, **kwargs: Any
                           ) -> tuple[Config | None, list[Rule], list[ConfigIssue]]:
    """alerts.rules.loader.check_config_and_rules with every kind this build ships."""
    return _check(path, registry=registry(), **kwargs)


def load_config_and_rules(path: str | os.PathLike[str] | None = None, **kwargs: Any) -> tuple[Config, list[Rule]]:
    """alerts.rules.loader.load_config_and_rules with every kind this build ships."""
    return _load_both(path, registry=registry(), **kwargs)
