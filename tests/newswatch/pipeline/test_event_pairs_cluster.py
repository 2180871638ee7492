"""Event clustering on real data: the hand-labelled same-event pairs of tests/data/event_pairs.jsonl
(their guide: tests/data/event_pairs.md), in English, French, Arabic and Russian.

Every report of every pair (each once) becomes an Item (outlet as source, its URL, title, text,
language and publication time), is classified by the real classifier (with its event extractor),
then goes, in order of publication and in polls of 25, through the real story dedup, EventClusterer
and StoryLinker on the real Redis. A pair is predicted "same event" when both items end with one
`event_id` (or, "happening", one event else one story: what an alert stands for). Scored per split:
precision over all pairs, recall of the same-event pairs within a language and across languages.
The settings were chosen on `dev` (the sweep: bench/bench_event_cluster.py --sweep); `heldout` was
not looked at while choosing them. The issue's goals: precision >= 0.95, recall >= 0.8 within a
language, >= 0.6 across languages.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newswatch.classify.classifier import Classifier
from newswatch.model.item import Item
from newswatch.pipeline.events import EventClusterer
from newswatch.pipeline.stories import StoryDeduplicator
from newswatch.pipeline.story_link import StoryLinker
from newswatch.store.state import State
from tests.support.event_pairs import EventPair, Report, load_event_pairs

ROOT = Path(__file__).resolve().parents[3]
TABLES = ROOT / "newswatch" / "classify" / "data"
POLL = 25


def report_item(report: Report) -> Item:
    item = Item(source_id=report.outlet, title=report.title or "", text=report.text, url=report.url,
                guid=report.key, lang=report.lang, published=report.published)
    return item.finish()


def classified_items(pairs: list[EventPair], classifier: Classifier) -> dict[str, Item]:
    """Report key -> its item, classified (the language is the report's, as a source would declare it)."""
    items: dict[str, Item] = {}
    for pair in pairs:
        for report in (pair.a, pair.b):
            if report.key not in items:
                item = report_item(report)
                item.facts = classifier.classify(item.title, item.text, declared_lang=report.lang)
                items[report.key] = item
    return items


def pipeline(state: State, items: dict[str, Item], **options: Any) -> EventClusterer:
    """All the items, in order of publication (undated last) and polls of POLL, through story dedup,
    event clustering and story linking, as a poll runs them after the classifier."""
    stories, events, links = StoryDeduplicator(state), EventClusterer(state, **options), StoryLinker(state)
    ordered = sorted(items.values(), key=lambda i: (i.published is None, i.published.timestamp() if i.published
                                                    else 0.0, i.source_id, i.id))
    for start in range(0, len(ordered), POLL):
        batch = ordered[start:start + POLL]
        stories.process(batch)
        events.process(batch)
        links.process(batch)
    return events


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    within: list[int] = field(default_factory=lambda: [0, 0])   # same-event pairs found, all
    across: list[int] = field(default_factory=lambda: [0, 0])
    wrong: list[EventPair] = field(default_factory=list)
    missed: list[EventPair] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall_within(self) -> float:
        return self.within[0] / self.within[1] if self.within[1] else 1.0

    @property
    def recall_across(self) -> float:
        return self.across[0] / self.across[1] if self.across[1] else 1.0

    def line(self) -> str:
        return (f"P {self.precision:.3f} (tp {self.tp}, fp {self.fp})  R within {self.recall_within:.3f} "
                f"({self.within[0]}/{self.within[1]})  R across {self.recall_across:.3f} "
                f"({self.across[0]}/{self.across[1]})")


def score(pairs: list[EventPair], items: dict[str, Item], split: str, mode: str = "event",
          dated: bool = False) -> Score:
    """Pairs of `split` predicted the same when both items have one event id (`mode` "event") or one
    happening, the event else the story (`mode` "happening": what realert and `reports:` key on).
    `dated`: only pairs whose two reports carry a publication time (the collected texts whose page
    showed no date are clustered as if published now, the day of the run)."""
    result = Score()
    for pair in pairs:
        a, b = items[pair.a.key], items[pair.b.key]
        if pair.split != split or (dated and (a.published is None or b.published is None)):
            continue
        same = a.event_id is not None and a.event_id == b.event_id if mode == "event" else a.happening == b.happening
        if pair.same_event:
            counts = result.across if pair.cross_language else result.within
            counts[1] += 1
            if same:
                counts[0] += 1
                result.tp += 1
            else:
                result.missed.append(pair)
        elif same:
            result.fp += 1
            result.wrong.append(pair)
    return result


def run(state: State, pairs: list[EventPair], items: dict[str, Item], **options: Any) -> dict[str, Score]:
    """Scores by "<split> <mode>[ dated]" after one pipeline run over copies of the items."""
    fresh = {k: copy.deepcopy(v) for k, v in items.items()}
    pipeline(state, fresh, **options)
    return {f"{split} {mode}{' dated' if dated else ''}": score(pairs, fresh, split, mode, dated)
            for split in ("dev", "heldout") for mode in ("event", "happening") for dated in (False, True)}


def test_labelled_event_pairs_precision_and_recall(state, tmp_path_factory):
    pairs = load_event_pairs()
    classifier = Classifier.from_config_dir(TABLES, cache_dir=tmp_path_factory.mktemp("nwcache"))
    items = classified_items(pairs, classifier)
    with_event = sum(1 for i in items.values() if i.facts is not None and i.facts.events)
    scores = run(state, pairs, items)
    print(f"\nevent pairs: {len(pairs)}; reports {len(items)}, {with_event} with an extracted event")
    for name, result in scores.items():
        print(f"{name:24} {result.line()}")
    for pair in scores["dev happening"].wrong + scores["heldout happening"].wrong:
        print(f"  wrongly grouped ({pair.split}): {pair.id} {pair.languages} {pair.relation}: {pair.event[:70]}")
    # What the settings chosen on dev reach (not the goals, P >= 0.95, R >= 0.8 within and >= 0.6
    # across: most misses are reports with no extracted event, see the report in BENCHMARKS.md section 11).
    dev, held = scores["dev happening"], scores["heldout happening"]
    # An item's restatements of one occasion are one event with the union of their keys (events.py
    # `_same_occasion`): recall up on both halves (dev within 0.30 -> 0.35, across 0.22 -> 0.25; heldout
    # across 0.37 -> 0.42), dev precision down from 0.90 to 0.86 (follow-up statements grouped). Known actors
    # that share an official's nationality and role are no two sets of people (the host's sentence naming
    # the guest by title): dev precision 0.86 -> 0.89, heldout 0.85 -> 0.87, heldout recall within 0.30 -> 0.33.
    assert dev.precision >= 0.85 and scores["dev happening dated"].precision >= 0.89, [p.id for p in dev.wrong]
    assert dev.recall_within >= 0.34 and dev.recall_across >= 0.25, (dev.within, dev.across)
    assert held.precision >= 0.8 and held.recall_within >= 0.3 and held.recall_across >= 0.4, held.line()
    assert scores["dev event"].tp <= dev.tp    # stories only add: copies and linked reports of no event
