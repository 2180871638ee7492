"""A rule as text, for the desk's rule editor: read one rule's lines out of the file that holds it, check a
draft as `newswatch check` checks a rule file, and save it — into the file it came from (only its own lines
replaced: the file's other rules and comments stay as they are) or, for a new rule, into a new file
`<id>.yaml` that the config's `rules:` globs pick up (e.g. `rules/*.yaml` beside the config).

A save is checked first with the config's whole rule set (the draft in its place: duplicate ids, channels,
the classifier's tables), then written atomically (a hidden file beside it, fsynced, renamed over it): a
running service reloads it (workers/rules_reload.py) and never sees half a file. Errors are ConfigErrors
whose issues name the line and key; a draft's are numbered from its own first line ("rule:3: when: ...")."""
from __future__ import annotations

import fnmatch
import glob
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from alerts.rules.loader import Rule, load_rules, parse_rule_file, rule_files
from newswatch.config import Config
from newswatch.config.yamlconf import ConfigError, ConfigIssue, load_yaml

DRAFT = "rule"               # what a draft's issues name as their file
MAX_DRAFT_BYTES = 64 * 1024


@dataclass(frozen=True)
class RuleSource:
    path: Path
    text: str                # the rule's own lines, as a one-rule file
    start: int               # its first line in the file (1-based)
    end: int                 # the line after its last


def _renamed(issues: list[ConfigIssue], old: str, new: str) -> list[ConfigIssue]:
    return [ConfigIssue(new if i.file == old else i.file, i.line, i.key, i.message) for i in issues]


def _check_files(config: Config, paths: list[Path], draft: Path, name: str) -> list[Rule]:
    try:
        return load_rules(config, paths)
    except ConfigError as exc:
        raise ConfigError(_renamed(exc.issues, str(draft), name)) from None


def check_draft(config: Config, text: str) -> list[Rule]:
    """The rules of a draft (a rule file's text: a list of rules), checked against the config's channels,
    sources and tables. ConfigError with every problem, its lines counted from the draft's first."""
    if len(text.encode()) > MAX_DRAFT_BYTES:
        raise ConfigError([ConfigIssue(DRAFT, None, "", f"the rule is over {MAX_DRAFT_BYTES // 1024} KB")])
    with tempfile.TemporaryDirectory(prefix="newswatch-rule-") as folder:
        draft = Path(folder) / "rule.yaml"
        draft.write_text(text, encoding="utf-8")
        rules = _check_files(config, [draft], draft, DRAFT)
    if not rules:
        raise ConfigError([ConfigIssue(DRAFT, None, "", "no rule: write one, starting with '- id: ...'")])
    return rules


def rule_source(config: Config, rule_id: str) -> RuleSource | None:
    """The file that holds rule `rule_id` and the rule's own lines (valid or not), or None."""
    for path, problem in rule_files(config):
        if problem is not None:
            continue
        try:
            data, lines = load_yaml(path, [])
        except ConfigError:
            continue
        if not isinstance(data, list):
            continue
        for index, raw in enumerate(data):
            if isinstance(raw, dict) and raw.get("id") == rule_id:
                start = lines.line((index,)) or 1
                end = lines.line((index + 1,)) if index + 1 < len(data) else None
                text = path.read_text(encoding="utf-8").splitlines(keepends=True)
                own = text[start - 1:(end - 1) if end else None]
                while own and (not own[-1].strip() or own[-1].lstrip().startswith("#")):
                    own.pop()    # blank lines and the comment above the next rule are not this rule's
                return RuleSource(path, "".join(own).rstrip() + "\n", start, start + len(own))
    return None


def new_rule_path(config: Config, rule_id: str) -> Path:
    """Where a new rule goes: `<id>.yaml` in the folder of the first `rules:` glob that picks such a file up.
    ConfigError when none does."""
    for pattern in config.settings.rules:
        if not glob.has_magic(pattern):
            continue
        full = config.resolve(pattern)
        for suffix in (".yaml", ".yml"):
            candidate = full.parent / f"{rule_id}{suffix}"
            if not glob.has_magic(str(full.parent)) and fnmatch.fnmatch(str(candidate), str(full)):
                return candidate
    raise ConfigError([ConfigIssue(str(config.path), None, "rules",
                                   f"no entry of rules: picks up a new rule file (add a glob such as "
                                   f"'rules/*.yaml' to {config.path}, then save again)")])


def save_rule(config: Config, text: str) -> tuple[Path, Rule, bool]:
    """Check the draft (one rule), then write it into its file: (the file, the rule, True when the rule is new).
    ConfigError with every problem; nothing is written then."""
    rules = check_draft(config, text)
    if len(rules) != 1:
        raise ConfigError([ConfigIssue(DRAFT, rules[1].line, "", f"{len(rules)} rules: save one at a time")])
    rule, body = rules[0], text.rstrip() + "\n"
    found = rule_source(config, rule.id)
    if found is not None:
        old = found.path.read_text(encoding="utf-8").splitlines(keepends=True)
        content = "".join(old[:found.start - 1]) + body + "".join(old[found.end - 1:])
        path = found.path
    else:
        path, content = new_rule_path(config, rule.id), body
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".saving", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        others = [p for p, problem in rule_files(config) if problem is None and p.resolve() != path.resolve()]
        _check_files(config, others + [Path(temporary)], Path(temporary), str(path))
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path, rule, found is None


def checked_files(config: Config) -> list[tuple[Path, list[Rule], list[ConfigIssue]]]:
    """Each rule file of the config with its valid rules and every problem `newswatch check` finds in it
    (cross-file ones too: a duplicate id, an unknown channel, a value no item can have)."""
    try:
        load_rules(config)
        issues: list[ConfigIssue] = []
    except ConfigError as exc:
        issues = exc.issues
    out: list[tuple[Path, list[Rule], list[ConfigIssue]]] = []
    for path, missing in rule_files(config):
        if missing is not None:
            out.append((path, [], [missing]))
            continue
        rules, _ = parse_rule_file(path)
        out.append((path, rules, [i for i in issues if i.file == str(path)]))
    return out
