"""Rule files: `config/rules/*.yaml`, each a list of rules, validated with pointed errors."""
from __future__ import annotations

import gc
import glob
import hashlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError

from alerts.rules.conditions import parse_condition
from newswatch.config import ID_PATTERN, Config, StrictModel
from newswatch.config.units import Duration
from newswatch.model.severity import Severity
from newswatch.config.yamlconf import ConfigError, ConfigIssue, LineMap, issues_from_validation, load_yaml, substitute_env




class RuleModel(StrictModel):
    id: str = Field(pattern=ID_PATTERN)
    title: str = Field(min_length=1)
    description: str = ""
    severity: Severity = "medium"
    enabled: bool = True
    when: Any
    notify: list[str] = Field(min_length=1)
    realert: Duration = 6 * 3600.0


@dataclass
class Rule:
    id: str
    title: str
    description: str
    severity: str
    enabled: bool
    when: Any          # a compiled condition tree (alerts.rules.conditions)
    notify: list[str]
    realert: float
    file: str
    line: int | None
    lines: LineMap = field(repr=False, default=None)
    path: tuple = ()

    def issue(self, key: tuple, message: str) -> ConfigIssue:
        return self.lines.issue(self.path + key, message)


def rule_files(config: Config) -> list[tuple[Path, ConfigIssue | None]]:
    files = []
    for index, pattern in enumerate(config.settings.rules):
        full = str(config.resolve(pattern))
        matches = sorted(glob.glob(full)) if glob.has_magic(pattern) else [full]
        if not matches or not Path(matches[0]).exists():
            files.append((Path(full), config.lines.issue(("rules", index), f"{pattern!r} matches no rule file "
                                                         f"(paths are relative to {config.base_dir})")))
        files.extend((Path(m), None) for m in matches if Path(m).exists())
    return files


@contextmanager
def gc_paused():
    """Reading and compiling 10,000 rules builds a large acyclic structure: cyclic GC passes
    over it would only cost time (as in `newswatch.config.yamlconf.load_yaml`). Restores the previous state."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def parse_rule_file(path: Path) -> tuple[list[Rule], list[ConfigIssue]]:
    """One file's rules and problems (cross-file checks are left to `load_rules`)."""
    with gc_paused():
        return _parse_rule_file(path)


def _parse_rule_file(path: Path) -> tuple[list[Rule], list[ConfigIssue]]:
    try:
        data, lines = load_yaml(path)
    except ConfigError as exc:
        return [], exc.issues
    if data is None:
        return [], []
    if not isinstance(data, list):
        return [], [lines.issue((), "a rule file is a list of rules (each starting with '- id: ...')")]
    issues: list[ConfigIssue] = []
    data = substitute_env(data, lines, issues=issues)
    rules = []
    for index, raw in enumerate(data):
        rule = _parse_rule(raw, (index,), lines, issues)
        if rule is not None:
            rules.append(rule)
    return rules, issues


def _parse_rule(raw: Any, path: tuple, lines: LineMap, issues: list) -> Rule | None:
    try:
        model = RuleModel.model_validate(raw)
    except ValidationError as exc:
        issues.extend(issues_from_validation(exc, lines, prefix=path))
        return None
    errors: list = []
    when = parse_condition(model.when, ("when",), errors)
    issues.extend(lines.issue(path + p, msg) for p, msg in errors)
    if when is None:
        return None
    return Rule(model.id, model.title, model.description, model.severity, model.enabled, when,
                model.notify, model.realert, lines.file, lines.line(path), lines, path)


def load_rules(config: Config, files: list[Path] | None = None) -> list[Rule]:
    """All rules of the config (or of `files`), checked against its channels. Raises ConfigError."""
    issues: list[ConfigIssue] = []
    paths = [(Path(f), None) for f in files] if files is not None else rule_files(config)
    rules: list[Rule] = []
    for path, problem in paths:
        if problem is not None:
            issues.append(problem)
            continue
        file_rules, file_issues = parse_rule_file(path)
        rules.extend(file_rules)
        issues.extend(file_issues)
    channels = {c.id for c in config.settings.channels}
    first: dict[str, Rule] = {}
    for rule in rules:
        if rule.id in first:
            other = first[rule.id]
            issues.append(rule.issue(("id",), f"duplicate rule id {rule.id!r} "
                                              f"(first defined at {other.file}:{other.line}); rule ids must be unique"))
        first.setdefault(rule.id, rule)
        for index, channel in enumerate(rule.notify):
            if channel not in channels:
                issues.append(rule.issue(("notify", index), f"unknown channel {channel!r} "
                                         f"(allowed: {', '.join(sorted(channels)) or 'no channels defined'})"))
    if not issues:
        issues += _region_issues(config, rules)
    if issues:
        raise ConfigError(issues)
    return rules


def rules_digest(paths: list[Path]) -> str:
    """Content hash of the rule files: what hot reload compares."""
    h = hashlib.sha256()
    for path in sorted(paths):
        h.update(str(path).encode())
        try:
            h.update(path.read_bytes())
        except OSError:
            h.update(b"<missing>")
    return h.hexdigest()


def _region_issues(config: Config, rules: list[Rule]) -> list[ConfigIssue]:
    """Unknown region slugs, against the tables the classifier would use (alerts/rules/regions_check.py)."""
    from alerts.rules.regions_check import known_regions, unknown_region_issues
    from newswatch.classify.tables import tables_dir
    return unknown_region_issues(rules, known_regions(tables_dir(config.settings.classify.tables, config.base_dir)))
