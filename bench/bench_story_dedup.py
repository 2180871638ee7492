"""Story dedup: the threshold sweep on the labelled pairs, then throughput with 1,000,000 stored
fingerprints in the real Redis.

    python bench/bench_story_dedup.py [--fingerprints 1000000] [--rounds 5] [--skip-sweep]

1. Sweep (tests/data/story_pairs.jsonl, the same run as tests/newswatch/pipeline/test_story_pairs.py):
   precision/recall over thresholds, then the other knobs at the chosen threshold (lead words,
   sketch size, retrieval) — the record of what was tried (tests/data/story_pairs.md).
2. Fill: N synthetic fingerprints written the way the stage stores them (12 retrieval anchors
   + the URL's into the slot-sharded index hashes of the 2 live slots, and one handle -> story
   entry with its 24-value sketch each: every fingerprint its own story, the costly case), by
   pipelined HSETs of whole hashes. `used_memory` before/after gives bytes per fingerprint.
3. Throughput, the process pinned to CPU 0: the 591 real items of the 18 feeds, in polls of 25
   (one script call per poll: lookup, decision, index and report writes), against the filled index.
   "new": every round uses a salted copy of every word so all items are new stories (the common
   case); "copies": the items reposted under another source and URL, so each one is verified
   against its stored story's sketch and joins it. Median over rounds of wall time, client CPU
   (process_time) and Redis CPU (INFO used_cpu_* deltas); items/s per core = 1 / (client + Redis
   CPU per item); "sketch only": the Python fingerprinting alone (no Redis), best round.
   Goal: >= 5,000 items/s per core. Last, the memory of one story's report list.
The bench's keys are deleted at the end.
"""
from __future__ import annotations

import argparse
import base64
import copy
import os
import random
import re
import statistics
import time

import benchlib  # noqa: F401  (puts the repo on sys.path)

from newswatch.model.item import Item  # noqa: E402
from newswatch.store.state import State, connect  # noqa: E402
from newswatch.pipeline.stories import StoryDeduplicator, sketch  # noqa: E402
from tests.newswatch.pipeline.test_story_pairs import evaluate, load_items, load_pairs, run_pipeline  # noqa: E402

POLL = 25
SPLIT = 2 ** 31  # as in newswatch/pipeline/stories.py _ASSIGN: anchor = shard * SPLIT + field


def sweep(client) -> None:
    pairs, items = load_pairs(), load_items(benchlib.FEEDS)
    print("\n-- threshold sweep (labelled pairs; defaults lead_words=40, sketch_size=24) --")
    print(f"{'setting':32} {'prec':>5} {'recall':>6} {'fp':>3} {'fn':>3} {'same-event grouped':>19}")
    runs = [({"threshold": t}, f"threshold={t}") for t in (0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6)]
    runs += [({"threshold": 0.3, "lead_words": n}, f"threshold=0.3 lead_words={n}") for n in (20, 30, 60, 100, 10000)]
    runs += [({"threshold": 0.3, "sketch_size": k, "retrieval": min(12, k)}, f"threshold=0.3 sketch_size={k}")
             for k in (8, 16, 32, 64)]
    runs += [({"threshold": 0.3, "retrieval": r}, f"threshold=0.3 retrieval={r}") for r in (4, 8, 16, 24)]
    for options, label in runs:
        prefix = benchlib.new_prefix()
        fresh = [copy.deepcopy(i) for i in items]
        run_pipeline(State(client, prefix), fresh, **options)
        r = evaluate(pairs, fresh)
        print(f"{label:32} {r['precision']:5.2f} {r['recall']:6.2f} {len(r['fp']):3} {len(r['fn']):3} "
              f"{len(r['event_grouped']):>12}/{r['events']}")
        benchlib.delete_prefix(client, prefix + ":")


