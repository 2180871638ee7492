"""The `regex` condition, on RE2: linear time whatever the pattern and the text.

Python's `re` backtracks: `(a+)+$` on forty `a` and a `!` takes 2^40 steps, holding the GIL, so
one item froze every thread of a worker. RE2 (google-re2) runs in time linear in the text with no
back-tracking, so no per-match time limit is needed; what it gives up is look-around and
back-references. Rules keep Python's meaning where RE2's differs: `\\w \\d \\s` (and `\\W \\D \\S`)
are Unicode classes, as in Python (RE2's are ASCII); `\\Z` and `\\uXXXX` are translated. `\\b` stays
RE2's ASCII word boundary, so a `\\b` next to a non-ASCII letter (`\\bМали\\b`, which could never
hold) is refused. The common use of a negative look-behind, "not right after these words", is
written `{pattern: ..., not_after: [...]}` (and `not_before` for a negative look-ahead).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterator

import re2

from alerts.rules.node import Errors, Where
from newswatch.config.yamlconf import key_name, unknown_key_message
from newswatch.model.alert import Evidence

if TYPE_CHECKING:
    from alerts.rules.context import MatchContext

SYNTAX = "https://github.com/google/re2/wiki/Syntax"
_WORD, _DIGIT, _SPACE = r"\pL\pN_", r"\p{Nd}", r"\s\v\p{Z}\x{85}\x{1c}-\x{1f}"   # Python's Unicode classes
_CLASSES = {"w": _WORD, "d": _DIGIT, "s": _SPACE}
_NON_ASCII_BOUNDARY = re.compile(r"\\[bB][(?:]*[^\x00-\x7f]|[^\x00-\x7f]\)*\\[bB]")
_OPTIONS = re2.Options()
_OPTIONS.case_sensitive = False
_OPTIONS.log_errors = False        # the error goes to the rule's issue, not to stderr


class RegexSyntaxError(ValueError):
    """A pattern RE2 cannot run: the message says why and how to rewrite it."""


def _escape(pattern: str, i: int, in_class: bool) -> str:
    """Python's meaning of the escape at `pattern[i]` (a backslash), in RE2 syntax."""
    c = pattern[i + 1] if i + 1 < len(pattern) else ""
    if c.lower() in _CLASSES:
        body = _CLASSES[c.lower()]
        if not in_class:
            return f"[{body}]" if c.islower() else f"[^{body}]"
        if c.islower():
            return body
        raise RegexSyntaxError(f"\\{c} inside [...] cannot keep its Unicode meaning in RE2: "
                               f"write it outside the brackets, e.g. (?:[...]|\\{c})")
    if c == "Z":
        return r"\z"
    if c in "uU":
        digits = pattern[i + 2:i + 2 + (4 if c == "u" else 8)]
        return f"\\x{{{digits}}}"
    return "\\" + c


def to_re2(pattern: str) -> str:
    """The pattern with Python's Unicode meaning of `\\w \\d \\s \\W \\D \\S`, `\\Z` and `\\uXXXX`, in RE2 syntax."""
    out: list[str] = []
    i, in_class = 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            out.append(_escape(pattern, i, in_class))
            i += 2 + (4 if pattern[i + 1:i + 2] == "u" else 8 if pattern[i + 1:i + 2] == "U" else 0)
            continue
        if c == "[" and not in_class:
            in_class = True
            start = i + 1 + (pattern[i + 1:i + 2] == "^")
            if pattern[start:start + 1] == "]":      # a "]" first in the class is a literal one
                start += 1
            out.append(pattern[i:start])
            i = start
            continue
        if c == "]" and in_class:
            in_class = False
        out.append(c)
        i += 1
    return "".join(out)


def _hint(why: str, pattern: str) -> str:
    if re.search(r"\(\?(<?[=!])", pattern) and "perl operator" in why:
        return ("RE2 has no look-around: match the context as part of the pattern, or write "
                "{pattern: ..., not_after: [words], not_before: [words]} for words that must not come "
                "right before or after the match")
    if "too large" in why:
        return "RE2 compiles a pattern into at most 8 MB: use smaller repetitions, or several conditions under any"
    if re.search(r"\\[1-9]|\(\?P=", pattern):
        return "RE2 has no back-references: rewrite the pattern without them"
    return f"rules use RE2 syntax, see README 'Rules' and {SYNTAX}: rewrite the pattern"


