"""Adding, editing, disabling and enabling sources, and OPML import and export: what the desk's sources page,
its API and `newswatch sources` do, one implementation for all three.

A change is written to `sources.local.yaml` (newswatch.config.local_sources) only when the config with the
change reads without a problem in that file, exactly as `newswatch check` reads it (`read_config` on a
candidate file beside it, the same Registry models): otherwise SourceEditError, whose issues name the file,
line and key. One writer at a time (a lock file beside it); the file is replaced atomically, so a scheduler
reloading it never sees half of it. Nothing here logs a value: entries may hold `${VAR}` references."""
from __future__ import annotations

import fcntl
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from newswatch.config import Config, read_config
from newswatch.config.local_sources import LOCAL_SOURCES, local_path, read_local
from newswatch.config.opml import Feed, entries_from_feeds, parse_opml, to_opml
from newswatch.config.registry import Registry, SourceConfig
from newswatch.config.yamlconf import ConfigError, load_yaml

MAX_LOCAL_SOURCES = 5000
HEADER = ("# Sources added or edited from the desk (/sources) or `newswatch sources import`, merged into the\n"
          "# config's sources: (an id the config also has is replaced by this entry). Edit with care.\n")


class SourceEditError(ValueError):
    """A change that was not saved, and why: one line per problem (file:line: key: message)."""

    def __init__(self, issues: list[str], status: int = 422):
        self.issues, self.status = issues, status
        super().__init__("; ".join(issues))


@dataclass(frozen=True)
class ImportReport:
    added: list[str]
    skipped: list[dict[str, str]]


