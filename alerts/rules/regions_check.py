"""Region slugs in rules (`region: sahel`, `place: {region: ...}`) checked against the tables.

A misspelt slug ("sahl") would otherwise compile to a condition that never holds, silently. The
known slugs are the named regions of regions.yaml and the UN M49 regions of countries.yaml, from
the tables the classifier uses (`classify.tables`); they are read once per change of those files.
"""
from __future__ import annotations

import difflib
import re
from functools import lru_cache
from pathlib import Path

from alerts.rules.facts import Place, Region
from newswatch.config.yamlconf import ConfigIssue

_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def known_regions(tables_dir: Path) -> frozenset[str]:
    files = [tables_dir / "regions.yaml", tables_dir / "countries.yaml"]
    return _known(str(tables_dir), tuple(f.stat().st_mtime_ns if f.exists() else 0 for f in files))


@lru_cache(maxsize=4)
def _known(tables_dir: str, _mtimes: tuple) -> frozenset[str]:
    from newswatch.classify.tables import load_tables   # the classifier's own loader and checks
    return frozenset(load_tables(Path(tables_dir), with_cities=False).regions)


def clause_path(path: str) -> tuple:
    """"when.any[0].region" -> ("when", "any", 0, "region") (the key a rule issue is located by)."""
    return tuple(int(index) if index else name for name, index in _PART.findall(path))


def unknown_region_issues(rules, known: frozenset[str]) -> list[ConfigIssue]:
    from alerts.rules.matcher import walk
    issues = []
    for rule in rules:
        for node in walk(rule.when):
            slugs = node.slugs if isinstance(node, Region) else (node.regions or []) if isinstance(node, Place) else []
            for slug in slugs:
                if slug not in known:
                    close = difflib.get_close_matches(slug, sorted(known), n=1)
                    hint = f" (did you mean {close[0]!r}?)" if close else " (see the tables' regions.yaml)"
                    issues.append(rule.issue(clause_path(node.path), f"unknown region {slug!r}{hint}"))
    return issues
