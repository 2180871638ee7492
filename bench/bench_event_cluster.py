"""Event clustering: the settings sweep on the labelled pairs, then 1,000,000 events in the window, in the real Redis.

    python bench/bench_event_cluster.py [--events 1000000] [--rounds 5] [--poll 25] [--skip-sweep]

0. Sweep (tests/data/event_pairs.jsonl, the same run as tests/newswatch/pipeline/test_event_pairs_cluster.py):
   precision and recall of same-event pairs on the DEV half (the heldout half is printed for the
   chosen settings only) over measures, thresholds, place conflicts, the window and type families
   (without story linking), then the story linker's two thresholds after the chosen clustering.
1. The pool: the 591 real items of world-2026-02 through the real classifier. An item's events are
   the extractor's (`Facts.events`) when it found any; an item without gives one event built from
   its facts (its actors as participants, its cities and first country as places, a type drawn at
   random), so the key sets (actor ids, NAT:role, GeoNames ids, countries) are real ones.
2. Fill: N reports through `EventClusterer.process` (polls of 200), each a pool event resampled
   with a synthetic city of its country (an id no real city has, from 10 million), on a day within
   the window of today: nearly every one is a new event, so N events are stored (the costly case:
   every index list of a frequent key — RU:official, c:US — is full). `used_memory` before/after.
3. Throughput, the process pinned to CPU 0, polls of `--poll` items: "new" (resampled pool events
   with fresh synthetic cities: every lookup reads full candidate lists and scores up to `top`
   stored events, then a new event is indexed) and "reports" (events with the keys of stored
   ones: each joins its event and adds a report). Median over rounds of wall time, client CPU
   (process_time) and Redis CPU (INFO used_cpu_* deltas); items/s per core = 1 / (client + Redis
   CPU per item). Goal: >= 5,000 items/s per core.
The bench's keys are deleted at the end.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import benchlib  # noqa: F401  (puts the repo on sys.path)

from newswatch.classify.classifier import Classifier  # noqa: E402
from newswatch.classify.model import EVENT_TYPES, Event, EventPlace, Facts, Participant  # noqa: E402
from newswatch.model.item import Item  # noqa: E402
from newswatch.pipeline.events import EventClusterer  # noqa: E402
from newswatch.store.state import State, connect  # noqa: E402
from newswatch.pipeline import event_keys  # noqa: E402
from newswatch.pipeline.event_keys import Scoring  # noqa: E402
from tests.newswatch.pipeline.test_story_pairs import load_items  # noqa: E402


def sweep(client) -> None:
    from tests.newswatch.pipeline.test_event_pairs_cluster import TABLES, classified_items, run
    from tests.support.event_pairs import load_event_pairs
    pairs = load_event_pairs()
    with tempfile.TemporaryDirectory() as tmp:
        items = classified_items(pairs, Classifier.from_config_dir(TABLES, cache_dir=Path(tmp)))
    print(f"\n-- sweep on the DEV pairs ({sum(p.split == 'dev' for p in pairs)} of {len(pairs)}), "
          f"{len(items)} reports; 'happening': the event, else the story --")
    runs: list[tuple[str, dict, bool]] = [(f"{m} {t} conflict={c}", {"scoring": Scoring(threshold=t, measure=m, conflict=c)},
                                           True) for c in ("city", "place") for m in ("jaccard", "dice", "cover")
                                          for t in (0.3, 0.5, 0.7)]
    runs += [(f"jaccard 0.3 window_days={w}", {"window_days": w}, True) for w in (1, 3)]
    runs += [("jaccard 0.3 min_shared=0.5", {"scoring": Scoring(min_shared=0.5)}, True),
             ("jaccard 0.3, no type families", {}, False)]
    # story linking after clustering (story_link.py): to join an event (event_threshold), a story (threshold)
    runs += [(f"+ link event {e} story {t}", {"link": {"event_threshold": e, "threshold": t}}, True)
             for e, t in ((0.3, 0.6), (0.5, 0.6), (0.4, 0.5), (0.4, 0.7))]
    runs += [(f"+ link across languages {c}", {"link": {"cross_threshold": c}}, True) for c in (1.0, 0.7, 0.4)]
    runs += [("chosen: jaccard 0.3, place, 2 days, link 0.4 / 0.6 / 0.5", {"link": {}}, True)]
    for label, options, families in runs:
        saved = dict(event_keys.FAMILIES)
        if not families:
            event_keys.FAMILIES.clear()
        prefix = benchlib.new_prefix()
        scores = run(State(client, prefix), pairs, items, **options)
        event_keys.FAMILIES.update(saved)
        benchlib.delete_prefix(client, prefix + ":")
        print(f"{label:36} event: {scores['dev event'].line()}")
        print(f"{'':36} happening: {scores['dev happening'].line()}   dated: {scores['dev happening dated'].line()}")
    for name in ("heldout event", "heldout happening", "heldout happening dated"):
        print(f"chosen, {name:28} {scores[name].line()}")


def pool_events(items: list[Item]) -> tuple[list[Event], int]:
    """Every extracted event of the classified items, plus one built from the facts of each item
    the extractor left without; and how many of the pool the extractor gave."""
    rng, pool, extracted = random.Random(14), [], 0
    with tempfile.TemporaryDirectory() as tmp:
        classifier = Classifier.from_config_dir(benchlib.TABLES, cache_dir=Path(tmp))
        for item in items:
            facts = classifier.classify(item.title, item.text, declared_lang=item.lang)
            if facts.events:
                pool += facts.events
                extracted += len(facts.events)
                continue
            who = [Participant(a["name"], a["id"], a.get("nationality"), a.get("role"), "text", 0, 1)
                   for a in facts.actors[:3]]
            where = [EventPlace(c["id"], "capital" if c.get("capital") else "city", c["name"], c["country"],
                                "location", "text", 0, 1) for c in facts.cities[:2]]
            where += [EventPlace(code, "country", code, code, "location", "text", 0, 1) for code in facts.countries[:1]]
            if who or where:
                pool.append(Event(rng.choice(EVENT_TYPES), "happened", who, where, None, None, "title", 0, 0, 1, ""))
    return pool, extracted


def resampled(event: Event, rng: random.Random, day: str, city: str | None) -> Event:
    """A copy of `event` on `day`; with `city`, the places are replaced by that city (in the country of
    the event's first place, or a random one): a new event that shares the actors and the country."""
    where = list(event.where)
    if city is not None:
        country = next((p.country for p in where if p.country), None) or rng.choice(["ML", "RU", "US", "FR", "UA"])
        where = [EventPlace(city, "city", "Synthetic", country, "location", "text", 0, 1)]
    return Event(event.type, event.modality, list(event.who), where, day, None, "title", 0, 0, 1, event.cue)


def make_items(pool: list[Event], n: int, rng: random.Random, today: datetime, fresh: bool, tag: str) -> list[Item]:
    items = []
    for k in range(n):
        day = (today + timedelta(days=rng.randint(-2, 2))).date().isoformat()
        city = str(10_000_000 + rng.randrange(10_000_000)) if fresh else None
        event = resampled(rng.choice(pool), rng, day, city)
        item = Item(source_id=f"src-{k % 1000}", title="t", text="", url=f"https://b.example/{tag}/{k}",
                    lang="en", published=today)
        item.id = f"{tag}{k:012x}"
        item.facts = Facts(lang="en", events=[event])
        items.append(item)
    return items


def redis_cpu(client) -> float:
    info = client.info("cpu")
    return info["used_cpu_user"] + info["used_cpu_sys"]


def timed(stage: EventClusterer, client, items: list[Item], poll: int) -> tuple[float, float, float]:
    cpu0, r0, t0 = time.process_time(), redis_cpu(client), time.perf_counter()
    for start in range(0, len(items), poll):
        stage.process(items[start:start + poll])
    return time.perf_counter() - t0, time.process_time() - cpu0, redis_cpu(client) - r0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--per-round", type=int, default=5000)
    parser.add_argument("--poll", type=int, default=25)
    parser.add_argument("--redis-url", default=benchlib.REDIS_URL)
    parser.add_argument("--skip-sweep", action="store_true")
    args = parser.parse_args()
    os.sched_setaffinity(0, {0})
    print(benchlib.machine_header("event clustering"))
    client = connect(args.redis_url)
    print(f"redis    {client.info('server')['redis_version']}")
    if not args.skip_sweep:
        sweep(client)
    pool, extracted = pool_events(load_items(benchlib.FEEDS))
    print(f"pool     {len(pool)} events ({extracted} from the extractor, the rest built from the items' facts)")
    prefix, rng, now = benchlib.new_prefix(), random.Random(7), time.time()
    today = datetime.fromtimestamp(now, timezone.utc)
    stage = EventClusterer(State(client, prefix), clock=lambda: now)
    try:
        before, started = client.info("memory")["used_memory"], time.perf_counter()
        stored: list[Item] = []
        for start in range(0, args.events, 20_000):
            batch = make_items(pool, min(20_000, args.events - start), rng, today, True, f"f{start:08x}")
            for b in range(0, len(batch), 200):
                stage.process(batch[b:b + 200])
            stored += rng.sample(batch, min(len(batch), 200))
        took, after = time.perf_counter() - started, client.info("memory")["used_memory"]
        print(f"\n-- fill: {args.events:,} reports in {took:.0f} s ({args.events / took:,.0f}/s, polls of 200): "
              f"{dict(stage.hits)} --")
        print(f"used_memory +{(after - before) / 2**20:.0f} MiB, {(after - before) / args.events:.0f} bytes per event")
        rows: dict[str, list[tuple[float, float, float]]] = {"new": [], "reports": []}
        for r in range(args.rounds):
            rows["new"].append(timed(stage, client, make_items(pool, args.per_round, rng, today, True, f"n{r}"),
                                     args.poll))
            again = [Item(source_id="other", title="t", text="", url=f"https://o.example/{r}/{k}", lang="fr",
                          published=today) for k in range(args.per_round)]
            for k, item in enumerate(again):
                item.id = f"r{r}{k:012x}"
                facts = rng.choice(stored).facts
                assert facts is not None
                src = facts.events[0]
                item.facts = Facts(lang="fr", events=[resampled(src, rng, src.when or "", None)])
            hits0 = stage.hits["matched"]
            rows["reports"].append(timed(stage, client, again, args.poll))
            print(f"round {r}: {stage.hits['matched'] - hits0} of {len(again)} reports joined their event")
        print(f"\n-- throughput: {args.per_round} items per round, polls of {args.poll}, {args.rounds} rounds, "
              f"client pinned to CPU 0; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs --")
        print(f"{'':8} {'wall items/s':>12} {'client CPU':>11} {'redis CPU':>10} {'items/s per core':>17}")
        for kind, runs in rows.items():
            n = args.per_round
            wall = statistics.median(w for w, _, _ in runs)
            cpu = statistics.median(c for _, c, _ in runs) / n * 1e6
            red = statistics.median(x for _, _, x in runs) / n * 1e6
            print(f"{kind:8} {n / wall:12.0f} {cpu:8.0f} us {red:7.0f} us {1e6 / (cpu + red):17.0f}")
        print(f"hits {dict(stage.hits)}")
    finally:
        print(f"deleted {benchlib.delete_prefix(client, prefix + ':'):,} keys")


if __name__ == "__main__":
    main()
