"""Event extraction: its cost as a share of classification, on the 591 world items.

    python bench/bench_event_extract.py [--rounds 5]

Parses the 591 items of tests/data/feeds/world-2026-02/*.xml (outside the timing), then times
whole passes of Classifier.classify(title, text, declared_lang=item.lang, published=day) with the
event extractor on, and with it off (the classifier's `events.extract` replaced by a function
returning no events), interleaved, one warm-up pass each. The extraction's share is
(with - without) / without, best of the rounds. Goal (issue #14): <= 30% (the extraction and the
event clustering together; clustering is timed on its own elsewhere). Also counts the events
found per type.
"""
from __future__ import annotations

import argparse
import time
from collections import Counter
from pathlib import Path

import benchlib  # noqa: E402  (puts the repo on sys.path)

GOAL = 0.30


def load_items() -> list[tuple[str, str, str | None, object]]:
    from workers.sources.feeds.parse import parse_feed
    items = [item for name, body in benchlib.feed_bodies() for item in parse_feed(body, name).items]
    return [(i.title or "", i.text or "", i.lang, i.published.date() if i.published else None) for i in items]


def one_pass(classifier, items) -> float:
    classify = classifier.classify
    start = time.perf_counter()
    for title, text, lang, day in items:
        classify(title, text, declared_lang=lang, published=day)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    from newswatch.classify.classifier import Classifier
    print(benchlib.machine_header("event extraction cost"))
    classifier = Classifier.from_config_dir(benchlib.TABLES, cache_dir=Path("/tmp/nwcache-bench-events"))
    items = load_items()
    extract = classifier.events.extract
    events: Counter[str] = Counter()
    for title, text, lang, day in items:
        events.update(e.type for e in classifier.classify(title, text, declared_lang=lang, published=day).events)

    def off(*_args: object, **_kwargs: object) -> list[object]:
        return []

    with_events, without = [], []
    one_pass(classifier, items)
    for _ in range(args.rounds):
        classifier.events.extract = extract
        with_events.append(one_pass(classifier, items))
        classifier.events.extract = off
        without.append(one_pass(classifier, items))
    classifier.events.extract = extract
    best_with, best_without = min(with_events), min(without)
    share = (best_with - best_without) / best_without
    print(f"items    {len(items)}")
    print(f"events   {sum(events.values())}: " + ", ".join(f"{k} {n}" for k, n in events.most_common()))
    print(f"classify without events  {best_without:.3f} s  ({len(items) / best_without:,.0f} items/s)")
    print(f"classify with events     {best_with:.3f} s  ({len(items) / best_with:,.0f} items/s)")
    print(f"extraction share         {share:.1%}  (goal <= {GOAL:.0%}: {'met' if share <= GOAL else 'NOT met'})")


if __name__ == "__main__":
    main()
