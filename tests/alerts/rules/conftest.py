"""Real data for the rule-language tests: the classifier over config/, rows of tests/data/collected, the seed post.

`rules.match(when, item)` runs one rule through `RuleMatcher` (with the classifier's tables, so
regions resolve and the prefilter index is exercised too) and returns its evidence, or None.
"""
import json
from pathlib import Path

import pytest

from alerts.rules.conditions import parse_condition
from alerts.rules.loader import Rule
from alerts.rules.matcher import RuleMatcher
from newswatch.model.item import Item

ROOT = Path(__file__).resolve().parents[3]
COLLECTED = ROOT / "tests" / "data" / "collected"
TABLES = ROOT / "newswatch" / "classify" / "data"   # the packaged tables
SEED_POST = ROOT / "tests" / "data" / "seed" / "lavrov-bamako-telegram-post.txt"


def collected_row(name: str, note: str, lang: str | None = "en") -> dict:
    """The one row of tests/data/collected/<name>.jsonl with this `note` (and language)."""
    rows = [json.loads(line) for line in (COLLECTED / name).read_text(encoding="utf-8").splitlines() if line.strip()]
    found = [r for r in rows if r["note"] == note and lang in (None, r["lang"])]
    assert len(found) == 1, f"{name}: {len(found)} rows with note {note!r}"
    return found[0]


def seed_post() -> tuple[str, str]:
    """The seed Telegram post (tests/data/seed): its first line and the rest."""
    assert SEED_POST.is_file(), f"real test data missing: {SEED_POST}"
    first, _, rest = SEED_POST.read_text(encoding="utf-8").strip().partition("\n")
    return first.strip(), rest.strip()


def compile_when(when: dict):
    errors: list = []
    node = parse_condition(when, ("when",), errors)
    assert not errors and node is not None, errors
    return node


class RuleRunner:
    def __init__(self, classifier):
        self.classifier = classifier

    def item(self, title: str | None, text: str, source_id: str = "test", **fields) -> Item:
        item = Item(source_id=source_id, title=title or "", text=text, **fields).finish()
        item.facts = self.classifier.classify(item.title, item.text, declared_lang=item.lang)
        return item

    def row(self, name: str, note: str, lang: str | None = "en", **fields) -> Item:
        row = collected_row(name, note, lang)
        return self.item(row["title"], row["text"], lang=row["lang"], **fields)

    def matcher(self, when: dict) -> RuleMatcher:
        rule = Rule("r", "A rule", "", "high", True, compile_when(when), ["out"], 0.0, "test.yaml", 1)
        return RuleMatcher([rule], tables=self.classifier.tables)

    def match(self, when: dict, item: Item, source_tags=()):
        """The rule's evidence, or None when it did not match."""
        matches = self.matcher(when).match(item, frozenset(source_tags))
        return matches[0].evidence if matches else None

    def explain(self, when: dict, item: Item) -> list[str]:
        [miss] = self.matcher(when).explain(item)
        return miss["failed"]


@pytest.fixture(scope="session")
def classifier(tmp_path_factory):
    from newswatch.classify.classifier import Classifier
    return Classifier.from_config_dir(TABLES, cache_dir=tmp_path_factory.mktemp("nwcache"))


@pytest.fixture(scope="session")
def rules(classifier) -> RuleRunner:
    return RuleRunner(classifier)
