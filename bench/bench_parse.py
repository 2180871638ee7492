"""Feed parsing speed: feedparser against parse_feed's two paths.

    python bench/bench_parse.py [--repeat 5]

Reads every world-2026-02 feed into memory first (591 items), then times each
way of parsing the whole set with time.perf_counter, best of N rounds, pinned
to one core when the OS allows. Prints items/s per way and the ratio of the
fast path to feedparser with its defaults.
"""
from __future__ import annotations

import argparse
import io
import os
import sys
import time
from pathlib import Path

import feedparser

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from workers.sources.feeds.parse import parse_feed  # noqa: E402

FEEDS = REPO / "tests" / "data" / "feeds" / "world-2026-02"


def _feedparser_defaults(body: bytes) -> int:
    return len(feedparser.parse(io.BytesIO(body)).entries)


def _feedparser_lean(body: bytes) -> int:
    return len(feedparser.parse(io.BytesIO(body), sanitize_html=False, resolve_relative_uris=False).entries)


def _parse_feed_slow(body: bytes) -> int:
    return len(parse_feed(body, "bench", fast=False).items)


def _parse_feed_fast(body: bytes) -> int:
    return len(parse_feed(body, "bench", fast=True).items)


WAYS = [
    ("feedparser.parse (defaults)", _feedparser_defaults),
    ("feedparser.parse (no sanitize/resolve)", _feedparser_lean),
    ("parse_feed(fast=False)", _parse_feed_slow),
    ("parse_feed(fast=True)", _parse_feed_fast),
]


def best_time(parse, bodies: list[bytes], repeat: int) -> tuple[float, int]:
    best, items = float("inf"), 0
    for _ in range(repeat):
        start = time.perf_counter()
        items = sum(parse(body) for body in bodies)
        best = min(best, time.perf_counter() - start)
    return best, items


def pin_to_one_core() -> str:
    try:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
        return f"pinned to CPU {min(os.sched_getaffinity(0))}"
    except (AttributeError, OSError):
        return "not pinned (no sched_setaffinity here)"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="rounds per way; the best one counts")
    args = parser.parse_args(argv)
    paths = sorted(FEEDS.glob("*.xml"))
    bodies = [path.read_bytes() for path in paths]
    size_mb = sum(map(len, bodies)) / 1e6
    print(f"{len(bodies)} feeds, {size_mb:.2f} MB, best of {args.repeat}, {pin_to_one_core()}")
    rates: dict[str, float] = {}
    for name, parse in WAYS:
        parse(bodies[0])  # warm imports and caches
        seconds, items = best_time(parse, bodies, args.repeat)
        rates[name] = items / seconds
        print(f"  {name:<40} {items:>4} items  {seconds * 1000:8.1f} ms  {rates[name]:9,.0f} items/s")
    ratio = rates["parse_feed(fast=True)"] / rates["feedparser.parse (defaults)"]
    print(f"fast path / feedparser defaults: {ratio:.1f}x")


if __name__ == "__main__":
    main()
