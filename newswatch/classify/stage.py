"""The classify stage of the pipeline: every item gets its `Facts` (and its language)."""
from __future__ import annotations

import logging
import os
from pathlib import Path

from newswatch.classify.classifier import Classifier
from newswatch.model.item import Item
from newswatch.pipeline import Stage

log = logging.getLogger(__name__)
REPO_CONFIG = Path(__file__).resolve().parents[2] / "config"
TABLE_FILES = ("countries.yaml", "regions.yaml", "actors.yaml", "topics.yaml")


def tables_dir(configured: str | None, config_dir: Path) -> Path:
    """`classify.tables` if set; else the config file's folder if it holds the tables; else the repo's config/."""
    if configured:
        return (config_dir / os.path.expanduser(configured)).resolve()
    if all((config_dir / name).exists() for name in TABLE_FILES):
        return config_dir
    return REPO_CONFIG


class ClassifyStage(Stage):
    name = "classify"

    def __init__(self, classifier: Classifier, source_langs: dict[str, str | None] | None = None):
        super().__init__()
        self.classifier = classifier
        self.source_langs = source_langs or {}

    def process(self, items: list[Item]) -> list[Item]:
        for item in items:
            item.facts = self.classifier.classify(item.title, item.text, declared_lang=item.lang,
                                                  fallback_lang=self.source_langs.get(item.source_id))
            item.lang = item.facts.lang
        return items