def compile_rule_regex(pattern: str) -> Any:
    """The compiled RE2 program (case-insensitive), or RegexSyntaxError saying why and how to rewrite."""
    if _NON_ASCII_BOUNDARY.search(pattern):
        raise RegexSyntaxError("\\b and \\B are ASCII word boundaries in RE2 and never hold next to a "
                               "non-ASCII letter: for whole words in any script use `keywords:`, "
                               "or write the boundary out, e.g. (?:^|[^\\pL\\pN_])")
    try:
        return re2.compile(to_re2(pattern), _OPTIONS)
    except re2.error as exc:
        raw = exc.args[0] if exc.args else ""
        why = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
        raise RegexSyntaxError(f"{why} ({_hint(why, pattern)})") from None


def _words(value: Any, path: Where, errors: Errors) -> tuple[str, ...] | None:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(v, str) and v.strip() for v in items):
        errors.append((path, "must be a word or a non-empty list of words"))
        return None
    return tuple(v.strip().casefold() for v in items)


@dataclass(frozen=True)
class Regex:
    """`regex: PATTERN`, or `regex: {pattern: PATTERN, not_after: [words], not_before: [words]}`: a match
    right after (before) one of the words, with white space between, does not count."""
    path: str
    pattern: str                                   # as the rule writes it (the evidence's `entry`)
    not_after: tuple[str, ...] = ()
    not_before: tuple[str, ...] = ()
    compiled: Any = field(default=None, compare=False, repr=False)
    positional = True

    @classmethod
    def parse(cls, value: Any, path: Where, errors: Errors) -> Regex | None:
        options: dict[str, Any] = {"pattern": value}
        if isinstance(value, dict):
            unknown = [k for k in value if k not in ("pattern", "not_after", "not_before")]
            if unknown:
                errors.append((path + (unknown[0],), unknown_key_message(unknown[0], ("not_after", "not_before", "pattern"))))
                return None
            options = value
        pattern, words = options.get("pattern"), {}
        for key in ("not_after", "not_before"):
            if key in options:
                words[key] = _words(options[key], path + (key,), errors)
        if not isinstance(pattern, str) or not pattern:
            errors.append((path, "regex must be a pattern string, or {pattern, not_after, not_before}"))
            return None
        try:
            compiled = compile_rule_regex(pattern)
        except RegexSyntaxError as exc:
            errors.append((path + (("pattern",) if isinstance(value, dict) else ()), f"invalid regular expression: {exc}"))
            return None
        if None in words.values():
            return None
        return cls(key_name(path), pattern, words.get("not_after") or (), words.get("not_before") or (), compiled)

    def _counts(self, text: str, start: int, end: int) -> bool:
        if self.not_after:
            longest = max(map(len, self.not_after)) + 8
            before = text[max(0, start - longest):start]
            kept = before.rstrip()
            if len(kept) < len(before) and kept.casefold().endswith(self.not_after):
                return False
        if self.not_before:
            longest = max(map(len, self.not_before)) + 8
            after = text[end:end + longest]
            kept = after.lstrip()
            if len(kept) < len(after) and kept.casefold().startswith(self.not_before):
                return False
        return True

    def spans(self, text: str) -> Iterator[tuple[int, int]]:
        """Every match that counts, as (start, end) character offsets."""
        last = None
        for m in self.compiled.finditer(text):
            span = m.span()
            if span != last and self._counts(text, *span):   # google-re2 repeats an empty match at the end
                yield span
            last = span

    def test(self, ctx: MatchContext) -> list[Evidence] | None:
        out = []
        for f in ("title", "text"):
            text = ctx.text(f)
            out += [Evidence(self.path, "regex", text[s:e], f, s, e, self.pattern, ctx.sentence_of(f, s), text[s:e])
                    for s, e in self.spans(text)]
        return out or None

    def holds(self, ctx: MatchContext) -> bool:
        return any(next(self.spans(ctx.text(f)), None) is not None for f in ("title", "text"))

    def positions(self, ctx: MatchContext) -> list[Evidence]:
        found: list[Evidence] | None = ctx.test(self)
        return found or []