def fill(client, prefix: str, count: int, window: float, shards: int, now: float) -> float:
    """Write `count` synthetic fingerprints the way the stage stores them (newswatch/pipeline/stories.py
    _ASSIGN), half in the previous slot, half in the current one; returns seconds taken."""
    started, rng = time.perf_counter(), random.Random(7)
    cur = int(now // window)
    slots, per_item = [cur - 1, cur], 12 + 1  # retrieval anchors + the URL's
    mshards = max(1, shards // 16)
    entries_per_key = count * per_item / (len(slots) * shards)
    per_map_key = count / (len(slots) * mshards)
    pipe = client.pipeline(transaction=False)
    for n, slot in enumerate(slots):
        expire_at = int((slot + 2) * window)
        seen = now - (len(slots) - 1 - n) * window / 2
        for shard in range(shards):
            size = int(entries_per_key) + (rng.random() < entries_per_key % 1)
            key = f"{prefix}:story:ix:{slot}:{shard}"
            pipe.hset(key, mapping={"": 1, **{rng.getrandbits(31): rng.getrandbits(31) for _ in range(size)}})
            pipe.expireat(key, expire_at)
            if shard % 512 == 511:
                pipe.execute()
        for m in range(mshards):
            size = int(per_map_key) + (rng.random() < per_map_key % 1)
            values = {"": 1}
            for _ in range(size):
                handle = rng.getrandbits(31)
                sketch = base64.urlsafe_b64encode(rng.randbytes(72)).decode()
                values[handle - handle % mshards + m] = f"{rng.getrandbits(96):024x}|{seen:.3f}|{now:.0f}|36|{sketch}"
            pipe.hset(f"{prefix}:story:map:{slot}:{m}", mapping=values)
            pipe.expireat(f"{prefix}:story:map:{slot}:{m}", expire_at)
            if m % 64 == 63:
                pipe.execute()
    pipe.execute()
    return time.perf_counter() - started


def salted(items: list[Item], salt: int) -> list[Item]:
    """New stories: every word salted, new guid and URL."""
    out = []
    for item in items:
        title, text = (re.sub(r"(\w+)", rf"\1q{salt}", s) for s in (item.title, item.text))
        out.append(Item(source_id=item.source_id, title=title, text=text, guid=f"{item.guid}?salt={salt}",
                        url=item.url and f"{item.url}?salt={salt}", published=item.published).finish())
    return out


def reposted(items: list[Item], n: int) -> list[Item]:
    """Copies of stored stories: the same text under another source, guid and URL."""
    return [Item(source_id=f"repost-{n}", title=i.title, text=i.text, guid=f"{i.guid}?repost={n}",
                 url=i.url and f"{i.url}?repost={n}", published=i.published).finish() for i in items]


def redis_cpu(client) -> float:
    """CPU seconds the redis-server process has used (INFO cpu): the script's work, plus whatever
    other clients of this Redis did meanwhile (the bench's figure is an upper bound)."""
    info = client.info("cpu")
    return info["used_cpu_user"] + info["used_cpu_sys"]


def timed(stage: StoryDeduplicator, client, items: list[Item]) -> tuple[float, float, float]:
    """Wall s, client CPU s, Redis CPU s, for `process` over `items` in polls of 25."""
    cpu0, r0, t0 = time.process_time(), redis_cpu(client), time.perf_counter()
    for start in range(0, len(items), POLL):
        stage.process(items[start:start + POLL])
    return time.perf_counter() - t0, time.process_time() - cpu0, redis_cpu(client) - r0


def throughput(client, prefix: str, rounds: int, now: float) -> None:
    items = load_items(benchlib.FEEDS)
    stage = StoryDeduplicator(State(client, prefix), clock=lambda: now)
    rows = {"new": [], "copies": []}
    for r in range(rounds):
        fresh = salted(items, r)
        rows["new"].append(timed(stage, client, fresh))
    timed(stage, client, [copy.deepcopy(i) for i in items])  # store the originals once
    for r in range(rounds):
        rows["copies"].append(timed(stage, client, reposted(items, r)))
    n = len(items)
    print(f"\n-- throughput: {n} real items, polls of {POLL}, {rounds} rounds, client pinned to CPU 0; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs --")
    print(f"{'':7} {'wall items/s':>12} {'client CPU':>11} {'redis CPU':>10} {'items/s per core':>17}   wall per round")
    for kind, runs in rows.items():
        wall = statistics.median(w for w, _, _ in runs)
        cpu = statistics.median(c for _, c, _ in runs) / n * 1e6
        red = statistics.median(x for _, _, x in runs) / n * 1e6
        print(f"{kind:7} {n / wall:12.0f} {cpu:8.0f} us {red:7.0f} us {1e6 / (cpu + red):17.0f}   "
              f"{', '.join(f'{n / w:.0f}' for w, _, _ in runs)}")
    print("items/s per core = 1 / (client CPU + Redis CPU per item): what one core's worth of CPU does, "
          "free of the scheduling waits of a loaded machine")
    best = min(_sketch_round(items) for _ in range(rounds))
    print(f"sketch only {n / best:.0f} items/s (best round; normalization, shingles, hashes: no Redis)")
    print(f"hits {dict(stage.hits)}")


def _sketch_round(items: list[Item]) -> float:
    started = time.perf_counter()
    for item in items:
        sketch(item)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fingerprints", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--skip-sweep", action="store_true")
    parser.add_argument("--redis-url", default=benchlib.REDIS_URL)
    args = parser.parse_args()
    os.sched_setaffinity(0, {0})
    print(benchlib.machine_header("story dedup"))
    client = connect(args.redis_url)
    print(f"redis    {client.info('server')['redis_version']}, hash-max-listpack-entries "
          f"{client.config_get('hash-max-listpack-entries')['hash-max-listpack-entries']}")
    if not args.skip_sweep:
        sweep(client)
    prefix, now, window, shards = benchlib.new_prefix(), time.time(), 72 * 3600.0, 65536
    try:
        before = client.info("memory")["used_memory"]
        took = fill(client, prefix, args.fingerprints, window, shards, now)
        after = client.info("memory")["used_memory"]
        sample = f"{prefix}:story:ix:{int(now // window)}:0"
        print(f"\n-- fill: {args.fingerprints:,} fingerprints in {took:.1f} s --")
        print(f"used_memory {before / 2**20:.1f} MiB -> {after / 2**20:.1f} MiB: +{(after - before) / 2**20:.1f} MiB, "
              f"{(after - before) / max(1, args.fingerprints):.0f} bytes per fingerprint "
              f"(index hash: {client.hlen(sample)} entries, encoding {client.object('encoding', sample)})")
        throughput(client, prefix, args.rounds, now)
        reports = client.memory_usage(next(iter(client.scan_iter(f"{prefix}:story:*:reports", count=10000))))
        print(f"one story's report list (1 report): {reports} bytes")
    finally:
        print(f"deleted {benchlib.delete_prefix(client, prefix + ':'):,} keys")


if __name__ == "__main__":
    main()
