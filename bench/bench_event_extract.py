"""Event extraction and clustering: their cost as a share of classification, on the 591 world items.

    python bench/bench_event_extract.py [--rounds 5] [--no-cluster] [--redis-url URL]

Parses the 591 items of tests/data/feeds/world-2026-02/*.xml (outside the timing), then times
whole passes of Classifier.classify(title, text, declared_lang=item.lang, published=day) with the
event extractor on, and with it off (the classifier's `events.extract` replaced by a function
returning no events), interleaved, one warm-up pass each. The extraction's share is
(with - without) / without, best of the rounds. Goal (issue #14): <= 30% (the extraction and the
event clustering together; clustering is timed on its own elsewhere). Also counts the events
found per type.

Clustering (unless --no-cluster): in the same rounds, interleaved with the two classification
passes, EventClusterer.process over the same items (parsed Items whose facts are the classifier's,
with events), one call per feed as a poll does: "local" (EventClusterer(state=None), a fresh one
each round) and "redis" (EventClusterer(State(redis, prefix)) on --redis-url, a fresh
`bench-<uuid>` prefix each round, so every round starts from an empty window; the keys are deleted
after each round, outside the timing). Wall time (perf_counter) is timed; for redis also the
client CPU (process_time) and the Redis server's CPU (INFO used_cpu_* delta: the server is shared,
so that figure includes whatever else ran on it). The total share is
(extraction + clustering) / classification without events, best of the rounds for each part.
On a loaded machine the difference of two passes is noisy, so the extraction is also timed inside
the "with" passes (a wrapper sums the time of the extract() calls; its share is that sum over the
rest of the pass) and a second total is given with it; and each classification pass's CPU time
(process_time) is taken too, the share by CPU time being less exposed to the other jobs' load.
"""
from __future__ import annotations

import argparse
import statistics
import time
from collections import Counter
from pathlib import Path

import benchlib  # noqa: E402  (puts the repo on sys.path)

GOAL = 0.30


def load_items() -> list[tuple[str, str, str | None, object]]:
    from workers.sources.feeds.parse import parse_feed
    items = [item for name, body in benchlib.feed_bodies() for item in parse_feed(body, name).items]
    return [(i.title or "", i.text or "", i.lang, i.published.date() if i.published else None) for i in items]


def load_parsed() -> list[list[object]]:
    """The same items as `load_items`, as Items, one list per feed (a poll's batch)."""
    from workers.sources.feeds.parse import parse_feed
    return [parse_feed(body, name).items for name, body in benchlib.feed_bodies()]


def redis_cpu(client) -> float:
    info = client.info("cpu")
    return info["used_cpu_user"] + info["used_cpu_sys"]


def cluster_pass(stage, polls, client=None) -> tuple[float, float, float]:
    """Wall, client CPU and Redis CPU (0 without a client) of one EventClusterer pass over `polls`."""
    r0 = redis_cpu(client) if client is not None else 0.0
    cpu0, start = time.process_time(), time.perf_counter()
    for poll in polls:
        stage.process(poll)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu0
    return wall, cpu, (redis_cpu(client) - r0 if client is not None else 0.0)


