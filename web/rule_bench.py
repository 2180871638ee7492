"""The desk's rule bench: try a draft rule over the archive's last days, a pasted text or a feed's URL, and
save it. One implementation with the CLI: the draft is checked as `newswatch check` checks a rule file
(alerts.rules.rule_file), items are matched and near misses explained as `newswatch test-rule --since /
--input --explain` does (alerts.rules.trial, newswatch.archive.replay), a URL is read with the service's
bounded fetcher and feed parser (the Registry's reader: workers.sources.inputs.read_items).

Bounded: at most LIMITS.max_items items and LIMITS.seconds seconds per run; a URL within URL_TIMEOUT seconds
and URL_MAX_BYTES bytes; a window of at most MAX_DAYS days."""
from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

from alerts.rules.dry_run import source_tags
from alerts.rules.loader import Rule, vocabulary
from alerts.rules.matcher import RuleMatcher
from alerts.rules.rule_file import check_draft, rule_source, save_rule
from alerts.rules.trial import (Limits, archived_items, classifier_for, classify_as_polled, last_days, pasted_item,
                                try_items)
from newswatch.classify.classifier import Classifier
from newswatch.classify.tables import Tables
from newswatch.config import Config
from newswatch.config.yamlconf import ConfigIssue
from newswatch.model.item import Item
from web.desk import Desk

LIMITS = Limits(max_items=5000, seconds=10.0, shown=50)
URL_TIMEOUT, URL_MAX_BYTES = 10.0, 2 * 1024 * 1024
MAX_DAYS = 3660    # a window this long at most: the items and seconds are what bound a run
NEW_RULE = """- id: my-new-rule
  title: A Russian official visits a Sahel capital
  severity: high
  when:
    any:
      - event: {{type: visit, who: {{nationality: RU, role: official}}, where: {{region: sahel, kind: capital}}}}
  notify: [{channel}]
"""


class InputProblem(ValueError):
    """What to run over cannot be read (a URL that fails, an empty text): the message says why."""


def issue_rows(issues: list[ConfigIssue]) -> list[dict[str, Any]]:
    """Each problem as `newswatch check` prints it, and its parts (line, key, message)."""
    return [{"line": i.line, "key": i.key, "message": i.message, "text": str(i)} for i in issues]


class RuleBench:
    def __init__(self, desk: Desk):
        self.desk = desk
        self._classifier: Classifier | None = None
        self._tables: Tables | None = None
        self._lock = threading.Lock()

    @property
    def config(self) -> Config:
        return self.desk.config

    def classifier(self) -> Classifier:
        with self._lock:   # built once, on the first run that needs it (tables load in a second or two)
            if self._classifier is None:
                self._classifier = classifier_for(self.config)
            return self._classifier

    def tables(self) -> Tables:
        with self._lock:
            if self._tables is None:
                self._tables = vocabulary(self.config).tables
            return self._tables

    def draft_text(self, rule_id: str | None) -> tuple[str, str | None]:
        """The text to start from: the rule's own lines and its file, or an example for a new rule."""
        found = rule_source(self.config, rule_id) if rule_id else None
        if found is not None:
            return found.text, str(found.path)
        channel = next(iter(self.desk.channels()), "desk-email")
        return NEW_RULE.format(channel=channel), None

    def check(self, text: str) -> list[Rule]:
        """ConfigError: the draft's problems."""
        return check_draft(self.config, text)

    def _items(self, over: str, days: float, text: str, url: str) -> Iterator[Item]:
        limits = self.config.settings.items.limits
        if over == "archive":
            return archived_items(self.desk.archive, last_days(days))
        if over == "text":
            if not text.strip():
                raise InputProblem("paste a text to run the rule over (its first line is taken as the title)")
            return iter(classify_as_polled(self.classifier(), [pasted_item(text)], limits))
        if not url.startswith(("http://", "https://")):
            raise InputProblem(f"url: {url[:100]!r} is not an http(s) URL")
        if self.desk.read_input is None:
            raise InputProblem("this desk was started without a feed reader (--kinds): no URL can be read")
        try:
            items = self.desk.read_input(url, timeout=URL_TIMEOUT, max_bytes=URL_MAX_BYTES)
        except ValueError as exc:   # InputError: the fetch or the feed failed
            raise InputProblem(str(exc)) from None
        classifier = self.classifier()
        return (classify_as_polled(classifier, [item], limits)[0] for item in items)

    def run(self, rules: list[Rule], over: str, days: float = 7, text: str = "", url: str = "") -> dict[str, Any]:
        """Match the rules over what was asked within LIMITS. InputProblem, ArchiveUnavailable."""
        items = self._items(over, days, text, url)   # a text or a URL: classified, as a poll would
        tables = self.classifier().tables if over != "archive" else self.tables()   # as test-rule --since
        trial = try_items(RuleMatcher(rules, tables=tables, source_tags=source_tags(self.config)), items, LIMITS)
        return {**asdict(trial), "rules": [r.id for r in rules], "over": over,
                "limits": {"items": LIMITS.max_items, "seconds": LIMITS.seconds, "shown": LIMITS.shown,
                           "url_seconds": URL_TIMEOUT, "url_bytes": URL_MAX_BYTES, "days": MAX_DAYS}}

    def save(self, text: str) -> tuple[Path, Rule, bool]:
        """ConfigError: the problems (nothing written)."""
        return save_rule(self.config, text)
