"""Rule files: `config/rules/*.yaml`, each a list of rules, validated with pointed errors."""
from __future__ import annotations

import gc
import glob
import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError

from alerts.rules.conditions import parse_condition
from alerts.rules.node import Condition, Errors, Found, Where
from alerts.rules.values_check import Vocabulary, value_issues
from newswatch.config import Config, read_config
from newswatch.config.base import ID_PATTERN, StrictModel
from newswatch.config.registry import Registry
from newswatch.config.units import Duration
from newswatch.config.yamlconf import (ConfigError, ConfigIssue, LineMap, did_you_mean, issues_from_validation, load_yaml,
                                       substitute_env)
from newswatch.model.severity import Severity


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
    when: Condition    # a compiled condition tree (alerts.rules.conditions)
    notify: list[str]
    realert: float
    file: str
    line: int | None
    lines: LineMap | None = field(repr=False, default=None)
    path: Where = ()

    def issue(self, key: Where, message: str) -> ConfigIssue:
        assert self.lines is not None   # set for every rule read from a file (parse_rule_file)
        return self.lines.issue(self.path + key, message)


def rule_files(config: Config) -> list[tuple[Path, ConfigIssue | None]]:
    files: list[tuple[Path, ConfigIssue | None]] = []
    for index, pattern in enumerate(config.settings.rules):
        full = str(config.resolve(pattern))
        matches = sorted(glob.glob(full)) if glob.has_magic(pattern) else [full]
        if not matches or not Path(matches[0]).exists():
            files.append((Path(full), config.lines.issue(("rules", index), f"{pattern!r} matches no rule file "
                                                         f"(paths are relative to {config.base_dir})")))
        files.extend((Path(m), None) for m in matches if Path(m).exists())
    return files


@contextmanager
def gc_paused() -> Iterator[None]:
    """Reading and compiling 10,000 rules builds a large acyclic structure: cyclic GC passes
    over it would only cost time (as in `newswatch.config.yamlconf.load_yaml`). Restores the previous state."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def parse_rule_file(path: Path, found: list[Found] | None = None) -> tuple[list[Rule], list[ConfigIssue]]:
    """One file's rules and problems (cross-file checks are left to `load_rules`). With `found`, every
    condition of every rule, a broken one's too, is appended to it as (lines, rule path, condition):
    what the table checks (values_check.py) look at."""
    with gc_paused():
        return _parse_rule_file(path, found)


def _parse_rule_file(path: Path, found: list[Found] | None) -> tuple[list[Rule], list[ConfigIssue]]:
    issues: list[ConfigIssue] = []
    try:
        data, lines = load_yaml(path, issues)   # a duplicate key is reported, and the rest still checked
    except ConfigError as exc:
        return [], exc.issues
    if data is None:
        return [], issues
    if not isinstance(data, list):
        return [], issues + [lines.issue((), "a rule file is a list of rules (each starting with '- id: ...')")]
    data = substitute_env(data, lines, issues=issues)
    rules: list[Rule] = []
    for index, raw in enumerate(data):
        rule = _parse_rule(raw, (index,), lines, issues, found)
        if rule is not None:
            rules.append(rule)
    return rules, issues


def _parse_rule(raw: Any, path: Where, lines: LineMap, issues: list[ConfigIssue],
                found: list[Found] | None) -> Rule | None:
    conditions: list[Condition] | None = [] if found is not None else None
    errors: Errors = []
    try:
        model = RuleModel.model_validate(raw)
    except ValidationError as exc:
        issues.extend(issues_from_validation(exc, lines, prefix=path))
        if isinstance(raw, dict) and "when" in raw:   # its conditions are still checked
            parse_condition(raw["when"], ("when",), errors, conditions)
            issues.extend(lines.issue(path + p, msg) for p, msg in errors)
            if found is not None and conditions is not None:
                found.extend((lines, path, node) for node in conditions)
        return None
    when = parse_condition(model.when, ("when",), errors, conditions)
    issues.extend(lines.issue(path + p, msg) for p, msg in errors)
    if found is not None and conditions is not None:
        found.extend((lines, path, node) for node in conditions)
    if when is None:
        return None
    return Rule(model.id, model.title, model.description, model.severity, model.enabled, when,
                model.notify, model.realert, lines.file, lines.line(path), lines, path)


def load_rules(config: Config, files: list[Path] | None = None) -> list[Rule]:
    """All rules of the config (or of `files`), checked against its channels, its sources and the
    classifier's tables (a value no item can have is an error). Raises ConfigError listing every
    problem of every file, in file and line order."""
    issues: list[ConfigIssue] = []
    paths: list[tuple[Path, ConfigIssue | None]] = \
        [(Path(f), None) for f in files] if files is not None else rule_files(config)
    rules: list[Rule] = []
    found: list[Found] = []
    for path, problem in paths:
        if problem is not None:
            issues.append(problem)
            continue
        file_rules, file_issues = parse_rule_file(path, found)
        rules.extend(file_rules)
        issues.extend(file_issues)
    channels = {c.id for c in config.settings.channels}
    declared = sorted(channels | config.unchecked.get("channels", set()))
    first: dict[str, Rule] = {}
    for rule in rules:
        if rule.id in first:
            other = first[rule.id]
            issues.append(rule.issue(("id",), f"duplicate rule id {rule.id!r} "
                                              f"(first defined at {other.file}:{other.line}); rule ids must be unique"))
        first.setdefault(rule.id, rule)
        for index, channel in enumerate(rule.notify):
            if channel not in declared:
                hint = did_you_mean(channel, declared)
                issues.append(rule.issue(("notify", index), f"unknown channel {channel!r} ("
                                         f"{hint + ' ' if hint else ''}allowed: {', '.join(declared) or 'no channels defined'})"))
    try:
        issues += value_issues(found, vocabulary(config))
    except ConfigError as exc:   # the tables themselves are broken: say so, with their own lines
        issues += exc.issues
    if issues:
        order = {str(path): n for n, (path, _) in enumerate(paths)}
        raise ConfigError(sorted(issues, key=lambda i: (order.get(i.file, -1), i.line or 0)))
    return rules


def vocabulary(config: Config) -> Vocabulary:
    """What rule values are checked against: the tables the classifier would use, and the config's sources."""
    from newswatch.classify.tables import tables_dir
    classify = config.settings.classify
    return Vocabulary(tables_dir(classify.tables, config.base_dir), classify.min_population,
                      {src.id: set(src.tags) for src in config.settings.sources},
                      config.unchecked.get("sources", set()))


