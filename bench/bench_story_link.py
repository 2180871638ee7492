"""Story linking's cost per item: the 591 world items through story dedup, event clustering and the timed
`StoryLinker.process`, in the real Redis (a fresh key prefix each round, deleted after).

    python bench/bench_story_link.py [--rounds 5] [--root PATH]

`--root` runs another checkout's code (for example a `git worktree` of an older commit) with this same
script, so two versions can be compared in one session. Prints, per item, the client CPU (process_time)
and Redis's CPU (INFO used_cpu_* deltas) of the linker alone, medians over the rounds, and its hits.
"""
from __future__ import annotations

import argparse
import copy
import statistics
import sys
import tempfile
import time
from pathlib import Path

parser = argparse.ArgumentParser()
parser.add_argument("--rounds", type=int, default=5)
parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[1])
args = parser.parse_args()
import benchlib  # noqa: E402  (puts this repo on sys.path; --root goes ahead of it)

sys.path.insert(0, str(args.root.resolve()))

from newswatch.classify.classifier import Classifier  # noqa: E402
from newswatch.pipeline.events import EventClusterer  # noqa: E402
from newswatch.pipeline.stories import StoryDeduplicator  # noqa: E402
from newswatch.pipeline.story_link import StoryLinker  # noqa: E402
from newswatch.store.state import State, connect  # noqa: E402
from tests.newswatch.pipeline.test_story_pairs import load_items  # noqa: E402


def main() -> None:
    import newswatch
    print(benchlib.machine_header(f"story linking per item (code at {Path(newswatch.__file__).parents[1]})"))
    client = connect("redis://127.0.0.1:6379/0")
    items = load_items(args.root / "tests" / "data" / "feeds" / "world-2026-02")
    with tempfile.TemporaryDirectory() as tmp:
        classifier = Classifier.from_config_dir(args.root / "newswatch" / "classify" / "data", cache_dir=Path(tmp))
        for item in items:
            item.facts = classifier.classify(item.title, item.text, declared_lang=item.lang,
                                             published=item.published.date() if item.published else None)

    def redis_cpu() -> float:
        info = client.info("cpu")
        return float(info["used_cpu_sys"]) + float(info["used_cpu_user"])

    runs, hits = [], {}
    for _ in range(args.rounds):
        prefix = benchlib.new_prefix()
        state = State(client, prefix)
        batch = [copy.deepcopy(i) for i in items]
        for item in batch:
            item.story_id = item.story_first = item.event_id = item.event_first = None
        stories, events, linker = StoryDeduplicator(state), EventClusterer(state), StoryLinker(state, min_docs=0)
        own = server = 0.0
        for start in range(0, len(batch), 25):
            poll = batch[start:start + 25]
            stories.process(poll)
            events.process(poll)
            cpu0, red0 = time.process_time(), redis_cpu()
            linker.process(poll)
            own, server = own + time.process_time() - cpu0, server + redis_cpu() - red0
        runs.append((own, server))
        hits = dict(linker.hits)
        benchlib.delete_prefix(client, prefix + ":")
    own, server = (statistics.median(r[i] for r in runs) for i in (0, 1))
    n = len(items)
    print(f"{n} items, {args.rounds} rounds: linker client {own / n * 1e6:.0f} us/item, Redis {server / n * 1e6:.0f} "
          f"us/item, together {(own + server) / n * 1e6:.0f} us/item; hits {hits}")


if __name__ == "__main__":
    main()
