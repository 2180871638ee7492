"""Condition kinds a rule's `when` tree is built of.

A registry maps each kind name to a class with `parse(value, path, errors)`
and `test(item) -> list[Evidence] | None` (None: did not hold). `all` / `any`
/ `none` nest them. New kinds (country, actor, near, ...) register here.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from alerts.alert import Evidence
from newswatch.item import Item
from newswatch.yamlconf import key_name

GROUPS = ("all", "any", "none")


def _phrase_pattern(phrase: str) -> str:
    words = unicodedata.normalize("NFKC", phrase).split()
    return r"\s+".join(re.escape(w) for w in words)


@dataclass
class Keywords:
    """Any of the phrases, case-insensitive, on Unicode word boundaries, in the title or text."""

    path: str
    phrases: list[str]
    pattern: re.Pattern = field(repr=False, default=None)

    @classmethod
    def parse(cls, value, path: tuple, errors: list) -> "Keywords | None":
        phrases = [value] if isinstance(value, str) else value
        if not isinstance(phrases, list) or not phrases or not all(isinstance(p, str) and p.strip() for p in phrases):
            errors.append((path, "keywords must be a phrase or a non-empty list of phrases"))
            return None
        body = "|".join(_phrase_pattern(p) for p in sorted(phrases, key=len, reverse=True))
        pattern = re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE)
        return cls(key_name(path), phrases, pattern)

    def test(self, item: Item) -> list[Evidence] | None:
        found, seen = [], set()
        for field_name, text in (("title", item.title), ("text", item.text)):
            for m in self.pattern.finditer(unicodedata.normalize("NFKC", text)):
                entry = self._entry(m.group(0))
                if (entry, field_name) in seen:  # first position of each phrase per field is evidence enough
                    continue
                seen.add((entry, field_name))
                found.append(Evidence(self.path, "keywords", m.group(0), field_name, m.start(), m.end(), entry=entry))
        return found or None

    def _entry(self, matched: str) -> str:
        folded = " ".join(matched.split()).casefold()
        for phrase in self.phrases:
            if " ".join(phrase.split()).casefold() == folded:
                return phrase
        return matched

    def terms(self) -> list[str]:
        return self.phrases


@dataclass
class Group:
    path: str
    op: str  # all | any | none
    children: list

    def test(self, item: Item) -> list[Evidence] | None:
        if self.op == "none":
            return None if any(c.test(item) is not None for c in self.children) else []
        evidence: list[Evidence] = []
        held = 0
        for child in self.children:
            result = child.test(item)
            if result is None:
                if self.op == "all":
                    return None
                continue
            held += 1
            evidence.extend(result)
        return evidence if held else None


CONDITIONS: dict[str, type] = {"keywords": Keywords}


def parse_condition(node, path: tuple, errors: list):
    """Parse one node of a `when` tree; problems go to `errors` as (path, message)."""
    allowed = ", ".join(GROUPS + tuple(CONDITIONS))
    if not isinstance(node, dict) or len(node) != 1:
        errors.append((path, f"a condition is a mapping with exactly one key (allowed: {allowed})"))
        return None
    (kind, value), = node.items()
    if kind in GROUPS:
        if not isinstance(value, list) or not value:
            errors.append((path + (kind,), f"'{kind}' takes a non-empty list of conditions"))
            return None
        children = [parse_condition(child, path + (kind, i), errors) for i, child in enumerate(value)]
        return Group(key_name(path + (kind,)), kind, children) if None not in children else None
    if kind not in CONDITIONS:
        errors.append((path + (kind,), f"unknown condition '{kind}' (allowed: {allowed})"))
        return None
    return CONDITIONS[kind].parse(value, path + (kind,), errors)
