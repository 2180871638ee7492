"""`newswatch test-rule --input`: the rule set to try, and the items a feed or JSON Lines stands for.
What it prints per item (which rules matched and why, and asked which did not) is alerts.rules.dry_run,
which the desk's rule tester shows too."""
from __future__ import annotations

from pathlib import Path

from alerts.rules.dry_run import (explanation, match_record, report, report_and_matches,  # noqa: F401 (used here
                                  source_tags, text_summary, unknown_source)               # and by the CLI)
from alerts.rules.loader import Rule, rule_files
from newswatch.config import Config
from newswatch.model.item import Item
from workers.registry import load_config_and_rules


def load_rule_set(config_file: str | None, files: list[str]) -> tuple[Config, list[Rule], list[Path]]:
    """The config, its rules (or those of `files`, still checked against its channels) and the files read.
    Raises ConfigError listing every problem (of the config and of every rule file, as `newswatch check`)."""
    paths = [Path(f) for f in files] if files else None
    # sends nothing: channel secrets need not be set
    config, rules = load_config_and_rules(config_file, dry_run=True, files=paths)
    if paths is None:
        paths = [path for path, problem in rule_files(config) if problem is None]
    return config, rules, paths


def stand_for(items: list[Item], config: Config, source_id: str | None) -> str | None:
    """`test-rule --source ID`: the input's items stand for that configured source (its id and tags).
    Without it, an item keeps the source a JSON Lines row names (`source`), else `input`, which is no
    configured source: a `source:` condition does not hold for it, and `--explain` says so.
    Returns the problem when ID is no configured source."""
    if source_id is None:
        return None
    problem = unknown_source(config, source_id)
    if problem:
        return problem
    for item in items:
        item.source_id = source_id
    return None