class SourceEdits:
    def __init__(self, config_path: Path, registry: Registry):
        self.config_path = Path(config_path)
        self.registry = registry
        self.local = local_path(self.config_path)

    # --- reading ----------------------------------------------------------------------------------

    def config(self) -> Config:
        """The config as loaded now (both files), for reading sources; ConfigError if it does not load."""
        config, issues = read_config(self.config_path, registry=self.registry, dry_run=True)
        if config is None:
            raise ConfigError(issues)
        return config

    def listing(self) -> list[dict[str, Any]]:
        """Every source in force (merged), with where it comes from and its settings (secrets masked)."""
        config = self.config()
        main_ids = {e.get("id") for e in self._main_entries()}
        return [{"id": s.id, "type": s.type, "enabled": s.enabled, "interval": s.interval,
                 "url": getattr(s, "url", None),
                 "origin": "local" if s.id not in main_ids else ("edited" if s.id in config.local_ids else "config"),
                 "settings": s.model_dump(mode="json", exclude_defaults=True)} for s in config.settings.sources]

    def export_opml(self) -> bytes:
        """The RSS sources with a URL, as OPML (title: the source's id)."""
        feeds = [Feed(s.id, url) for s in self.config().settings.sources
                 if s.type == "rss" and isinstance(url := getattr(s, "url", None), str)]
        return to_opml(feeds)

    # --- changing ---------------------------------------------------------------------------------

    def add(self, entry: dict[str, Any]) -> SourceConfig:
        with self._locked():
            entries = self._local_entries()
            source_id = _entry_id(entry)
            if source_id in {s.id for s in self.config().settings.sources}:
                raise SourceEditError([f"id: a source {source_id!r} exists already (edit it instead)"], 409)
            return self._commit(entries + [entry], source_id)

    def update(self, source_id: str, entry: dict[str, Any]) -> SourceConfig:
        """Replace the source's settings with `entry` (its id stays)."""
        if entry.get("id", source_id) != source_id:
            raise SourceEditError([f"id: a source's id cannot change ({source_id!r}); add a new one instead"])
        entry = {"id": source_id, **{k: v for k, v in entry.items() if k != "id"}}
        with self._locked():
            self._existing(source_id)
            return self._commit(self._replaced(self._local_entries(), source_id, entry), source_id)

    def set_enabled(self, source_id: str, enabled: bool) -> SourceConfig:
        with self._locked():
            self._existing(source_id)
            entries = self._local_entries()
            raw = next((e for e in entries if isinstance(e, dict) and e.get("id") == source_id), None)
            if raw is None:   # a source of the config file: its entry, as written (${VAR} kept), overridden here
                raw = next(e for e in self._main_entries() if e.get("id") == source_id)
            return self._commit(self._replaced(entries, source_id, {**raw, "enabled": enabled}), source_id)

    def import_opml(self, data: bytes, interval: str = "5m") -> ImportReport:
        """Each feed of the OPML file as an RSS source; URLs a source reads already are skipped (reported)."""
        feeds = parse_opml(data)
        with self._locked():
            sources = self.config().settings.sources
            urls = {u for s in sources if isinstance(u := getattr(s, "url", None), str)}
            new, skipped = entries_from_feeds(feeds, {s.id for s in sources}, urls, interval)
            if new:
                self._commit(self._local_entries() + new, None)
            return ImportReport([e["id"] for e in new], skipped)

    # --- the file ---------------------------------------------------------------------------------

    def _existing(self, source_id: str) -> SourceConfig:
        for src in self.config().settings.sources:
            if src.id == source_id:
                return src
        raise SourceEditError([f"no source {source_id!r}"], 404)

    @staticmethod
    def _replaced(entries: list[Any], source_id: str, entry: dict[str, Any]) -> list[Any]:
        out = [entry if isinstance(e, dict) and e.get("id") == source_id else e for e in entries]
        return out if any(e is entry for e in out) else out + [entry]

    def _main_entries(self) -> list[dict[str, Any]]:
        try:
            data, _ = load_yaml(self.config_path)
        except ConfigError:
            return []
        found = data.get("sources") if isinstance(data, dict) else None
        return [e for e in found if isinstance(e, dict)] if isinstance(found, list) else []

    def _local_entries(self) -> list[Any]:
        entries, _, issues = read_local(self.local)
        if issues:
            raise SourceEditError([str(i) for i in issues], 409)
        return list(entries)

    def _commit(self, entries: list[Any], source_id: str | None) -> SourceConfig:
        """Write `entries` as the local file if the config then reads without a problem in it."""
        if len(entries) > MAX_LOCAL_SOURCES:
            raise SourceEditError([f"more than {MAX_LOCAL_SOURCES} sources in {LOCAL_SOURCES}"], 413)
        try:
            text = HEADER + yaml.safe_dump({"sources": entries}, sort_keys=False, allow_unicode=True, width=120)
            text.encode("utf-8")
        except (yaml.YAMLError, RecursionError, ValueError) as exc:   # UnicodeError: a lone surrogate
            raise SourceEditError([f"the entry cannot be written as YAML ({type(exc).__name__}): "
                                   "plain strings, numbers, lists and mappings only, nested a few levels"]) from None
        fd, name = tempfile.mkstemp(prefix=".sources.local.", suffix=".yaml", dir=self.local.parent)
        candidate = Path(name)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text)
            config, issues = read_config(self.config_path, registry=self.registry, dry_run=True, local=candidate)
            mine = [str(i).replace(str(candidate), LOCAL_SOURCES) for i in issues if i.file == str(candidate)]
            if mine or config is None:
                raise SourceEditError(mine or [str(i) for i in issues])
            os.replace(candidate, self.local)
        finally:
            candidate.unlink(missing_ok=True)
        return config.source(source_id) if source_id is not None else config.settings.sources[-1]

    @contextmanager
    def _locked(self) -> Iterator[None]:
        try:
            handle = open(self.local.parent / ".sources.local.lock", "a")
        except OSError as exc:
            raise SourceEditError([f"cannot write beside the config file: {exc.strerror or exc}"], 503) from None
        with handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield


def _entry_id(entry: dict[str, Any]) -> str:
    value = entry.get("id")
    if not isinstance(value, str) or not value:
        raise SourceEditError(["id: required key is missing (a source needs an id)"])
    return value
