"""The sources the operator adds or edits from the desk (or `newswatch sources import`): a second file beside
the config file, `sources.local.yaml` (`sources:` and a list, the same keys as the config's `sources:`).

At load (`newswatch.config.read_config`) its entries are validated with the same Registry models as the
config's own, and merged into `sources:`: an entry whose id the config file also has replaces that one in
place (that is how a configured source is edited or disabled without touching the operator's file); the
others are added after. Errors name this file, its line and key. `sources_digest` is the content hash of
both files: the running scheduler and workers reload their sources when it changes (workers.sources_reload)."""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Callable

from newswatch.config.registry import SourceConfig
from newswatch.config.yamlconf import ConfigError, ConfigIssue, LineMap, load_yaml

LOCAL_SOURCES = "sources.local.yaml"
MAX_LOCAL_BYTES = 4 * 1024 * 1024

# validate(data, lines) -> (data with valid entries, issues, positions, unchecked ids): read_config's
Validate = Callable[[dict[str, Any], LineMap], tuple[dict[str, Any], list[ConfigIssue], Any, Any]]


def local_path(config_path: Path) -> Path:
    """Where the desk keeps its sources: beside the config file."""
    return Path(config_path).parent / LOCAL_SOURCES


def sources_digest(config_path: Path) -> str:
    """Content hash of the config file and its local sources file (a missing file hashes as empty)."""
    digest = hashlib.sha256()
    for path in (Path(config_path), local_path(config_path)):
        try:
            digest.update(path.read_bytes())
        except OSError:
            pass
        digest.update(b"\0")
    return digest.hexdigest()


def read_local(path: Path) -> tuple[list[Any], LineMap, list[ConfigIssue]]:
    """The raw entries of the local sources file (none when there is no file), its lines, its problems."""
    empty = LineMap(str(path), {})
    if not path.exists():
        return [], empty, []
    if path.stat().st_size > MAX_LOCAL_BYTES:
        return [], empty, [ConfigIssue(str(path), None, "", f"larger than {MAX_LOCAL_BYTES} bytes")]
    issues: list[ConfigIssue] = []
    try:
        data, lines = load_yaml(path, issues)
    except ConfigError as exc:
        return [], empty, exc.issues
    if data is None:
        return [], lines, issues
    if not isinstance(data, dict):
        return [], lines, issues + [lines.issue((), "expected a mapping with one key, sources:")]
    issues += [lines.issue((key,), f"unknown key '{key}' (allowed: sources)") for key in data if key != "sources"]
    entries = data.get("sources") or []
    if not isinstance(entries, list):
        return [], lines, issues + [lines.issue(("sources",), "expected a list of sources")]
    return entries, lines, issues


def merge_local(data: dict[str, Any], config_path: Path, validate: Validate, local: Path | None = None
                ) -> tuple[dict[str, Any], list[ConfigIssue], frozenset[str]]:
    """`data` (the config, its own sources validated) with the local file's valid sources merged in; the
    local file's problems; the ids the local file gave. `local`: another file to read instead (a candidate)."""
    path = local if local is not None else local_path(config_path)
    entries, lines, issues = read_local(path)
    if not entries:
        return data, issues, frozenset()
    checked, more, _positions, _unchecked = validate({"sources": entries}, lines)
    issues += more
    valid: list[SourceConfig] = checked.get("sources", [])
    ids: dict[str, int] = {}
    for index, src in enumerate(valid):
        if src.id in ids:
            issues.append(lines.issue(("sources", _position(entries, src.id, 1), "id"),
                                      f"duplicate id {src.id!r} in this file; ids must be unique"))
            continue
        ids[src.id] = index
        issues += src.config_issues(("sources", _position(entries, src.id, 0)), lines, Path(config_path).parent)
    own = data.get("sources")
    if not isinstance(own, list):
        return data, issues, frozenset(ids)
    by_id = {src.id: src for n, src in enumerate(valid) if ids.get(src.id) == n}
    merged = [by_id.pop(src.id, src) for src in own]
    return {**data, "sources": merged + list(by_id.values())}, issues, frozenset(ids)


def _position(entries: list[Any], source_id: str, nth: int) -> int:
    """Index of the `nth` (0: first) raw entry with this id."""
    found = [n for n, e in enumerate(entries) if isinstance(e, dict) and e.get("id") == source_id]
    return found[min(nth, len(found) - 1)] if found else 0
