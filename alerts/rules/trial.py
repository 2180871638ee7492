"""Trying rules before trusting them, bounded: over the archive (the items of a window, matched with the
Facts they were classified with when they came in: newswatch.archive.replay, as `newswatch test-rule
--since` replays them), over a pasted text or over the items of a feed (classified here as a poll would).

`try_items` stops at `Limits.max_items` items or after `Limits.seconds`, whichever comes first, and says
which; it keeps the first `Limits.shown` matches and near misses. A near miss is an item a rule did not
match though part of it held (a clause of it, or the prefilter's words): with the clauses that failed, as
`test-rule --explain` gives them ("when.any[0].event: where: Moscow (RU) is not in sahel")."""
from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from alerts.rules.dry_run import match_record
from alerts.rules.matcher import RuleMatcher, walk
from newswatch.archive.database import Archive
from newswatch.archive.replay import BATCH, Window, to_item
from newswatch.classify.classifier import Classifier
from newswatch.classify.tables import tables_dir
from newswatch.config import ClassifyConfig, Config
from newswatch.model.item import Item, ItemLimits


@dataclass(frozen=True)
class Limits:
    max_items: int = 5000     # items looked at
    seconds: float = 10.0     # wall time
    shown: int = 50           # matches kept, and near misses kept


@dataclass
class Trial:
    scanned: int = 0          # items matched against the rules
    unclassified: int = 0     # archived without Facts: never matched by the service, skipped
    matched: int = 0          # items at least one rule matched
    near: int = 0             # items with a near miss and no match
    matches: list[dict[str, Any]] = field(default_factory=list)
    near_misses: list[dict[str, Any]] = field(default_factory=list)
    stopped: str | None = None    # why it stopped before the end of the input, if it did
    seconds: float = 0.0


def near_misses(matcher: RuleMatcher, item: Item) -> list[dict[str, Any]]:
    """The rules the item did not match though part of them held, each with its failed clauses."""
    ctx = matcher.context(item)
    candidates = set(matcher.candidates(ctx))
    out = []
    for index, rule in enumerate(matcher.rules):
        if ctx.test(rule.when) is not None:
            continue
        if index in candidates or any(ctx.holds(node) for node in walk(rule.when) if node is not rule.when):
            failed = rule.when.explain(ctx) if hasattr(rule.when, "explain") else [f"{rule.when.path}: did not hold"]
            out.append({"rule": rule.id, "failed": failed})
    return out


def _record(item: Item, base: dict[str, Any]) -> dict[str, Any]:
    published = item.published or item.fetched_at
    return {**base, "item_id": item.id, "source": item.source_id, "text": item.text,
            "published": published.timestamp() if published else None}


def try_items(matcher: RuleMatcher, items: Iterable[Item], limits: Limits = Limits()) -> Trial:
    """Match `items` (classified: an item without Facts is counted and skipped) within `limits`."""
    trial, started = Trial(), time.monotonic()
    it = iter(items)
    try:
        for item in it:
            if trial.scanned >= limits.max_items:
                trial.stopped = f"stopped after {limits.max_items} items (the limit): narrow the window"
                break
            if time.monotonic() - started > limits.seconds:
                trial.stopped = f"stopped after {limits.seconds:g} s (the limit), {trial.scanned} items in"
                break
            if item.facts is None:
                trial.unclassified += 1
                continue
            trial.scanned += 1
            matches = matcher.match(item)
            if matches:
                trial.matched += 1
                if len(trial.matches) < limits.shown:
                    trial.matches.append(_record(item, match_record(item, matches)))
                continue
            misses = near_misses(matcher, item)
            if misses:
                trial.near += 1
                if len(trial.near_misses) < limits.shown:
                    trial.near_misses.append(_record(item, match_record(item, [], misses)))
    finally:
        close = getattr(it, "close", None)   # an archive read stopped early lets its connection go
        if close is not None:
            close()
    trial.seconds = round(time.monotonic() - started, 3)
    return trial


def archived_items(archive: Archive, window: Window, batch: int = BATCH) -> Iterator[Item]:
    """The window's archived items, oldest first, as the pipeline matched them (newswatch.archive.replay)."""
    for rows in archive.pages_between(window, batch):
        for row in rows:
            yield to_item(row)


def last_days(days: float, now: float | None = None) -> Window:
    return Window(since=(now if now is not None else time.time()) - days * 86400.0)


def pasted_item(text: str, source_id: str = "input") -> Item:
    """A pasted text as one item: its first non-empty line the title, the rest the text."""
    lines = text.strip().splitlines()
    title = lines[0].strip() if lines else ""
    return Item(source_id=source_id, title=title, text="\n".join(lines[1:]).strip(),
                published=datetime.now(timezone.utc)).finish()


def classifier_for(config: Config | None) -> Classifier:
    """The classifier a dry run uses: the config's settings (tables, languages), else the defaults."""
    if config is not None:
        settings, base, cache = config.settings.classify, config.base_dir, config.state_dir / "cache"
    else:
        settings, base, cache = ClassifyConfig(), Path("config"), Path("~/.cache/newswatch").expanduser()
    return Classifier.from_config_dir(tables_dir(settings.tables, base), cache_dir=cache,
                                      min_population=settings.min_population, languages=settings.languages)


def classify_as_polled(classifier: Classifier, items: list[Item], limits: ItemLimits | None = None) -> list[Item]:
    """Clip each item as the pipeline keeps it and classify it as a poll does (dated from its published time)."""
    for item in items:
        item.clip(limits or ItemLimits())
        item.facts = classifier.classify(item.title, item.text, declared_lang=item.lang,
                                         published=(item.published or item.fetched_at).date())
    return items