def one_pass(classifier, items, cpu: list[float] | None = None) -> float:
    """Wall time of one classification pass; its CPU time (process_time) appended to `cpu`."""
    classify = classifier.classify
    cpu0, start = time.process_time(), time.perf_counter()
    for title, text, lang, day in items:
        classify(title, text, declared_lang=lang, published=day)
    wall = time.perf_counter() - start
    if cpu is not None:
        cpu.append(time.process_time() - cpu0)
    return wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--no-cluster", action="store_true", help="time the extraction only")
    parser.add_argument("--no-redis", action="store_true", help="cluster in local mode only")
    parser.add_argument("--redis-url", default=benchlib.REDIS_URL)
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

    inside: list[float] = [0.0]

    def timed_extract(*a: object, **k: object) -> list[object]:
        t0 = time.perf_counter()
        try:
            return extract(*a, **k)
        finally:
            inside[0] += time.perf_counter() - t0

    polls: list[list[object]] = []
    client = None
    if not args.no_cluster:
        polls = load_parsed()
        for poll in polls:
            for item in poll:
                item.facts = classifier.classify(item.title or "", item.text or "", declared_lang=item.lang,
                                                 published=(item.published or item.fetched_at).date())
        assert sum(len(p) for p in polls) == len(items)
        if not args.no_redis:
            from newswatch.store.state import connect
            client = connect(args.redis_url)
            print(f"redis    {client.info('server')['redis_version']} at {args.redis_url}")

    from newswatch.pipeline.events import EventClusterer
    from newswatch.store.state import State

    def local_pass() -> tuple[float, float, float]:
        return cluster_pass(EventClusterer(state=None), polls)

    prefixes: list[str] = []

    def redis_pass() -> tuple[float, float, float]:
        prefix = benchlib.new_prefix()
        prefixes.append(prefix)
        stage = EventClusterer(State(client, prefix))
        try:
            return cluster_pass(stage, polls, client)
        finally:
            benchlib.delete_prefix(client, prefix + ":")

    with_events, without = [], []
    cpu_with: list[float] = []
    cpu_without: list[float] = []
    local: list[tuple[float, float, float]] = []
    remote: list[tuple[float, float, float]] = []
    hits: Counter[str] = Counter()
    one_pass(classifier, items)
    try:
        if polls:   # warm-up (and the hits of one pass)
            stage = EventClusterer(state=None)
            cluster_pass(stage, polls)
            hits = stage.hits
            if client is not None:
                redis_pass()
        direct: list[float] = []
        for _ in range(args.rounds):
            classifier.events.extract = timed_extract
            inside[0] = 0.0
            with_events.append(one_pass(classifier, items, cpu_with))
            direct.append(inside[0] / (with_events[-1] - inside[0]))
            if polls:
                local.append(local_pass())
            classifier.events.extract = off
            without.append(one_pass(classifier, items, cpu_without))
            if client is not None:
                remote.append(redis_pass())
    finally:
        classifier.events.extract = extract
        if client is not None:
            left = sum(1 for p in prefixes for _ in client.scan_iter(match=f"{p}*"))
            print(f"redis    {len(prefixes)} prefixes used, {left} keys left under them")
    best_with, best_without = min(with_events), min(without)
    share = (best_with - best_without) / best_without
    n = len(items)
    print(f"items    {n} ({len(polls) or 18} feeds)")
    print(f"events   {sum(events.values())}: " + ", ".join(f"{k} {n}" for k, n in events.most_common()))
    print(f"load     {' '.join(f'{x:.2f}' for x in __import__('os').getloadavg())} (1/5/15 min, at the end)")
    print(f"classify without events  {best_without:.3f} s  ({n / best_without:,.0f} items/s; "
          f"median {statistics.median(without):.3f} s)")
    print(f"classify with events     {best_with:.3f} s  ({n / best_with:,.0f} items/s; "
          f"median {statistics.median(with_events):.3f} s)")
    print(f"extraction share         {share:.1%}  (median of the per-round shares "
          f"{statistics.median((w - o) / o for w, o in zip(with_events, without)):.1%})")
    print(f"extraction timed inside the pass (sum of extract() calls / the rest of the pass): median "
          f"{statistics.median(direct):.1%}, range {min(direct):.1%}-{max(direct):.1%}")
    cw, co = min(cpu_with), min(cpu_without)
    print(f"CPU time (process_time, less exposed to other jobs on the machine): without events {co:.3f} s, "
          f"with {cw:.3f} s (best of the rounds); extraction share {(cw - co) / co:.1%} (median of the "
          f"per-round shares {statistics.median((w - o) / o for w, o in zip(cpu_with, cpu_without)):.1%})")
    if not polls:
        print(f"  (goal <= {GOAL:.0%} for extraction + clustering; clustering not timed: --no-cluster)")
        return
    print(f"cluster hits (one local pass): {dict(hits)}")
    for label, runs in (("local (state=None)", local), ("redis", remote)):
        if not runs:
            continue
        wall = min(r[0] for r in runs)
        cpu = min(r[1] for r in runs)
        red = statistics.median(r[2] for r in runs)
        total = (best_with - best_without + wall) / best_without
        print(f"cluster {label:<19} {wall * 1e3:7.1f} ms wall ({wall / n * 1e6:.0f} us/item, "
              f"{wall / best_without:.1%} of classify; median {statistics.median(r[0] for r in runs) * 1e3:.1f} ms), "
              f"client CPU {cpu * 1e3:.1f} ms" + (f", Redis CPU {red * 1e3:.1f} ms (median)" if label == "redis" else ""))
        print(f"  extraction + clustering ({label}) = {total:.1%} of classification without events "
              f"(goal <= {GOAL:.0%}: {'met' if total <= GOAL else 'NOT met'})")
        alt = statistics.median(direct) + wall / best_without
        print(f"  with the extraction timed inside instead: {alt:.1%} "
              f"(goal <= {GOAL:.0%}: {'met' if alt <= GOAL else 'NOT met'})")
        by_cpu = (cw - co + cpu + (red if label == "redis" else 0.0)) / co
        print(f"  by CPU time (extraction, clustering client CPU{' and Redis CPU' if label == 'redis' else ''}): "
              f"{by_cpu:.1%} "
              f"(goal <= {GOAL:.0%}: {'met' if by_cpu <= GOAL else 'NOT met'})")


if __name__ == "__main__":
    main()
