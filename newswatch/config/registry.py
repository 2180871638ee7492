"""What the config loader validates `sources:` and `channels:` entries with, by their `type`.

Core knows no source or channel kind: `workers.sources` and `alerts.notifiers` each keep
an explicit dict of their config models (DESIGN style 6), and the process that loads a
config passes both in a `Registry` (`workers.registry.registry()`). Adding a kind touches
its own folder only.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Protocol

from newswatch.model.item import Item

from newswatch.config.base import Id, StrictModel
from newswatch.config.units import Duration
from newswatch.config.yamlconf import ConfigIssue, LineMap


class ComponentConfig(StrictModel):
    """What every `sources:` and `channels:` entry has; each kind's model adds its own keys."""

    id: Id
    type: str

    def config_issues(self, loc: tuple[str | int, ...], lines: LineMap, base_dir: Path) -> list[ConfigIssue]:
        """Cross-checks that need the config file's folder (files that must exist, templates).
        `loc` is this entry's place in the file, e.g. ("channels", 2)."""
        return []


class SourceConfig(ComponentConfig):
    """What every `sources:` entry has, whatever its kind (the scheduler, the matcher and the
    classifier read these); each kind's model adds where and how to read it."""

    interval: Duration = 300.0
    enabled: bool = True
    lang: str | None = None          # language to assume when the source declares none
    tags: list[str] = []             # rules can match on them (`source: <tag>`)
    timeout: Duration | None = None  # overrides http.timeout


class InputReader(Protocol):
    """Items from a feed or JSON Lines at a path or an http(s) URL, as `newswatch test-rule --input` reads them
    (workers.sources.inputs.read_items: the bounded fetcher and the feed parser); raises ValueError (InputError)
    with the problem. The desk's rule tester is handed it in the Registry, as it is handed the kinds."""

    def __call__(self, spec: str, *, timeout: float = ..., max_bytes: int = ...) -> list[Item]: ...


@dataclass(frozen=True)
class Registry:
    sources: Mapping[str, type[SourceConfig]]
    channels: Mapping[str, type[ComponentConfig]]
    read_input: InputReader | None = None   # what reads `--input` (feeds are a workers' concern)

    def section(self, name: str) -> Mapping[str, type[ComponentConfig]]:
        return self.sources if name == "sources" else self.channels