def rule_ids(config: Config) -> set[str]:
    """The ids the config's rule files declare, valid rules or not (`silence add` warns of a glob matching none).
    Reads the YAML only: no condition is parsed, no table loaded."""
    ids: set[str] = set()
    for path, problem in rule_files(config):
        if problem is not None:
            continue
        try:
            data, _ = load_yaml(path, [])
        except ConfigError:
            continue
        ids.update(r["id"] for r in (data if isinstance(data, list) else []) if isinstance(r, dict)
                   and isinstance(r.get("id"), str))
    return ids


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


def check_config_and_rules(path: str | os.PathLike[str] | None = None, *, registry: Registry,
                           env: dict[str, str] | None = None, dry_run: bool = False,
                           files: list[Path] | None = None) -> tuple[Config | None, list[Rule], list[ConfigIssue]]:
    """The config, its rules (or those of `files`) and every problem of the config file and of every rule
    file. When the config has errors, its rules are still checked against what of it could be read
    (`read_config`); the config is None only when the file cannot be read at all."""
    config, issues = read_config(path, env, registry=registry, dry_run=dry_run)
    rules: list[Rule] = []
    if config is not None:
        try:
            rules = load_rules(config, files)
        except ConfigError as exc:
            issues = issues + exc.issues
    return config, rules, issues


def load_config_and_rules(path: str | os.PathLike[str] | None = None, *, registry: Registry,
                          env: dict[str, str] | None = None, dry_run: bool = False,
                          files: list[Path] | None = None) -> tuple[Config, list[Rule]]:
    """`check_config_and_rules`, every problem raised in one ConfigError: what every command that starts
    from the config (run, worker, scheduler, items, test-rule) refuses to start with, as `newswatch check`."""
    config, rules, issues = check_config_and_rules(path, registry=registry, env=env, dry_run=dry_run, files=files)
    if issues:
        raise ConfigError(issues)
    assert config is not None   # None only when the file cannot be read, which is an issue
    return config, rules
