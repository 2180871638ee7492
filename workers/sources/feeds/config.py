"""`type: rss` sources: the config model (a feed URL or a local feed file)."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import model_validator

from newswatch.config.registry import SourceConfig
from newswatch.config.yamlconf import ConfigIssue, LineMap


class RssSourceConfig(SourceConfig):
    type: Literal["rss"]
    url: str | None = None           # http(s) URL of the feed
    path: str | None = None          # or a local feed file, relative to the config file

    @model_validator(mode="after")
    def _one_location(self) -> "RssSourceConfig":
        if (self.url is None) == (self.path is None):
            raise ValueError("give exactly one of 'url' (http/https) or 'path' (a local feed file)")
        if self.url is not None and not re.match(r"^https?://", self.url):
            raise ValueError("url must start with http:// or https:// (use 'path' for a local file)")
        if self.interval < 1:
            raise ValueError("interval must be at least 1s")
        return self

    def config_issues(self, loc: tuple[str | int, ...], lines: LineMap, base_dir: Path) -> list[ConfigIssue]:
        if self.path and not (base_dir / self.path).exists():
            return [lines.issue(loc + ("path",), f"feed file {self.path!r} not found "
                                                 f"(paths are relative to {base_dir or '.'})")]
        return []
