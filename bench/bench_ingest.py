"""Ingest throughput without network: parse → normalize → exact dedup (Redis) → age → match.

    python bench/bench_ingest.py [--rounds 5] [--redis-url redis://127.0.0.1:6379/0]

Reads the 591 items of tests/data/feeds/world-2026-02/*.xml into memory, pins itself
to CPU 0, and times whole passes over the 18 feed bodies the way one poll handles one
body (workers/polling.py `_poll_locked` minus the fetch and the dispatch):

    parse_feed(body)                      feed_parse: lxml fast path, Item.finish() inside
    ExactDeduplicator(state).process()    one pipelined EXISTS per item, one round trip per feed
    AgeFilter(max_age=0).process()        max_age off: every item goes through
    RuleMatcher(rules).process()          config/rules/sahel.yaml + config/demo/rules.yaml
    ExactDeduplicator.commit()            one pipelined SET EX per new item (mark seen)

Every round uses a fresh key prefix so every item is new to Redis; the prefix's keys are
deleted after the round, outside the timing. In the same run: plain feedparser.parse(body)
with its defaults over the same bodies (the baseline), and the pipeline with dedup in
memory (state=None) to show what Redis costs. Goal: >= 2,000 items/s per core.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from dataclasses import dataclass, field

import benchlib  # noqa: E402  (puts the repo on sys.path)

import feedparser  # noqa: E402

from alerts.rules.loader import load_rules  # noqa: E402
from alerts.rules.matcher import RuleMatcher  # noqa: E402
from workers.registry import load_config  # noqa: E402
from newswatch.pipeline.dedup import ExactDeduplicator  # noqa: E402
from newswatch.pipeline import AgeFilter  # noqa: E402
from newswatch.store.state import State, connect  # noqa: E402
from workers.sources.feeds.parse import parse_feed  # noqa: E402

GOAL = 2000.0
SEEN_TTL = 30 * 86400


@dataclass
class Round:
    seconds: float
    cpu: float
    items: int
    stages: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    others: float = 0.0  # share of CPU 0 used by other processes during the round

    @property
    def rate(self) -> float:
        return self.items / self.seconds


def load_matcher() -> tuple[RuleMatcher, int]:
    os.environ.setdefault("SMTP_PASSWORD", "bench-not-a-secret")  # config/newswatch.yaml needs it set
    config = load_config(benchlib.REPO / "config" / "newswatch.yaml")
    rules = load_rules(config, files=[benchlib.REPO / "config" / "rules" / "sahel.yaml",
                                      benchlib.REPO / "config" / "demo" / "rules.yaml"])
    return RuleMatcher(rules), len(rules)


def round_feedparser(bodies) -> Round:
    start, cpu = time.perf_counter(), time.process_time()
    items = sum(len(feedparser.parse(body).entries) for _, body in bodies)
    return Round(time.perf_counter() - start, time.process_time() - cpu, items)


def round_parse_only(bodies) -> Round:
    start, cpu = time.perf_counter(), time.process_time()
    items = sum(len(parse_feed(body, name).items) for name, body in bodies)
    return Round(time.perf_counter() - start, time.process_time() - cpu, items)


def round_pipeline(bodies, matcher: RuleMatcher, state: State | None) -> Round:
    stages = dict.fromkeys(("parse", "dedup", "age", "match", "commit"), 0.0)
    counts = dict.fromkeys(("parsed", "new", "kept", "matches"), 0)
    clock = time.perf_counter
    start, cpu = clock(), time.process_time()
    for name, body in bodies:
        t0 = clock()
        items = parse_feed(body, name).items
        t1 = clock()
        dedup = ExactDeduplicator(state, SEEN_TTL)
        fresh = dedup.process(items)
        t2 = clock()
        current = AgeFilter(0).process(fresh)
        t3 = clock()
        matches = matcher.process(current)
        t4 = clock()
        dedup.commit(fresh)
        t5 = clock()
        for key, a, b in (("parse", t0, t1), ("dedup", t1, t2), ("age", t2, t3), ("match", t3, t4),
                          ("commit", t4, t5)):
            stages[key] += b - a
        counts["parsed"] += len(items)
        counts["new"] += len(fresh)
        counts["kept"] += len(current)
        counts["matches"] += len(matches)
    return Round(clock() - start, time.process_time() - cpu, counts["parsed"], stages, counts)


def round_pipeline_prefixed(bodies, matcher, client, used: list, current: dict) -> Round:
    current["prefix"] = benchlib.new_prefix()
    used.append(current["prefix"])
    return round_pipeline(bodies, matcher, State(client, current["prefix"]))


def run_rounds(label: str, rounds: int, one_round, cleanup=None) -> list[Round]:
    one_round()  # warm imports, regex and lxml caches, the Redis connection
    if cleanup:
        cleanup()
    results = []
    for _ in range(rounds):
        meter = benchlib.CpuMeter().start()
        result = one_round()
        busy = meter.stop().get("cpu0", 0.0)
        result.others = max(0.0, busy - result.cpu / result.seconds)  # CPU 0 time not ours
        results.append(result)
        if cleanup:
            cleanup()
    rates = [r.rate for r in results]
    print(f"  {label:<44} best {max(rates):8,.0f}  median {statistics.median(rates):8,.0f} items/s"
          f"   ({results[0].items} items, best {min(r.seconds for r in results) * 1000:6.1f} ms,"
          f" cpu/wall {statistics.median(r.cpu / r.seconds for r in results):.2f},"
          f" others on CPU 0 {statistics.median(r.others for r in results):.0%})")
    return results


def best(results: list[Round]) -> Round:
    return max(results, key=lambda r: r.rate)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--redis-url", default=benchlib.REDIS_URL)
    parser.add_argument("--rule-scaling", type=int, nargs="*", default=[5, 10],
                        help="also time the pipeline with the shipped rules repeated N times (3 rounds each)")
    args = parser.parse_args(argv)

    os.sched_setaffinity(0, {0})
    print(benchlib.machine_header("bench_ingest"))
    print(f"pinned   CPU {sorted(os.sched_getaffinity(0))} (redis-server is a separate process, not pinned)")
    quiet = benchlib.wait_quiet()
    print(f"load     machine {quiet:.0%} busy just before the start (waited up to 60 s for < 25%)")
    bodies = benchlib.feed_bodies()
    matcher, n_rules = load_matcher()
    print(f"corpus   {len(bodies)} feeds, {sum(len(b) for _, b in bodies) / 1e6:.2f} MB, "
          f"{n_rules} rules ({len(matcher.rules)} enabled); {args.rounds} rounds after one warm-up")

    client = connect(args.redis_url)
    client.ping()
    current = {"prefix": benchlib.new_prefix()}
    used: list[str] = []

    def redis_round() -> Round:
        return round_pipeline_prefixed(bodies, matcher, client, used, current)

    def cleanup() -> None:  # noqa: E306
        benchlib.delete_prefix(client, current["prefix"])

    print("\nitems/s on one core (wall clock):")
    try:
        base = run_rounds("baseline: feedparser.parse(body), defaults", args.rounds,
                          lambda: round_feedparser(bodies))
        parse_only = run_rounds("parse_feed only (parse + normalize)", args.rounds,
                                lambda: round_parse_only(bodies))
        full = run_rounds("pipeline, dedup in Redis", args.rounds, redis_round, cleanup)
        memory = run_rounds("pipeline, dedup in memory (state=None)", args.rounds,
                            lambda: round_pipeline(bodies, matcher, None))
        scaling = []
        for times in args.rule_scaling:
            many = RuleMatcher(matcher.rules * times)
            scaling.append((len(many.rules), run_rounds(
                f"pipeline, Redis dedup, {len(many.rules)} rules", 3,
                lambda: round_pipeline_prefixed(bodies, many, client, used, current), cleanup)))
    finally:
        for prefix in used:
            benchlib.delete_prefix(client, prefix)
        leftover = sum(1 for p in used for _ in client.scan_iter(match=f"{p}*"))
        client.close()

    b_full, b_mem, b_base = best(full), best(memory), best(base)
    print("\nstage times of the best Redis round (ms):  " + "  ".join(
        f"{k} {v * 1000:.1f}" for k, v in b_full.stages.items()))
    print("stage times of the best in-memory round (ms): " + "  ".join(
        f"{k} {v * 1000:.1f}" for k, v in b_mem.stages.items()))
    print(f"items per round: parsed {b_full.counts['parsed']}, new after exact dedup {b_full.counts['new']}, "
          f"after age filter {b_full.counts['kept']}, matches {b_full.counts['matches']}")
    redis_ms = (b_full.stages["dedup"] + b_full.stages["commit"]) * 1000
    print(f"Redis share: dedup+commit {redis_ms:.1f} ms of {b_full.seconds * 1000:.1f} ms "
          f"({redis_ms / (b_full.seconds * 1000):.0%}); in-memory/Redis rate {b_mem.rate / b_full.rate:.2f}x")

    print("\nsummary (items/s per core):")
    rows = [("baseline feedparser.parse defaults", base), ("parse_feed only", parse_only),
            ("pipeline, Redis dedup", full), ("pipeline, in-memory dedup", memory)]
    for label, results in rows:
        rates = [r.rate for r in results]
        print(f"  {label:<36} best {max(rates):8,.0f}   median {statistics.median(rates):8,.0f}   "
              f"x baseline (best) {max(rates) / b_base.rate:5.2f}")
    if scaling:
        print("\nrule count scaling (the shipped rules repeated; pipeline with Redis dedup, median items/s):")
        for n_rules, results in scaling:
            rates = [r.rate for r in results]
            match_ms = statistics.median(r.stages["match"] for r in results) * 1000
            per_rule_us = match_ms * 1000 / results[0].items / n_rules
            print(f"  {n_rules:3d} rules: {statistics.median(rates):8,.0f} items/s   match stage {match_ms:6.1f} ms "
                  f"per {results[0].items} items ({per_rule_us:.0f} us per item per rule)")
    goal_rate = statistics.median(r.rate for r in full)
    verdict = "MET" if goal_rate >= GOAL else "NOT MET"
    print(f"goal >= {GOAL:,.0f} items/s per core (pipeline with Redis dedup, median): {goal_rate:,.0f} -> {verdict}")
    print(f"redis keys left under the bench prefixes: {leftover}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
