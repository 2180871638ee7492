"""Match items against every enabled rule. Matching never sends."""
from __future__ import annotations

from dataclasses import dataclass

from alerts.alert import Evidence
from alerts.rules.loader import Rule
from newswatch.item import Item


@dataclass(slots=True)
class Match:
    rule: Rule
    item: Item
    evidence: list[Evidence]


class RuleMatcher:
    """Checks each item against the enabled rules and returns a Match per rule that holds."""

    def __init__(self, rules: list[Rule]):
        self.rules = [r for r in rules if r.enabled]

    def match(self, item: Item) -> list[Match]:
        matches = []
        for rule in self.rules:
            evidence = rule.when.test(item)
            if evidence is not None:
                matches.append(Match(rule, item, evidence))
        return matches

    def process(self, items: list[Item]) -> list[Match]:
        return [m for item in items for m in self.match(item)]
