"""Story dedup on real data: the hand-labelled pairs of tests/data/story_pairs.jsonl (how they were
built and the label rules: tests/data/story_pairs.md).

All 591 items of the 18 desks' feeds go, in order of publication and in polls of 25, through the
real exact dedup and the real StoryDeduplicator on the real Redis; a pair is predicted "same story"
when both items end with one story_id. Scored: copies/updates (same_story true) against different
stories (follow_up, same_topic, unrelated). Independent reports of one event (same_event) are not
copies and not errors either: they are printed apart.
"""
from __future__ import annotations

import json
from pathlib import Path

from newswatch.pipeline.dedup import ExactDeduplicator
from newswatch.model.item import Item
from newswatch.pipeline.stories import StoryDeduplicator, story_reports
from workers.sources.feeds.parse import parse_feed

PAIRS = Path(__file__).resolve().parents[2] / "data" / "story_pairs.jsonl"
NEGATIVE = ("follow_up", "same_topic", "unrelated")
POLL = 25


def load_pairs() -> list[dict]:
    return [json.loads(line) for line in PAIRS.read_text(encoding="utf-8").splitlines() if line.strip()]


def load_items(feeds_dir: Path) -> list[Item]:
    """Every item of every feed (source id = file name), in order of publication."""
    items = []
    for path in sorted(feeds_dir.glob("*.xml")):
        items += parse_feed(path.read_bytes(), path.name).items
    assert len(items) == 591, f"the world-2026-02 corpus changed: {len(items)} items"
    return sorted(items, key=lambda i: (i.published.timestamp() if i.published else 0.0, i.source_id, i.id))


def run_pipeline(state, items: list[Item], **options) -> StoryDeduplicator:
    exact, stories = ExactDeduplicator(state, ttl=3600), StoryDeduplicator(state, **options)
    for start in range(0, len(items), POLL):
        fresh = exact.process(items[start:start + POLL])
        stories.process(fresh)
        exact.commit(fresh)
    return stories


def find(items: list[Item], side: dict) -> Item:
    for item in items:
        if item.source_id == side["feed"] and (item.guid == side["guid"] if side["guid"] else item.url == side["link"]):
            return item
    raise AssertionError(f"labelled item not in the feeds: {side}")


def evaluate(pairs: list[dict], items: list[Item]) -> dict:
    """Counts per relation of pairs predicted same story; precision and recall of the scored ones."""
    def story(item: Item) -> str:
        return item.story_id or item.id

    found = {"tp": [], "fn": [], "fp": [], "tn": 0, "event_grouped": [], "events": 0}
    for pair in pairs:
        a, b = find(items, pair["a"]), find(items, pair["b"])
        same = story(a) == story(b)
        if pair["same_story"]:
            found["tp" if same else "fn"].append(pair)
        elif pair["relation"] in NEGATIVE:
            if same:
                found["fp"].append(pair)
            else:
                found["tn"] += 1
        else:
            found["events"] += 1
            if same:
                found["event_grouped"].append(pair)
    tp, fp, fn = len(found["tp"]), len(found["fp"]), len(found["fn"])
    found["precision"] = tp / (tp + fp) if tp + fp else 1.0
    found["recall"] = tp / (tp + fn) if tp + fn else 1.0
    return found


def test_labelled_pairs_precision_and_recall(state, data_dir):
    pairs = load_pairs()
    assert len(pairs) >= 60 and {p["relation"] for p in pairs} >= {"copy", "same_event", *NEGATIVE}
    items = load_items(data_dir / "feeds" / "world-2026-02")
    stage = run_pipeline(state, items)
    result = evaluate(pairs, items)
    tp, fn, fp = len(result["tp"]), len(result["fn"]), len(result["fp"])
    print(f"\nstory pairs: {len(pairs)} ({tp + fn} same story, {result['tn'] + fp} different, "
          f"{result['events']} same event)")
    print(f"precision {result['precision']:.3f}  recall {result['recall']:.3f}  (tp {tp}, fp {fp}, fn {fn})")
    print(f"same event written separately, grouped anyway: {len(result['event_grouped'])}/{result['events']}")
    print(f"stage hits over the 591 items: {dict(stage.hits)}")
    for label, rows in (("missed", result["fn"]), ("wrongly grouped", result["fp"])):
        for pair in rows:
            print(f"  {label}: {pair['a']['title'][:60]!r} / {pair['b']['title'][:60]!r}")
    assert result["precision"] >= 0.95, result["fp"]
    assert result["recall"] >= 0.8, result["fn"]


def test_grouped_copies_carry_their_reports(state, data_dir):
    """The copies the stage grouped are recorded on one story, first copy first."""
    items = load_items(data_dir / "feeds" / "world-2026-02")
    run_pipeline(state, items)
    pair = next(p for p in load_pairs() if p["relation"] == "copy" and "Hezbollah" in p["a"]["title"])
    first, second = find(items, pair["a"]), find(items, pair["b"])
    story_id = first.story_id
    assert story_id == first.id and first.story_first is True
    assert second.story_id == story_id and second.story_first is False
    reports = story_reports(state, story_id)
    assert [(r["source_id"], r["item_id"]) for r in reports] == [(first.source_id, first.id),
                                                                 (second.source_id, second.id)]
