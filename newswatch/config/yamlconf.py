"""YAML with line numbers, `${ENV}` substitution and errors that point at file, line and key.

Config fails fast and says where (DESIGN style 4, after Alertmanager's
`UnmarshalYAML`): every problem becomes a `ConfigIssue(file, line, key,
message)`, and `ConfigError` carries all of them so `newswatch check` can list
every error at once.
"""
from __future__ import annotations

import difflib
import gc
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Hashable, Iterable, Mapping

import yaml
from pydantic import ValidationError

from newswatch.config.yamlshape import shape_problem

Path_ = tuple[Hashable, ...]  # a key path such as ("sources", 0, "interval") (YAML keys: any scalar)


@dataclass(frozen=True)
class ConfigIssue:
    file: str
    line: int | None
    key: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"


class ConfigError(Exception):
    """One or more configuration problems; `str()` lists them all, one per line."""

    def __init__(self, issues: Iterable[ConfigIssue]):
        self.issues = list(issues)
        super().__init__("\n".join(str(i) for i in self.issues))


def key_name(path: Path_) -> str:
    """("sources", 0, "interval") -> "sources[0].interval"."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def close_matches(value: str, choices: Iterable[str], n: int = 3, cutoff: float = 0.6) -> list[str]:
    """The choices most like `value` (difflib), compared case-insensitively, best first."""
    by_folded: dict[str, str] = {}
    for choice in choices:
        by_folded.setdefault(choice.casefold(), choice)
    return [by_folded[m] for m in difflib.get_close_matches(value.casefold(), list(by_folded), n=n, cutoff=cutoff)]


def did_you_mean(value: str, choices: Iterable[str], n: int = 1, cutoff: float = 0.6) -> str:
    """"did you mean 'country'?" for the closest choices, or "" when none is close."""
    close = close_matches(value, choices, n=n, cutoff=cutoff)
    return f"did you mean {' or '.join(repr(c) for c in close)}?" if close else ""


def unknown_key_message(key: str, allowed: Iterable[str]) -> str:
    """"unknown key 'intervl' (did you mean 'interval'? allowed: ...)": what every mapping says of a key it
    does not know."""
    allowed = [str(a) for a in allowed]
    hint = did_you_mean(str(key), allowed)
    return f"unknown key '{key}' ({hint + ' ' if hint else ''}allowed: {', '.join(allowed)})"


class LineMap:
    """Where each key path of a YAML document stands in its file."""

    def __init__(self, file: str, lines: dict[Path_, int]):
        self.file = file
        self.lines = lines

    def line(self, path: Path_) -> int | None:
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), None)

    def issue(self, path: Path_, message: str) -> ConfigIssue:
        return ConfigIssue(self.file, self.line(path), key_name(path), message)


def _walk_nodes(node: yaml.Node, path: Path_, lines: dict[Path_, int], issues: list[ConfigIssue],
                file: str) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[Hashable] = set()
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):   # `? [a, b]`: the constructor says it cannot be a key
                continue
            key = key_node.value
            if key in seen:
                issues.append(ConfigIssue(file, key_node.start_mark.line + 1, key_name(path + (key,)),
                                          "duplicate key (each key may appear once)"))
            seen.add(key)
            lines[path + (key,)] = key_node.start_mark.line + 1
            _walk_nodes(value_node, path + (key,), lines, issues, file)
    elif isinstance(node, yaml.SequenceNode):
        for index, child in enumerate(node.value):
            lines[path + (index,)] = child.start_mark.line + 1
            _walk_nodes(child, path + (index,), lines, issues, file)


ALIAS_MESSAGE = ("YAML anchors and aliases are not allowed in config and rule files: write the value out "
                 "in full (an alias repeats a whole subtree, so a few hundred bytes can expand to gigabytes)")


def refuse_aliases(text: str, file: str) -> None:
    """ConfigError at the first anchor (`&name`) or alias (`*name`), naming its line: a "billion laughs"
    of nested aliases is refused before anything expands it. One pass over libyaml's tokens, only when
    the text holds a `&` or a `*` at all; a syntax error is left to the parse that follows."""
    if "&" not in text and "*" not in text:
        return
    scanner = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    try:
        while scanner.check_token():
            token = scanner.get_token()
            if isinstance(token, (yaml.AnchorToken, yaml.AliasToken)):
                sign = "&" if isinstance(token, yaml.AnchorToken) else "*"
                raise ConfigError([ConfigIssue(file, token.start_mark.line + 1, "",
                                               f"{sign}{token.value}: {ALIAS_MESSAGE}")])
    except yaml.YAMLError:
        return
    finally:
        scanner.dispose()


def load_yaml(path: Path, issues: list[ConfigIssue] | None = None) -> tuple[Any, LineMap]:
    """Parse a YAML file; return its data and a LineMap. Syntax errors become ConfigError; so do anchors
    and aliases (`refuse_aliases`), and duplicate keys, unless `issues` is given: then they are appended there and the data returned
    (the last value of a duplicate key wins), so the rest of the file can still be checked."""
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([ConfigIssue(file, None, "", "file not found")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([ConfigIssue(file, None, "", f"cannot read file: {exc}")]) from None
    refuse_aliases(text, file)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)   # libyaml's parser when present
    paused = gc.isenabled()
    gc.disable()   # the node graph is large and acyclic: cyclic GC passes over it cost ~2/3 of the load
    try:
        problem = shape_problem(text)   # before composing: deep nesting crashes libyaml's composer
        if problem is not None:
            raise ConfigError([ConfigIssue(file, problem[0] or None, "", problem[1])])
        node = loader.get_single_node()
        if node is None:
            return None, LineMap(file, {})
        lines: dict[Path_, int] = {}
        duplicates: list[ConfigIssue] = []
        _walk_nodes(node, (), lines, duplicates, file)
        data = _construct(loader, node, file)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        msg = " ".join(str(p) for p in (exc.context, exc.problem) if p)
        raise ConfigError([ConfigIssue(file, line, "", f"invalid YAML: {msg}")]) from None
    except yaml.reader.ReaderError as exc:   # a character YAML does not allow, such as a control character
        before = text[:exc.position]
        code = exc.character if isinstance(exc.character, int) else ord(exc.character[:1] or "\0")
        raise ConfigError([ConfigIssue(file, before.count("\n") + 1, "", f"invalid YAML: character U+{code:04X} at "
                                       f"column {len(before) - before.rfind(chr(10))} ({exc.reason})")]) from None
    finally:
        loader.dispose()
        if paused:
            gc.enable()
    if duplicates and issues is None:
        raise ConfigError(duplicates)
    if issues is not None:
        issues.extend(duplicates)
    return data, LineMap(file, lines)


def _construct(loader: Any, node: yaml.Node, file: str) -> Any:
    """The document's values. A scalar that is not what its tag says (`2026-02-30` reads as a date,
    `!!int abc`) made PyYAML raise ValueError, KeyError or AttributeError: a ConfigError at its line."""
    try:
        return loader.construct_document(node)
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError) as exc:
        bad = _unreadable_scalar(loader, node)
        what = (f"{bad.value[:80]!r} is not a valid {bad.tag.rsplit(':', 1)[-1]}" if bad is not None
                else "a value cannot be read as its tag says")
        raise ConfigError([ConfigIssue(file, bad.start_mark.line + 1 if bad is not None else None, "",
                                       f"invalid YAML: {what} ({exc}); quote it to mean text")]) from None


def _unreadable_scalar(loader: Any, root: yaml.Node) -> yaml.ScalarNode | None:
    """The first scalar, in document order, that its constructor refuses."""
    stack: list[yaml.Node] = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.ScalarNode):
            loader.constructed_objects, loader.recursive_objects = {}, {}   # as a fresh construct_document
            try:
                loader.construct_object(node)
            except (ValueError, TypeError, KeyError, AttributeError, OverflowError):
                return node
        elif isinstance(node, yaml.MappingNode):
            stack.extend(child for pair in reversed(node.value) for child in reversed(pair))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(reversed(node.value))
    return None


_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-(.*?))?\}")


def substitute_env(data: Any, lines: LineMap, env: Mapping[str, str] | None = None,
                   issues: list[ConfigIssue] | None = None, missing: str | None = None) -> Any:
    """Replace `${VAR}` / `${VAR:-default}` in every string; a missing VAR is an error naming it.
    With `issues` given, problems are appended there (and the value left empty) instead of raised.
    With `missing` given, a missing VAR becomes that text and is no error (dry runs, which send nothing)."""
    collect = issues is not None
    environ: Mapping[str, str] = os.environ if env is None else env
    found: list[ConfigIssue] = [] if issues is None else issues

    def sub(value: Any, path: Path_) -> Any:
        if isinstance(value, dict):
            return {k: sub(v, path + (k,)) for k, v in value.items()}
        if isinstance(value, list):
            return [sub(v, path + (i,)) for i, v in enumerate(value)]
        if not isinstance(value, str) or "${" not in value:
            return value

        def repl(m: re.Match[str]) -> str:
            name, default = m.group(1), m.group(2)
            if name in environ:
                return environ[name]
            if default is not None:
                return default
            if missing is not None:
                return missing
            found.append(lines.issue(path, f"environment variable {name} is not set "
                                            f"(set it, or write ${{{name}:-default}})"))
            return ""

        return _ENV.sub(repl, value)

    result = sub(data, ())
    if found and not collect:
        raise ConfigError(found)
    return result


def issues_from_validation(exc: ValidationError, lines: LineMap, prefix: Path_ = (),
                           drop_tags: frozenset[str] = frozenset(),
                           loc_map: Callable[[Path_], Path_] | None = None) -> list[ConfigIssue]:
    """Turn pydantic's errors into ConfigIssues with lines. Input values are never echoed
    (they may be secrets); messages come from our own validators or pydantic's type text."""
    issues = []
    for err in exc.errors(include_input=False, include_url=False):
        loc: Path_ = tuple(p for p in err["loc"] if p not in drop_tags)
        loc = loc_map(loc) if loc_map else loc
        ctx = err.get("ctx") or {}
        if err["type"] == "unknown_key":
            loc = loc + (ctx["key"],)
        msg = err["msg"]
        if err["type"] == "missing":
            msg = "required key is missing"
        elif msg.startswith("Value error, "):
            msg = msg[len("Value error, "):]
        issues.append(lines.issue(prefix + loc, msg))
    return issues
