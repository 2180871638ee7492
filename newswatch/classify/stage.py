"""The classify stage of the pipeline: every item gets its `Facts` (and its language)."""
from __future__ import annotations

import logging

from newswatch.classify.classifier import Classifier
from newswatch.model.item import Item
from newswatch.pipeline import Stage

log = logging.getLogger(__name__)


class ClassifyStage(Stage):
    name = "classify"

    def __init__(self, classifier: Classifier, source_langs: dict[str, str | None] | None = None) -> None:
        super().__init__()
        self.classifier = classifier
        self.source_langs = source_langs or {}

    def process(self, items: list[Item]) -> list[Item]:
        for item in items:
            item.facts = self.classifier.classify(item.title, item.text, declared_lang=item.lang,
                                                  fallback_lang=self.source_langs.get(item.source_id),
                                                  published=(item.published or item.fetched_at).date())
            item.lang = item.facts.lang
        return items
